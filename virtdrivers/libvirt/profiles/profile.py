"""The :class:`Profile` class: what a kind of libvirt guest gets, and the
checks of an image's properties and the host's options against it.

The profiles themselves are data in the family modules (:mod:`.qemu`,
:mod:`.xen`, :mod:`.vz`); :mod:`.catalogue` finds them by name.
"""

import dataclasses
import re
import types

from virtdrivers import capabilities
from virtdrivers import exception
from virtdrivers.libvirt.profiles import catalogue

# Machine type names as QEMU spells them: pc, q35, pc-i440fx-8.2,
# pc-q35-rhel9.2.0, virt-7.2, s390-ccw-virtio.
_MACHINE_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclasses.dataclass(frozen=True)
class MachineFamily:
    """What a family of machine types (matched by substring) changes.

    Nova's rule: any machine type containing ``q35`` has no IDE bus, so
    CD-ROMs default to SATA there and IDE is refused.
    """

    match: str
    default_cdrom_bus: str | None = None
    missing_buses: frozenset = frozenset()


@dataclasses.dataclass(frozen=True)
class LiveMigration:
    """How guests of a kind live-migrate (the hypervisor's libvirt driver).

    * ``uri``: the destination's libvirt URI, ``%(dest)s`` its address and
      ``%(scheme)s`` ``[libvirt] live_migration_scheme`` (Nova's per
      virt_type).
    * ``stream_uri``: where the guest's memory goes (``tcp://%(dest)s``),
      None: the destination's libvirt says.
    * ``block_migration``: disks not on shared storage are copied
      (``VIR_MIGRATE_NON_SHARED_INC``) into disks the destination made.
    * ``dest_xml``: accepts the destination's domain XML (its disk paths).
    * ``bandwidth``: accepts a bandwidth limit; ``auto_converge``: QEMU's.
    """

    uri: str
    stream_uri: str | None = None
    block_migration: bool = False
    dest_xml: bool = False
    bandwidth: bool = False
    auto_converge: bool = False


def _frozen(mapping):
    return types.MappingProxyType(dict(mapping))


def _no_mapping():
    return dataclasses.field(default_factory=lambda: _frozen({}))


_MAPPINGS = ("device_prefixes", "bus_slots", "variants")


