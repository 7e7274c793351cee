"""The QEMU family: KVM guests and QEMU (TCG) guests.

Also what the Xen family takes from it: the operations the driver
implements for QEMU guests, the console kernel arguments and the name of
the configuration channel.
"""

import dataclasses
import types

from virtdrivers import constants
from virtdrivers.libvirt.profiles import profile

# What the libvirt driver implements for QEMU guests. ``plug-vifs`` is left
# to the driver author to declare.
QEMU_OPERATIONS = frozenset((
    "reboot", "power", "pause", "suspend", "resume-state-on-host-boot",
    "rescue", "snapshot", "console-output", "vnc-console", "spice-console",
    "serial-console", "set-admin-password", "quiesce", "trigger-crash-dump",
    "live-migrate",
    "diagnostics", "config-drive", "swap-disk", "ephemeral-disk",
    "inject-networking",
    "cache-images", "image-cache", "host-uptime", "host-ip", "host-cpu-stats",
    "disk-info", "block-stats", "resize", "rebuild", "evacuate",
))

_QEMU_PREFIXES = types.MappingProxyType({"virtio": "vd", "scsi": "sd",
                                         "sata": "sd", "usb": "sd",
                                         "ide": "hd"})

# Nova's CONSOLE kernel arguments, after the root device.
CONSOLE_ARGS = "console=tty0 console=ttyS0 console=hvc0"

# The config channel's name in the guest (/dev/virtio-ports/... on QEMU,
# a Xen PV console of that name on Xen).
CONFIG_CHANNEL = "org.virtdrivers.config.0"

KVM = profile.Profile(
    name="kvm",
    description="KVM guests",
    virt_type=constants.HV_KVM,
    domain_type="kvm",
    default_uri="qemu:///system",
    os_type=constants.VM_MODE_HVM,
    vm_modes=(constants.VM_MODE_HVM,),
    disk_buses=("virtio", "scsi", "sata", "ide", "usb"),
    # IDE on i440fx (libvirt's x86 default); q35 switches to SATA below.
    cdrom_buses=("ide", "sata", "scsi", "usb"),
    device_prefixes=_QEMU_PREFIXES,
    bus_slots={"ide": 4},
    machine_families=(profile.MachineFamily("q35", "sata", frozenset({"ide"})),),
    vif_models=("virtio", "e1000", "e1000e", "rtl8139", "ne2k_pci", "pcnet"),
    vif_types=("bridge", "ovs", "tap", "ethernet"),
    video_models=("virtio", "vga", "cirrus", "qxl", "bochs", "none"),
    graphics_types=frozenset({"vnc", "spice"}),
    operations=QEMU_OPERATIONS,
    # virDomainSetUserPassword and fsfreeze go through the guest agent.
    agent_operations=frozenset({"set-admin-password", "quiesce"}),
    scsi_models=("virtio-scsi", "lsilogic", "lsisas1068", "lsisas1078",
                 "vmpvscsi"),
    pointer_models=("usbtablet", "ps2mouse"),
    input_bus="usb",
    serial_console=True,
    console_target_type="serial",
    guest_agent_channel="org.qemu.guest_agent.0",
    config_channel=CONFIG_CHANNEL,
    spice_agent_channel="com.redhat.spice.0",
    rng_models=("virtio",),
    rng_backend="/dev/urandom",
    memballoon_model="virtio",
    # None: libvirt's default machine type, as Nova leaves it.
    default_machine_type=None,
    cpu_modes=("host-model", "host-passthrough", "custom", "none"),
    features=frozenset({"acpi", "apic", "vmcoreinfo"}),
    hyperv_for_windows=True,
    clock_timers=(("pit", "delay"), ("rtc", "catchup")),
    hpet_arches=frozenset({constants.ARCH_X86_64, constants.ARCH_I686}),
    smbios=True,
    kernel_cmdline="root=%(root)s " + CONSOLE_ARGS,
    host_hypervisor="kvm",
    # Nova's: the source's libvirtd connects to the destination's
    # (peer-to-peer), QEMU sends the memory over plain TCP.
    live_migration=profile.LiveMigration(
        uri="qemu+%(scheme)s://%(dest)s/system", stream_uri="tcp://%(dest)s",
        block_migration=True, dest_xml=True, bandwidth=True,
        auto_converge=True),
)

# TCG: no host CPU to pass through, no vhost-net, no KVM timers; the kernel
# is told not to trust its timer (Nova's no_timer_check). It runs anywhere,
# so there is nothing to detect on the host.
QEMU = dataclasses.replace(
    KVM,
    name="qemu",
    description="QEMU (TCG) guests",
    virt_type=constants.HV_QEMU,
    domain_type="qemu",
    cpu_modes=("none", "custom"),
    virtio_net_driver="qemu",
    clock_timers=(),
    hpet_arches=frozenset(),
    kernel_cmdline="root=%(root)s " + CONSOLE_ARGS + " no_timer_check",
    host_hypervisor=None,
)
