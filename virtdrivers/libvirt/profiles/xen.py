"""The Xen family (libvirt's libxl driver): PV guests and HVM guests, the
image's ``vm_mode`` choosing between them."""

import dataclasses

from virtdrivers import constants
from virtdrivers.libvirt.profiles import profile
from virtdrivers.libvirt.profiles import qemu

# Xen through libvirt's libxl driver. Not here: the QEMU guest agent
# (set-admin-password, quiesce), NMI injection (trigger-crash-dump), SPICE
# and interactive serial consoles, which libxl does not offer.
_XEN_OPERATIONS = qemu.QEMU_OPERATIONS - {
    "spice-console", "serial-console", "set-admin-password", "quiesce",
    "trigger-crash-dump"}

# Paravirtualised: the Xen PV device family, booted by the host's PV
# bootloader (pygrub) from the image's own /boot unless the driver gives a
# kernel. The PV console is a pty served by xenconsoled: libvirt cannot log
# it to a file, so there is no console-output.
XEN_PV = profile.Profile(
    name="xen-pv",
    description="Xen PV guests",
    virt_type=constants.HV_XEN,
    domain_type="xen",
    default_uri="xen:///system",
    os_type=constants.VM_MODE_XEN,
    vm_modes=(constants.VM_MODE_XEN, constants.VM_MODE_HVM),
    variants={constants.VM_MODE_HVM: "xen-hvm"},
    disk_buses=("xen",),
    cdrom_buses=("xen",),
    device_prefixes={"xen": "xvd"},
    vif_models=("netfront",),
    vif_types=("bridge", "ovs"),
    video_models=("xen",),
    graphics_types=frozenset({"vnc"}),
    operations=_XEN_OPERATIONS - {"console-output"},
    serial_console=False,
    console_target_type="xen",
    serial_log=None,
    config_channel=qemu.CONFIG_CHANNEL,
    channel_target_type="xen",
    # libxl refuses any other balloon model, and refuses "none".
    memballoon_model="xen",
    memballoon_stats=False,
    cpu_modes=("none", "host-passthrough"),
    features=frozenset({"pae"}),
    kernel_cmdline="root=%(root)s " + qemu.CONSOLE_ARGS,
    bootloader=True,
    host_hypervisor="xen",
    dom0=True,
    # libxl migrates guests on shared storage only (no NON_SHARED_* flags)
    # and takes no bandwidth parameter.
    live_migration=profile.LiveMigration(uri="xenmigr://%(dest)s/system",
                                         dest_xml=True),
)

# Fully virtualised: emulated IDE, NICs and VGA that any OS drives, with the
# PV-on-HVM drivers (hw_disk_bus=xen, hw_vif_model=netfront) on request.
# libxl knows no pit/rtc timers; HPET is HVM-only. The console log is a
# file-backed serial port.
XEN_HVM = dataclasses.replace(
    XEN_PV,
    name="xen-hvm",
    description="Xen HVM guests",
    os_type=constants.VM_MODE_HVM,
    vm_modes=(constants.VM_MODE_HVM, constants.VM_MODE_XEN),
    variants={constants.VM_MODE_XEN: "xen-pv"},
    disk_buses=("ide", "xen"),
    cdrom_buses=("ide",),
    device_prefixes={"ide": "hd", "xen": "xvd"},
    bus_slots={"ide": 4},
    vif_models=("e1000", "netfront", "rtl8139", "ne2k_pci", "pcnet"),
    video_models=("vga", "cirrus"),
    operations=_XEN_OPERATIONS,
    pointer_models=("usbtablet", "ps2mouse"),
    input_bus="usb",
    serial_console=True,
    console_target_type="serial",
    serial_log="file",
    features=frozenset({"acpi", "apic", "pae"}),
    hpet_arches=frozenset({constants.ARCH_X86_64, constants.ARCH_I686}),
    bootloader=False,
    hvm_loader=True,
)
