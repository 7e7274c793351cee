"""Golden files pin the whole document for a few representative guests.

They are compared semantically (formatting and attribute order do not
matter). After an intended change, regenerate them with::

    VIRTDRIVERS_REGEN_GOLDEN=1 python -m stestr --test-path \\
        virtdrivers/tests/unit/libvirt/builder run --concurrency 1 test_golden

and review the diff: it is the change users will see in ``virsh dumpxml``.
"""

from virtdrivers.libvirt.builder import BuilderSettings
from virtdrivers.libvirt.builder import DiskSource
from virtdrivers.libvirt.builder import DiskSpec
from virtdrivers.tests.unit.libvirt.builder import base
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx
from virtdrivers.tests.unit.libvirt.builder import test_disks_nics


def kvm_typical():
    """A KVM guest with every local disk, a guest agent and VNC."""
    return fx.ctx(
        "kvm", props={"hw_qemu_guest_agent": "yes"},
        disks=[fx.root_disk(), fx.ephemeral_disk(), fx.swap_disk(),
               fx.config_drive()],
        flavor_kwargs={"ephemeral_gb": 1, "swap": 512},
        emulator="/usr/bin/qemu-system-x86_64",
        settings=BuilderSettings(disk_cachemodes={"file": "none"}))


def qemu_q35_scsi_spice():
    """TCG on q35: SCSI disks, SATA config drive, SPICE, RNG, 2x2x1 CPUs."""
    return fx.ctx(
        "qemu", props={"hw_machine_type": "q35", "hw_disk_bus": "scsi",
                       "hw_rng_model": "virtio", "hw_vif_model": "e1000e",
                       "hw_video_model": "qxl", "hw_cpu_sockets": 2},
        disks=[fx.root_disk(), fx.config_drive()],
        flavor_kwargs={"vcpus": 4},
        settings=BuilderSettings(vnc_enabled=False, spice_enabled=True))


def kvm_rescue_kernel():
    """A rescue with the rescue image's own kernel and ramdisk."""
    return fx.ctx(
        "kvm", disks=[fx.root_disk(), fx.rescue_disk()], rescue=True,
        kernel_path=fx.INSTANCE_DIR + "/kernel.rescue",
        initrd_path=fx.INSTANCE_DIR + "/ramdisk.rescue")


def kvm_volume_backed():
    """Boots from an iSCSI-attached volume; an RBD data volume; OVS NICs."""
    boot = DiskSpec("vol-boot", DiskSource(type="block",
                                           path="/dev/disk/by-path/ip-lun-1"),
                    boot_index=0, serial="vol-boot")
    instance = fx.instance()
    instance.image_ref = None
    return fx.ctx("kvm", instance=instance,
                  disks=[boot, test_disks_nics.rbd_disk()],
                  vifs=[fx.ovs_vif(), fx.hybrid_vif()],
                  settings=BuilderSettings(mem_stats_period_seconds=0))


def xen_pv_typical():
    """A Xen PV guest booted by pygrub: xvd disks, netfront, Xen console."""
    return fx.ctx(
        "xen", disks=[fx.root_disk(), fx.ephemeral_disk(), fx.swap_disk(),
                      fx.config_drive()],
        flavor_kwargs={"ephemeral_gb": 1, "swap": 512})


def xen_hvm_pv_drivers():
    """A Xen HVM Windows guest with PV-on-HVM disks and NIC, hvmloader."""
    return fx.ctx(
        "xen", props={"vm_mode": "hvm", "os_type": "windows",
                      "hw_disk_bus": "xen", "hw_vif_model": "netfront"},
        disks=[fx.root_disk(), fx.config_drive()],
        settings=BuilderSettings(
            hvm_loader_path="/usr/lib/xen-4.17/boot/hvmloader"))


def parallels_vm_typical():
    """A Virtuozzo VM: SCSI disks, IDE config drive, VGA, VNC."""
    return fx.ctx(
        "parallels", disks=[fx.root_disk(), fx.ephemeral_disk(),
                            fx.config_drive()],
        flavor_kwargs={"ephemeral_gb": 1})


def parallels_ct_typical():
    """A Virtuozzo container: a ploop root filesystem, /sbin/init."""
    return fx.ctx("parallels", props={"vm_mode": "exe"},
                  disks=[fx.ploop_disk(), fx.config_drive()])


class TestGolden(base.BuilderTestCase):

    def check(self, ctx, name):
        dom = self.build(ctx)
        self.assertBoots(dom)
        self.assertGolden(dom, name)

    def test_kvm_typical(self):
        self.check(kvm_typical(), "kvm_typical")

    def test_qemu_q35_scsi_spice(self):
        self.check(qemu_q35_scsi_spice(), "qemu_q35_scsi_spice")

    def test_kvm_rescue_kernel(self):
        self.check(kvm_rescue_kernel(), "kvm_rescue_kernel")

    def test_kvm_volume_backed(self):
        self.check(kvm_volume_backed(), "kvm_volume_backed")

    def test_xen_pv_typical(self):
        self.check(xen_pv_typical(), "xen_pv_typical")

    def test_xen_hvm_pv_drivers(self):
        self.check(xen_hvm_pv_drivers(), "xen_hvm_pv_drivers")

    def test_parallels_vm_typical(self):
        self.check(parallels_vm_typical(), "parallels_vm_typical")

    def test_parallels_ct_typical(self):
        self.check(parallels_ct_typical(), "parallels_ct_typical")

    def test_a_change_is_noticed(self):
        dom = self.build(kvm_typical())
        dom.devices.disks[0].target_dev = "vdz"
        self.assertRaises(AssertionError, self.assertXMLEqual,
                          base.load_golden("kvm_typical"), dom.to_xml())
