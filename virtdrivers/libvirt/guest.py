"""Guest: one libvirt domain, in our vocabulary.

A thin wrapper over a ``virDomain``: each method is one libvirt call (rarely a
fallback chain) run through :func:`virtdrivers.libvirt.errors.translated`, so
callers see :class:`~virtdrivers.exception.InstanceNotFound`,
:class:`~virtdrivers.exception.InstanceInvalidState`,
:class:`~virtdrivers.exception.NotSupported`, ... and never a libvirtError.

``uuid``, ``name`` and ``id`` read what the virDomain object already holds
and cost no round trip to the daemon.
"""

import collections
import contextlib
import logging
import time

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers.libvirt import errors
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.binding import libvirt

LOG = logging.getLogger(__name__)

# Nova's LIBVIRT_POWER_STATE. VIR_DOMAIN_BLOCKED (Xen: running, vCPU idle)
# is running; VIR_DOMAIN_SHUTDOWN (being shut down) is reported as SHUTDOWN
# like the real powered-off state, SHUTOFF.
POWER_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: power_state.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: power_state.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: power_state.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
}

VCPUInfo = collections.namedtuple("VCPUInfo", ["id", "cpu", "state", "time"])

_UNDEFINE_METADATA = (
    libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
    | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
    | libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
)


def to_power_state(vir_state):
    """Map a ``VIR_DOMAIN_*`` state to a :mod:`virtdrivers.power_state`."""
    return POWER_STATES.get(vir_state, power_state.NOSTATE)


def _xml_text(device):
    # Accept an XML object from virtdrivers.libvirt.xml as well as text.
    to_xml = getattr(device, "to_xml", None)
    return to_xml() if to_xml is not None else device


