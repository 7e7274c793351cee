"""Which hypervisor this host runs, from what its kernel shows.

One function for every hypervisor, :func:`detect`, reads:

* Xen: ``/sys/hypervisor/type`` says ``xen`` in every Xen domain; the host
  is the privileged one (dom0) when ``/proc/xen/capabilities`` says
  ``control_d``. A domain whose capabilities file lacks it is a Xen guest,
  which runs no hypervisor of its own; an unreadable file (xenfs not
  mounted) proves nothing either way, and the type file is taken alone.
* KVM: the ``kvm`` module is loaded (a ``kvm`` line in ``/proc/modules``,
  or ``/sys/module/kvm``, which also exists when KVM is built in) and
  ``/dev/kvm`` is a character device this process can open read-write.

Every path is a field of :class:`Paths`, so tests hand in fabricated
files. :func:`require` is what ``init_host`` calls: it refuses a
``virt_type`` whose hypervisor the host does not run, naming what it found.
"""

import dataclasses
import os
import stat

from virtdrivers import exception

XEN = "xen"
KVM = "kvm"

_NAMES = {XEN: "Xen", KVM: "KVM"}


@dataclasses.dataclass(frozen=True)
class Paths:
    """Where :func:`detect` looks (the real places by default)."""

    hypervisor_type: str = "/sys/hypervisor/type"
    xen_capabilities: str = "/proc/xen/capabilities"
    proc_modules: str = "/proc/modules"
    sys_module: str = "/sys/module"
    dev_kvm: str = "/dev/kvm"


@dataclasses.dataclass(frozen=True)
class Findings:
    """What :func:`detect` saw.

    ``hypervisors`` holds the ones this host runs (``xen``, ``kvm``);
    ``notes`` says what each conclusion rests on, for messages.
    """

    hypervisors: frozenset
    notes: tuple

    def describe(self):
        return "; ".join(self.notes)


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return stream.read()
    except OSError:
        return None


def _xen(paths):
    """``(found, note)`` for Xen."""
    kind = _read(paths.hypervisor_type)
    if kind is None:
        return False, "no %s" % paths.hypervisor_type
    kind = kind.strip()
    if kind != XEN:
        return False, "%s says %r" % (paths.hypervisor_type, kind)
    caps = _read(paths.xen_capabilities)
    if caps is None:
        return True, ("Xen (%s says xen; %s unreadable, dom0 not confirmed)"
                      % (paths.hypervisor_type, paths.xen_capabilities))
    if "control_d" in caps.replace(",", " ").split():
        return True, "Xen dom0 (%s says xen, %s says control_d)" % (
            paths.hypervisor_type, paths.xen_capabilities)
    return False, ("a Xen guest, not dom0 (%s lacks control_d)"
                   % paths.xen_capabilities)


def _kvm_module_loaded(paths):
    modules = _read(paths.proc_modules)
    if modules is not None and any(line.split()[:1] == [KVM]
                                   for line in modules.splitlines()):
        return True
    return os.path.isdir(os.path.join(paths.sys_module, KVM))


def _kvm_device_note(path):
    """None when *path* is a usable KVM device, else why not."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "%s is missing" % path
    if not stat.S_ISCHR(mode):
        return "%s is not a character device" % path
    if not os.access(path, os.R_OK | os.W_OK):
        return "%s is not readable and writable by this process" % path
    return None


def _kvm(paths):
    """``(found, note)`` for KVM."""
    if not _kvm_module_loaded(paths):
        return False, "no kvm module (%s, %s/kvm)" % (paths.proc_modules,
                                                      paths.sys_module)
    problem = _kvm_device_note(paths.dev_kvm)
    if problem:
        return False, "the kvm module is loaded but " + problem
    return True, "KVM (kvm module loaded, %s usable)" % paths.dev_kvm


def detect(paths=None):
    """The hypervisors this host runs, as :class:`Findings`."""
    paths = paths or Paths()
    found, notes = set(), []
    for name, probe in ((XEN, _xen), (KVM, _kvm)):
        present, note = probe(paths)
        notes.append(note)
        if present:
            found.add(name)
    return Findings(frozenset(found), tuple(notes))


def require(hypervisor, virt_type, paths=None):
    """Refuse to run ``virt_type`` unless this host runs *hypervisor*.

    :param hypervisor: ``xen`` or ``kvm`` (a profile's ``host_hypervisor``).
    :returns: the :class:`Findings`.
    :raises ConfigurationError: naming the option, the hypervisor it needs
        and what was found instead.
    """
    findings = detect(paths)
    if hypervisor not in findings.hypervisors:
        raise exception.ConfigurationError(
            reason="[libvirt] virt_type=%s needs %s on this host, but found: "
                   "%s" % (virt_type, _NAMES.get(hypervisor, hypervisor),
                           findings.describe()))
    return findings
