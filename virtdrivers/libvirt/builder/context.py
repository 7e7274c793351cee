"""What the domain builder is given: a :class:`BuildContext`.

The driver prepares everything with side effects first (disks created by the
image backends, VIFs, console log path, allocated ports) and hands the
builder plain values; the builder only decides what XML they become.
"""

import dataclasses
import datetime
import functools
import importlib.metadata
import types

from virtdrivers import constants
from virtdrivers import exception

# Nova's names for an instance's disks; the image backends name files so.
ROOT = "disk"
EPHEMERAL = "disk.local"
SWAP = "disk.swap"
CONFIG = "disk.config"
RESCUE = "disk.rescue"

SOURCE_TYPES = ("file", "block", "network", "volume")
DEVICE_TYPES = ("disk", "cdrom")

# What each source type needs to be usable.
_REQUIRED = {
    "file": ("path",),
    "block": ("path",),
    "network": ("protocol", "name"),
    "volume": ("pool", "volume"),
}


@dataclasses.dataclass(frozen=True)
class DiskAuth:
    """Credentials of a network disk, by reference to a libvirt secret."""

    username: str
    secret_uuid: str
    secret_type: str = "ceph"


@dataclasses.dataclass(frozen=True)
class DiskSource:
    """Where a disk's data is, and in what format.

    ``type`` ``file`` and ``block`` use ``path``; ``network`` uses
    ``protocol`` (``rbd``, ``iscsi``...), ``name`` and ``hosts`` (``(name,
    port)`` pairs, port may be None) and ``auth``; ``volume`` uses ``pool``
    and ``volume`` (a libvirt storage pool volume). ``cache`` overrides the
    host's cache mode for this disk; ``driver_name`` the profile's
    ``<driver name>`` (None: the profile's, ``qemu`` on QEMU and Xen).

    :raises InvalidInput: for an unknown type or a missing field.
    """

    type: str = "file"
    path: str | None = None
    pool: str | None = None
    volume: str | None = None
    protocol: str | None = None
    name: str | None = None
    hosts: tuple = ()
    format: str = "raw"
    driver_name: str | None = None
    cache: str | None = None
    auth: DiskAuth | None = None

    def __post_init__(self):
        if self.type not in SOURCE_TYPES:
            raise exception.InvalidInput(
                reason="disk source type %r (choices: %s)"
                % (self.type, ", ".join(SOURCE_TYPES)))
        missing = [f for f in _REQUIRED[self.type] if not getattr(self, f)]
        if missing:
            raise exception.InvalidInput(
                reason="a %s disk source needs %s"
                % (self.type, " and ".join(missing)))
        object.__setattr__(self, "hosts", tuple(self.hosts))


@dataclasses.dataclass(frozen=True)
class DiskSpec:
    """One disk of the guest, as the driver prepared it.

    ``name`` is Nova's (``disk``, ``disk.local``, ``disk.swap``,
    ``disk.config``, ``disk.rescue``, a volume id...). ``bus`` None lets the
    image and profile choose; ``boot_index`` 0 is the first boot device
    (Nova's block device mapping numbering).

    :raises InvalidInput: for an unknown device type.
    """

    name: str
    source: DiskSource
    device: str = "disk"
    bus: str | None = None
    boot_index: int | None = None
    readonly: bool = False
    serial: str | None = None

    def __post_init__(self):
        if self.device not in DEVICE_TYPES:
            raise exception.InvalidInput(
                reason="disk %s: device %r (choices: %s)"
                % (self.name, self.device, ", ".join(DEVICE_TYPES)))

    @property
    def is_config_drive(self):
        # Nova names the rescue config drive disk.config.rescue.
        return self.name.startswith(CONFIG)


