"""What the connected hypervisor itself limits, whatever the guest kind:
operations a hypervisor type cannot perform, and whether ``init_host`` must
look for the profile's hypervisor on this host."""

import urllib.parse

# What a connected hypervisor cannot do whatever the guest kind, by the type
# libvirt reports (``virConnectGetType``). libvirt's in-process test driver
# runs no display or serial servers, so its guests have no console ports.
HYPERVISOR_LIMITS = {
    "TEST": frozenset(("vnc-console", "spice-console", "serial-console")),
}

# Hypervisor types libvirt runs inside its own process, not on this host's
# hypervisor: what the host runs says nothing about them.
IN_PROCESS_HYPERVISORS = frozenset(("TEST",))


def unsupported_on(hv_type):
    """Operations a hypervisor of type *hv_type* cannot perform."""
    return HYPERVISOR_LIMITS.get((hv_type or "").upper(), frozenset())


def needs_host_detection(profile, hv_type, uri=None):
    """True when ``init_host`` must find ``profile.host_hypervisor`` on this
    host (see :mod:`virtdrivers.libvirt.detect`): the profile needs one, the
    connected hypervisor (type *hv_type*) is not libvirt's own, and *uri*
    names no other machine (``qemu+ssh://elsewhere/system``)."""
    remote = urllib.parse.urlsplit(uri or "").hostname
    return (profile.host_hypervisor is not None
            and (hv_type or "").upper() not in IN_PROCESS_HYPERVISORS
            and remote in (None, "", "localhost"))