class Guest:
    """One libvirt domain.

    :param domain: a ``libvirt.virDomain``.
    :param host: the hypervisor (its URI) that
        :class:`~virtdrivers.exception.HypervisorUnavailable` names when
        the connection is lost.
    """

    def __init__(self, domain, host=None):
        self._domain = domain
        self._host = host
        self._uuid = None

    def __repr__(self):
        return "<Guest %s>" % self.uuid

    @property
    def domain(self):
        """The wrapped ``virDomain`` (for modules that need a raw call)."""
        return self._domain

    @property
    def uuid(self):
        """The domain uuid (our instance uuid), as a string."""
        if self._uuid is None:
            self._uuid = self._domain.UUIDString()
        return self._uuid

    @property
    def name(self):
        return self._domain.name()

    @property
    def id(self):
        """The hypervisor's domain id; -1 when the domain is not running."""
        return self._domain.ID()

    def _translated(self, operation):
        return errors.translated(instance_id=self.uuid, operation=operation,
                                 host=self._host)

    # Power -----------------------------------------------------------------

    def launch(self, pause=False):
        """Start the defined domain, paused when ``pause``.

        Drivers without ``VIR_DOMAIN_START_PAUSED`` (the test driver,
        Parallels) are started and then paused at once; the guest may run a
        few instructions in between.
        """
        if not pause:
            return self.create()
        try:
            with self._translated("start paused"):
                self._domain.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED)
        except exception.NotSupported:
            LOG.debug("Instance %s: start paused is not supported; starting "
                      "and pausing instead", self.uuid)
            self.create()
            self.pause()
        return None

    def create(self):
        """Start the defined domain (``virDomainCreate``)."""
        with self._translated("start"):
            self._domain.create()

    def poweroff(self):
        """Stop the domain at once, like pulling the plug (destroy)."""
        with self._translated("power off"):
            self._domain.destroy()

    def shutdown(self):
        """Ask the guest OS to shut down (ACPI power button); returns at once."""
        with self._translated("shut down"):
            self._domain.shutdown()

    def reboot(self):
        """Ask the guest OS to reboot (ACPI power button); returns at once."""
        with self._translated("reboot"):
            self._domain.reboot(libvirt.VIR_DOMAIN_REBOOT_ACPI_POWER_BTN)

    def reset(self):
        """Reset the virtual hardware, without the guest OS's cooperation."""
        with self._translated("reset"):
            self._domain.reset(0)

    def pause(self):
        """Pause the vCPUs (``virDomainSuspend``); memory stays resident."""
        with self._translated("pause"):
            self._domain.suspend()

    def resume(self):
        """Resume paused vCPUs."""
        with self._translated("resume"):
            self._domain.resume()

    def managed_save(self):
        """Save memory to libvirt's managed image and stop the domain.

        The next :meth:`create` restores it.
        """
        with self._translated("suspend"):
            self._domain.managedSave(0)

    def has_managed_save(self):
        """Return True when a managed save image exists."""
        with self._translated("check managed save"):
            return bool(self._domain.hasManagedSaveImage(0))

    def remove_managed_save(self):
        """Discard the managed save image; the next start boots afresh."""
        with self._translated("remove managed save"):
            self._domain.managedSaveRemove(0)

    # State -----------------------------------------------------------------

    def get_power_state(self):
        """Return the :mod:`virtdrivers.power_state` of the domain."""
        with self._translated("get power state"):
            state, _reason = self._domain.state()
        return to_power_state(state)

    def get_info(self):
        """Return an :class:`~virtdrivers.objects.InstanceInfo` (one call)."""
        with self._translated("get info"):
            state = self._domain.state()[0]
        return objects.InstanceInfo(state=to_power_state(state), internal_id=self.id)

    def get_vcpu_count(self):
        """The number of vCPUs the domain runs with (one call)."""
        with self._translated("get info"):
            return self._domain.info()[3]

    def is_active(self):
        with self._translated("check active"):
            return bool(self._domain.isActive())

    def is_persistent(self):
        with self._translated("check persistent"):
            return bool(self._domain.isPersistent())

    def wait_for_state(self, states, timeout, interval=0.2):
        """Poll until the power state is one of ``states``.

        :param states: power states (:mod:`virtdrivers.power_state`).
        :param timeout: seconds to wait at most.
        :returns: the state reached.
        :raises InstanceEventTimeout: when none is reached in time.
        """
        states = frozenset(states)
        deadline = time.monotonic() + timeout
        while True:
            state = self.get_power_state()
            if state in states:
                return state
            if time.monotonic() >= deadline:
                raise exception.InstanceEventTimeout(
                    timeout=timeout,
                    events=sorted(power_state.name(s) for s in states),
                    instance_id=self.uuid,
                )
            time.sleep(interval)

    # Definition ------------------------------------------------------------

    def get_xml_desc(self, dump_inactive=False, dump_sensitive=False,
                     dump_migratable=False):
        """Return the domain XML text.

        ``dump_sensitive`` includes secrets (graphics passwords): never log it.
        """
        flags = 0
        if dump_inactive:
            flags |= libvirt.VIR_DOMAIN_XML_INACTIVE
        if dump_sensitive:
            flags |= libvirt.VIR_DOMAIN_XML_SECURE
        if dump_migratable:
            flags |= libvirt.VIR_DOMAIN_XML_MIGRATABLE
        with self._translated("get XML"):
            return self._domain.XMLDesc(flags)

    def get_config(self, dump_inactive=False):
        """Return the domain as a :class:`virtdrivers.libvirt.xml.Domain`."""
        return vxml.Domain.from_xml(self.get_xml_desc(dump_inactive=dump_inactive))

    def undefine(self, keep_nvram=False):
        """Remove the definition with its managed save, snapshot and
        checkpoint metadata and (unless ``keep_nvram``) its NVRAM file.

        Flags a driver does not know are dropped one step at a time, down to
        a plain ``undefine()``; a running domain becomes transient.
        """
        nvram = (libvirt.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM if keep_nvram
                 else libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        attempts = (
            _UNDEFINE_METADATA | nvram,
            # Older or other drivers: no checkpoints, no NVRAM handling.
            libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
            | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
            libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE,
        )
        for flags in attempts:
            try:
                with self._translated("undefine"):
                    self._domain.undefineFlags(flags)
                return
            except exception.NotSupported:
                LOG.debug("Instance %s: undefine flags %#x not supported",
                          self.uuid, flags)
        with self._translated("undefine"):
            self._domain.undefine()

    # Devices ---------------------------------------------------------------

    @staticmethod
    def _affect(persistent, live):
        flags = 0
        if persistent:
            flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if live:
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        return flags

    def attach_device(self, device, persistent=False, live=False):
        """Attach a device (XML text or an XML object).

        :param persistent: change the persistent definition.
        :param live: change the running domain.
        """
        with self._translated("attach device"):
            self._domain.attachDeviceFlags(
                _xml_text(device), self._affect(persistent, live))

    def detach_device(self, device, persistent=False, live=False):
        """Detach a device (XML text or an XML object); see attach_device.

        For a live detach libvirt returns once the guest was asked; the device
        may go away later.
        """
        with self._translated("detach device"):
            self._domain.detachDeviceFlags(
                _xml_text(device), self._affect(persistent, live))

    def update_device(self, device, persistent=False, live=False):
        """Change a device in place (``virDomainUpdateDeviceFlags``): the
        one whose identity (a NIC's MAC) *device* carries; see
        attach_device."""
        with self._translated("update device"):
            self._domain.updateDeviceFlags(
                _xml_text(device), self._affect(persistent, live))

    # Guest agent and friends -------------------------------------------------

    def set_user_password(self, user, password):
        """Set ``user``'s password in the guest (needs the guest agent)."""
        # The password is never logged, nor put in an error message.
        LOG.debug("Setting the password of user %s of instance %s",
                  user, self.uuid)
        with self._translated("set admin password"):
            self._domain.setUserPassword(user, password, 0)

    def freeze_filesystems(self, mountpoints=None):
        """Freeze the guest filesystems (all, or ``mountpoints``)."""
        with self._translated("quiesce"):
            return self._domain.fsFreeze(mountpoints, 0)

    def thaw_filesystems(self, mountpoints=None):
        """Thaw what :meth:`freeze_filesystems` froze."""
        with self._translated("unquiesce"):
            return self._domain.fsThaw(mountpoints, 0)

    def inject_nmi(self):
        """Send a non-maskable interrupt (guest crash dump)."""
        with self._translated("inject NMI"):
            self._domain.injectNMI(0)

    def get_vcpus_info(self):
        """Return a list of :data:`VCPUInfo` (id, physical cpu, state, time)."""
        with self._translated("get vCPU info"):
            vcpus, _cpumaps = self._domain.vcpus()
        # libvirt's tuples are (number, state, cpu time, physical cpu).
        return [VCPUInfo(id=number, cpu=cpu, state=state, time=cpu_time)
                for number, state, cpu_time, cpu in vcpus]

    def open_console_stream(self, dev_name=None, force=False):
        """Open the console (``dev_name`` or the first) as a ``virStream``.

        The caller owns the stream: ``finish()`` or ``abort()`` it.
        """
        flags = libvirt.VIR_DOMAIN_CONSOLE_FORCE if force else 0
        with self._translated("open console"):
            stream = self._domain.connect().newStream(0)
            try:
                self._domain.openConsole(dev_name, stream, flags)
            except libvirt.libvirtError:
                # Report why the console failed, not why the abort did.
                with contextlib.suppress(libvirt.libvirtError):
                    stream.abort()
                raise
        return stream

    # Block jobs ------------------------------------------------------------

    def block_copy(self, dev, disk_xml):
        """Start mirroring disk *dev* into the existing file *disk_xml*
        describes (a full, flattened copy; the job ends with the domain).

        :raises NotSupported: the hypervisor has no block copy.
        """
        flags = (libvirt.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT
                 | libvirt.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB)
        with self._translated("block copy"):
            self._domain.blockCopy(dev, disk_xml, None, flags)

    def wait_for_block_job_ready(self, dev, timeout, interval=0.05):
        """Wait until the block job on *dev* has copied everything once.

        :raises InstanceEventTimeout: not ready within *timeout* seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._translated("block job info"):
                info = self._domain.blockJobInfo(dev, 0)
            if info and info.get("end") and info["cur"] == info["end"]:
                return
            if time.monotonic() >= deadline:
                raise exception.InstanceEventTimeout(
                    timeout=timeout, events="block job on %s ready" % dev,
                    instance_id=self.uuid)
            time.sleep(interval)

    def has_block_job(self, dev):
        """Whether a block job (copy, commit, pull) runs on disk *dev*.

        :raises NotSupported: the hypervisor has no block jobs.
        """
        with self._translated("block job info"):
            return bool(self._domain.blockJobInfo(dev, 0))

    def abort_block_job(self, dev):
        """Stop the block job on *dev*; a copy keeps what it mirrored."""
        with self._translated("abort block job"):
            self._domain.blockJobAbort(dev, 0)