@dataclasses.dataclass(frozen=True)
class BuilderSettings:
    """Host options the builder uses; made once, from configuration.

    ``disk_cachemodes`` maps a source type (``file``, ``block``,
    ``network``; ``volume`` falls back to ``file``) to a libvirt cache mode,
    as Nova's ``[libvirt] disk_cachemodes``. ``serial_console_enabled``
    gives guests TCP serial ports (ports chosen by the driver) instead of a
    logged pty.

    ``bootloader_path`` is the host's PV bootloader for profiles that boot
    through one (Xen PV: pygrub); ``hvm_loader_path`` the firmware written
    as ``<loader>`` for profiles that take one (Xen HVM; None: libxl's
    own). ``default_vm_modes`` maps a virt_type to the vm_mode its images
    run as when they name none (``[libvirt] xen_default_vm_mode``).
    """

    vnc_enabled: bool = True
    vnc_listen: str = "127.0.0.1"
    spice_enabled: bool = False
    spice_listen: str = "127.0.0.1"
    spice_agent_enabled: bool = True
    cpu_mode: str | None = None
    cpu_models: tuple = ()
    hw_machine_type: str | None = None
    mem_stats_period_seconds: int = 10
    disk_cachemodes: types.MappingProxyType = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}))
    pointer_model: str | None = "usbtablet"
    serial_console_enabled: bool = False
    serial_console_listen: str = "127.0.0.1"
    bootloader_path: str | None = "/usr/lib/xen-4.17/bin/pygrub"
    hvm_loader_path: str | None = None
    default_vm_modes: types.MappingProxyType = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}))

    def __post_init__(self):
        object.__setattr__(self, "cpu_models", tuple(self.cpu_models))
        object.__setattr__(self, "disk_cachemodes",
                           types.MappingProxyType(dict(self.disk_cachemodes)))
        object.__setattr__(self, "default_vm_modes",
                           types.MappingProxyType(dict(self.default_vm_modes)))

    @property
    def graphics_types(self):
        """The graphics types these settings enable, in device order."""
        return tuple(kind for kind, on in (("vnc", self.vnc_enabled),
                                           ("spice", self.spice_enabled)) if on)

    @classmethod
    def from_conf(cls, conf, **overrides):
        """Settings from ``[libvirt]``, ``[vnc]``, ``[spice]`` and
        ``[serial_console]`` (see :mod:`virtdrivers.conf`), plus
        ``overrides`` (``pointer_model`` has no option)."""
        values = {
            "cpu_mode": conf.libvirt.cpu_mode,
            "cpu_models": tuple(conf.libvirt.cpu_models),
            "hw_machine_type": conf.libvirt.hw_machine_type,
            "mem_stats_period_seconds": conf.libvirt.mem_stats_period_seconds,
            "disk_cachemodes": conf.libvirt.disk_cachemodes,
            "vnc_enabled": conf.vnc.enabled,
            "vnc_listen": conf.vnc.server_listen,
            "spice_enabled": conf.spice.enabled,
            "spice_listen": conf.spice.server_listen,
            "spice_agent_enabled": conf.spice.agent_enabled,
            "serial_console_enabled": conf.serial_console.enabled,
            # Nova's serial ports listen on the address proxies connect to.
            "serial_console_listen": conf.serial_console.proxyclient_address,
            "bootloader_path": conf.libvirt.xen_bootloader_path or None,
            "hvm_loader_path": conf.libvirt.xen_hvmloader_path or None,
            # The options that choose a family's default vm_mode.
            "default_vm_modes": {"xen": conf.libvirt.xen_default_vm_mode},
        }
        values.update(overrides)
        return cls(**values)


@functools.cache
def _package_version():
    try:
        return importlib.metadata.version("virtdrivers")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _now():
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


@dataclasses.dataclass(frozen=True)
class BuildContext:
    """Everything one domain is built from.

    :param instance: the instance (its ``flavor`` gives sizes).
    :param image_meta: the image it boots (the rescue image when rescuing).
    :param profile: the :class:`~virtdrivers.libvirt.profiles.Profile`; the
        builder narrows it with ``profile.for_image(image_meta)``.
    :param network_info: the instance's VIFs.
    :param disks: :class:`DiskSpec` in boot order: root, ephemerals, swap,
        volumes; the config drive goes last wherever it is listed.
    :param arch: the guest architecture (from host capabilities).
    :param console_log_path: file for the serial console log, or None.
    :param kernel_path, initrd_path: local paths when the image boots an
        external kernel (Nova's kernel_id/ramdisk_id, fetched by the driver).
    :param serial_ports: host TCP ports for the serial ports when
        ``settings.serial_console_enabled``.
    """

    instance: object
    image_meta: object
    profile: object
    network_info: tuple = ()
    disks: tuple = ()
    arch: str = constants.ARCH_X86_64
    emulator: str | None = None
    console_log_path: str | None = None
    settings: BuilderSettings = dataclasses.field(
        default_factory=BuilderSettings)
    rescue: bool = False
    kernel_path: str | None = None
    initrd_path: str | None = None
    serial_ports: tuple = ()
    creation_time: datetime.datetime = dataclasses.field(default_factory=_now)
    package_version: str = dataclasses.field(default_factory=_package_version)

    def __post_init__(self):
        object.__setattr__(self, "network_info", tuple(self.network_info or ()))
        object.__setattr__(self, "disks", tuple(self.disks or ()))
        object.__setattr__(self, "serial_ports", tuple(self.serial_ports))

    @property
    def flavor(self):
        return self.instance.flavor

    @property
    def props(self):
        """The image properties."""
        return self.image_meta.properties

    @property
    def machine_type(self):
        """The image's machine type, else the host's, else the profile's."""
        return (self.props.get("hw_machine_type")
                or self.settings.hw_machine_type
                or self.profile.default_machine_type)

    @functools.cached_property
    def disk_mapping(self):
        """The disks with buses and target devices (see ``blockinfo``)."""
        from virtdrivers.libvirt.builder import blockinfo

        return blockinfo.disk_mapping(self)

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)
