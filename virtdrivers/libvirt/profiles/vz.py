"""The Parallels family (libvirt's vz driver): virtual machines and
containers (image ``vm_mode=exe``)."""

import dataclasses

from virtdrivers import constants
from virtdrivers.libvirt.profiles import profile

# libvirt's vz driver (Virtuozzo, Parallels Cloud Server), Nova's feature
# table: neither kind has SPICE, a serial console log, diagnostics, NMI or
# quiesce; the admin password is set through libvirt without a guest agent.
# vz refuses what it cannot map to its own configuration: channels, a
# balloon, <features>, timers, a local-time clock, machine types, kernels,
# SMBIOS, more than one VGA head, ethernet NICs.
_VZ_OPERATIONS = frozenset((
    "reboot", "power", "suspend", "resume-state-on-host-boot", "rescue",
    "snapshot", "vnc-console", "set-admin-password", "config-drive",
    "live-migrate",
    "inject-networking",
    "cache-images", "image-cache", "host-uptime", "host-ip", "host-cpu-stats",
    "disk-info", "block-stats", "resize", "rebuild", "evacuate",
))

PARALLELS_VM = profile.Profile(
    name="parallels-vm",
    description="Parallels virtual machines",
    virt_type=constants.HV_PARALLELS,
    domain_type="vz",
    default_uri="parallels:///system",
    os_type=constants.VM_MODE_HVM,
    vm_modes=(constants.VM_MODE_HVM, constants.VM_MODE_EXE),
    variants={constants.VM_MODE_EXE: "parallels-ct"},
    # Nova's choice for vz: SCSI disks, IDE CD-ROMs (two IDE buses of two).
    disk_buses=("scsi", "ide"),
    cdrom_buses=("ide",),
    device_prefixes={"scsi": "sd", "ide": "hd"},
    bus_slots={"ide": 4},
    vif_models=("e1000", "virtio", "rtl8139"),
    vif_types=("bridge",),
    video_models=("vga",),
    graphics_types=frozenset({"vnc"}),
    operations=_VZ_OPERATIONS | {"pause", "swap-disk", "ephemeral-disk"},
    serial_console=False,
    serial_log=None,
    cpu_modes=("none",),
    machine_types=False,
    direct_kernel_boot=False,
    disk_driver=None,
    # vz configures the guest's addresses from <interface><ip>/<route>.
    interface_ip_config=True,
    disk_formats=frozenset(("raw", "qcow2", "ploop")),
    windows_localtime=False,
    # vz refuses a destination XML and a bandwidth limit; its migration
    # stream (vzmigr://) is the destination's to name. Disks are expected
    # on shared storage: block migration is not verified with Virtuozzo.
    live_migration=profile.LiveMigration(uri="parallels+tcp://%(dest)s/system"),
)

# Containers: the root filesystem is a ploop image, the guest runs init. No
# pause, no swap disk (swap is the container's vswap setting), no disks but
# the config drive, no video adapter and no NIC model.
PARALLELS_CT = dataclasses.replace(
    PARALLELS_VM,
    name="parallels-ct",
    description="Parallels containers (image vm_mode=exe)",
    os_type=constants.VM_MODE_EXE,
    vm_modes=(constants.VM_MODE_EXE, constants.VM_MODE_HVM),
    variants={constants.VM_MODE_HVM: "parallels-vm"},
    vif_models=(),
    video_models=(),
    # Nova's ploop backend grows the root file system with the disk.
    operations=_VZ_OPERATIONS | {"auto-configure-disk"},
    init_path="/sbin/init",
    filesystem_driver="ploop",
)