@dataclasses.dataclass(frozen=True, eq=False)
class Profile:
    """Everything that differs between kinds of libvirt guests.

    Tuples of allowed values list the default first (``disk_buses``,
    ``cdrom_buses``, ``vif_models``, ``video_models``, ``cpu_modes``,
    ``scsi_models``, ``pointer_models``, ``vm_modes``); an empty tuple means
    the guest kind has no such device.

    * ``domain_type``, ``os_type``: ``<domain type>`` and ``<os><type>``;
      ``default_uri``: the libvirt URI of ``virt_type``.
    * ``vm_modes``/``variants``: the image ``vm_mode`` values this family
      runs, and the profile name each one selects (none: this profile).
    * ``device_prefixes``: bus -> target name prefix; ``bus_slots``: buses
      with a fixed number of devices; ``machine_families``: machine types
      that change the CD-ROM bus or lack buses.
    * ``vif_types``: network info VIF types it can attach;
      ``virtio_net_driver``: ``<driver name>`` of virtio NICs (None: vhost).
    * ``serial_console``: a serial port (logged or TCP) plus ``<console>``
      of ``console_target_type``; ``graphics_types``: vnc/spice it can show.
    * ``*_channel``: virtio-serial channel names (None: no such channel);
      ``config_channel`` is the host<->guest private configuration channel.
    * ``rng_models``/``rng_backend``, ``memballoon_model`` (None: libvirt's).
    * ``default_machine_type`` None leaves the choice to libvirt.
    * ``features``: ``<features>`` flags; ``hyperv_for_windows``,
      ``clock_timers`` (name, tickpolicy), ``hpet_arches``, ``smbios``,
      ``kernel_cmdline`` (``%(root)s`` is the root device path).
    * ``operations``: names from
      :data:`virtdrivers.capabilities.OPERATIONS` guests of this kind
      support; the mandatory ones are always added. ``agent_operations``:
      those of them that need the QEMU guest agent in the guest.
    * ``description`` names the kind in messages ("Xen PV guests").
    * ``channel_target_type``: ``<channel><target type>`` of the channels
      (``virtio`` serial on QEMU, ``xen`` PV channels on Xen).
    * ``serial_log``: how serial port 0 keeps the console log: ``log`` (a
      pty with ``<log file>``, QEMU's virtlogd), ``file`` (a file-backed
      port), None (no log). Without ``serial_console``, a
      ``console_target_type`` alone gives a ``<console>`` (Xen PV's).
    * Boot: ``bootloader`` (a host PV bootloader such as pygrub when no
      kernel is given, path from the settings), ``hvm_loader`` (``<loader>``
      from the settings), ``direct_kernel_boot``, ``init_path`` (containers
      run init, not a kernel), ``machine_types`` (``<type machine>``).
    * ``filesystem_driver``: containers get their root (and rescue) disk as
      a ``<filesystem>`` with this driver, not as a ``<disk>``.
    * ``disk_driver``: ``<disk><driver name>`` (None: the hypervisor's).
    * ``interface_ip_config``: NICs carry the VIF's static addresses and
      default routes (``<ip>``, ``<route>``): how vz, which has no
      configuration channel, configures the guest's network.
    * ``memballoon_stats``: the balloon reports statistics;
      ``windows_localtime``: Windows guests get a local-time clock.
    * ``live_migration``: a :class:`LiveMigration` (None: guests of this
      kind do not live-migrate).
    * Host: ``host_hypervisor`` is what :mod:`.detect` must find on the host
      (None: nothing to detect, TCG runs anywhere); ``dom0``: the host OS is
      Xen's privileged domain 0, listed by libvirt and counted as the host.
    """

    name: str
    virt_type: str
    domain_type: str
    default_uri: str
    os_type: str
    vm_modes: tuple
    disk_buses: tuple
    cdrom_buses: tuple
    device_prefixes: types.MappingProxyType
    vif_models: tuple
    vif_types: tuple
    video_models: tuple
    graphics_types: frozenset
    operations: frozenset
    # Buses with a fixed number of device slots (IDE has four).
    bus_slots: types.MappingProxyType = _no_mapping()
    machine_families: tuple = ()
    variants: types.MappingProxyType = _no_mapping()
    virtio_net_driver: str | None = None
    scsi_models: tuple = ()
    pointer_models: tuple = ()
    input_bus: str | None = None
    serial_console: bool = False
    console_target_type: str | None = None
    guest_agent_channel: str | None = None
    config_channel: str | None = None
    spice_agent_channel: str | None = None
    rng_models: tuple = ()
    rng_backend: str | None = None
    memballoon_model: str | None = None
    default_machine_type: str | None = None
    cpu_modes: tuple = ()
    features: frozenset = frozenset()
    hyperv_for_windows: bool = False
    clock_timers: tuple = ()
    hpet_arches: frozenset = frozenset()
    smbios: bool = False
    kernel_cmdline: str | None = None
    description: str = ""
    agent_operations: frozenset = frozenset()
    channel_target_type: str = "virtio"
    serial_log: str | None = "log"
    bootloader: bool = False
    hvm_loader: bool = False
    direct_kernel_boot: bool = True
    init_path: str | None = None
    machine_types: bool = True
    filesystem_driver: str | None = None
    disk_driver: str | None = "qemu"
    interface_ip_config: bool = False
    # Formats of instance disks the hypervisor opens (ploop is vz's own).
    disk_formats: frozenset = frozenset(("raw", "qcow2"))
    memballoon_stats: bool = True
    windows_localtime: bool = True
    host_hypervisor: str | None = None
    dom0: bool = False
    live_migration: LiveMigration | None = None

    def __post_init__(self):
        unknown = set(self.operations) - capabilities.OPERATION_NAMES
        if unknown:
            raise ValueError("profile %s: unknown operation(s) %s"
                             % (self.name, ", ".join(sorted(unknown))))
        object.__setattr__(self, "operations",
                           frozenset(self.operations) | capabilities.MANDATORY)
        for name in _MAPPINGS:
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    # Defaults are the first allowed value ---------------------------------

    @property
    def default_disk_bus(self):
        return self.disk_buses[0]

    @property
    def default_cdrom_bus(self):
        return self.cdrom_buses[0]

    @property
    def default_vif_model(self):
        return self.vif_models[0] if self.vif_models else None

    @property
    def default_video_model(self):
        return self.video_models[0] if self.video_models else None

    @property
    def default_cpu_mode(self):
        return self.cpu_modes[0] if self.cpu_modes else None

    @property
    def default_scsi_model(self):
        return self.scsi_models[0] if self.scsi_models else None

    @property
    def guest_agent(self):
        """True when guests can have a QEMU guest agent channel."""
        return self.guest_agent_channel is not None

    @property
    def default_pointer_model(self):
        return self.pointer_models[0] if self.pointer_models else None

    # Questions ------------------------------------------------------------

    def supports(self, operation):
        """True when guests of this profile support ``operation``.

        :raises ValueError: for a name that is no operation.
        """
        if operation not in capabilities.OPERATION_NAMES:
            raise ValueError("unknown operation %r" % (operation,))
        return operation in self.operations

    def device_prefix(self, bus):
        """The device name prefix of ``bus`` (``virtio`` -> ``vd``)."""
        return self.device_prefixes[bus]

    def machine_family(self, machine_type):
        """The :class:`MachineFamily` ``machine_type`` belongs to, or None."""
        for family in self.machine_families:
            if machine_type and family.match in machine_type:
                return family
        return None

    def cdrom_bus_for(self, machine_type):
        """The default CD-ROM bus on ``machine_type`` (None: libvirt's
        default machine)."""
        family = self.machine_family(machine_type)
        if family is not None and family.default_cdrom_bus:
            return family.default_cdrom_bus
        return self.default_cdrom_bus

    def for_image(self, image_meta):
        """The profile an image with these properties runs as.

        A family of profiles (Xen PV/HVM, Parallels VM/CT) picks its member
        by the image's ``vm_mode``; a profile without variants is itself.

        :raises InvalidImage: for a ``vm_mode`` this family cannot run.
        """
        props = _props(image_meta)
        vm_mode = props.get("hw_vm_mode") or self.vm_modes[0]
        if vm_mode not in self.vm_modes:
            raise _invalid(image_meta, [_not_allowed(
                self, "vm_mode", vm_mode, self.vm_modes)])
        return self.member(vm_mode)

    def member(self, vm_mode):
        """The family member that runs guests of ``vm_mode``.

        :raises ConfigurationError: for a ``vm_mode`` the family cannot run.
        """
        if vm_mode not in self.vm_modes:
            raise exception.ConfigurationError(
                reason="the %s profile runs no vm_mode %r (allowed: %s)"
                % (self.name, vm_mode, ", ".join(self.vm_modes)))
        name = self.variants.get(vm_mode)
        return self if name is None else catalogue.by_name(name)

    def family(self):
        """Every member of this profile's family, in ``vm_modes`` order."""
        return tuple(self.member(vm_mode) for vm_mode in self.vm_modes)

    def validate_image(self, image_meta, machine_type=None):
        """Check the image's hardware properties against this profile.

        :param machine_type: the machine type the host would use when the
            image names none (``[libvirt] hw_machine_type``).
        :raises InvalidImage: naming every bad property, its value and the
            allowed values.
        """
        props = _props(image_meta)
        errors = [_not_allowed(self, prop, props.get(prop), allowed)
                  for prop, allowed in self._choices()
                  if props.get(prop) is not None
                  and props.get(prop) not in allowed]
        errors += self._machine_errors(props, machine_type)
        errors += _topology_errors(props)
        if errors:
            raise _invalid(image_meta, errors)

    def validate_settings(self, cpu_mode=None, cpu_models=(),
                          graphics_types=()):
        """Check host options against this profile (call at start-up).

        :raises ConfigurationError: naming the option and the allowed values.
        """
        if cpu_mode is not None and cpu_mode not in self.cpu_modes:
            raise exception.ConfigurationError(
                reason="[libvirt] cpu_mode=%s is not supported by the %s "
                       "profile (allowed: %s)"
                       % (cpu_mode, self.name, ", ".join(self.cpu_modes)))
        if cpu_mode == "custom" and not cpu_models:
            raise exception.ConfigurationError(
                reason="[libvirt] cpu_mode=custom needs [libvirt] cpu_models")
        for kind in graphics_types:
            if kind not in self.graphics_types:
                raise exception.ConfigurationError(
                    reason="%s graphics are enabled but the %s profile has "
                           "none (allowed: %s)" % (
                               kind, self.name,
                               ", ".join(sorted(self.graphics_types)) or
                               "none"))

    def check_disk_format(self, disk_format, images_type):
        """Refuse, at start-up, an image backend whose disks this family of
        guests cannot open (``ploop`` needs Parallels).

        :raises ConfigurationError: naming both options.
        """
        formats = set().union(*(member.disk_formats for member in self.family()))
        if disk_format not in formats:
            raise exception.ConfigurationError(
                reason="[libvirt] images_type=%s makes %s disks, which "
                       "[libvirt] virt_type=%s guests cannot use (they use: "
                       "%s)" % (images_type, disk_format, self.virt_type,
                                ", ".join(sorted(formats))))

    def _choices(self):
        return (
            ("hw_disk_bus", self.disk_buses),
            ("hw_cdrom_bus", self.cdrom_buses),
            ("hw_vif_model", self.vif_models),
            ("hw_video_model", self.video_models),
            ("hw_rng_model", self.rng_models),
            ("hw_scsi_model", self.scsi_models),
            ("hw_pointer_model", self.pointer_models),
            ("hw_vm_mode", self.vm_modes),
        )

    def _machine_errors(self, props, default_machine):
        machine = props.get("hw_machine_type")
        if machine is not None and not self.machine_types:
            return ["image property hw_machine_type=%r is not supported by "
                    "the %s profile (it has no machine types)"
                    % (machine, self.name)]
        if machine is not None and not _MACHINE_TYPE_RE.match(str(machine)):
            return ["image property hw_machine_type=%r is not a machine type "
                    "name (letters, digits, '.', '_', '-', e.g. pc, q35, "
                    "pc-q35-8.2)" % (machine,)]
        machine = machine or default_machine
        family = self.machine_family(machine)
        if family is None:
            return []
        return ["image property %s=%r is not available on machine type %s "
                "(no %s bus)" % (prop, props.get(prop), machine, props.get(prop))
                for prop in ("hw_disk_bus", "hw_cdrom_bus")
                if props.get(prop) in family.missing_buses]


def _props(image_meta):
    return image_meta.properties


def _not_allowed(profile, prop, value, allowed):
    if prop == "hw_vm_mode":
        prop = "vm_mode"
    return ("image property %s=%r is not supported by the %s profile "
            "(allowed: %s)" % (prop, value, profile.name,
                               ", ".join(allowed) or "none"))


def _topology_errors(props):
    return ["image property %s=%r must be a positive integer"
            % (prop, props.get(prop))
            for prop in ("hw_cpu_sockets", "hw_cpu_cores", "hw_cpu_threads")
            if props.get(prop) is not None and props.get(prop) < 1]


def _invalid(image_meta, errors):
    return exception.InvalidImage(image_id=image_meta.id or "(no id)",
                                  reason="; ".join(errors))
