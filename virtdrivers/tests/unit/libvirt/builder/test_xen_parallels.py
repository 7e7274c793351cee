"""Xen PV/HVM and Parallels VM/CT guests: the same steps, other answers.

Every domain is validated against libvirt's schema; ``test_libvirt_accepts``
and ``test_golden`` also define and start them on libvirt's test driver.
"""

from virtdrivers import exception
from virtdrivers.libvirt.builder import BuilderSettings
from virtdrivers.libvirt.builder import context
from virtdrivers.tests.unit.libvirt.builder import base
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx

PYGRUB = "/usr/lib/xen-4.17/bin/pygrub"
CONFIG = "org.virtdrivers.config.0"


def disks(dom):
    return [(d.device, d.target_dev, d.target_bus, d.driver_name)
            for d in dom.devices.disks]


class TestXenPV(base.BuilderTestCase):

    def build_pv(self, **kwargs):
        kwargs.setdefault("disks", [fx.root_disk(), fx.ephemeral_disk(),
                                    fx.config_drive()])
        return self.build(fx.ctx("xen", **kwargs))

    def test_pv_device_family(self):
        dom = self.build_pv()
        self.assertEqual(("xen", "xen"), (dom.type, dom.os.os_type))
        self.assertEqual([("disk", "xvda", "xen", "qemu"),
                          ("disk", "xvdb", "xen", "qemu"),
                          ("cdrom", "xvdc", "xen", "qemu")], disks(dom))
        self.assertEqual(["netfront"], [n.model for n in dom.devices.interfaces])
        self.assertEqual(["xen"], [v.model_type for v in dom.devices.videos])
        self.assertEqual(["xen"], [m.model for m in dom.devices.memballoons])
        self.assertTrue(dom.features.pae)

    def test_boots_through_the_pv_bootloader_without_a_kernel(self):
        dom = self.build_pv()
        self.assertEqual(PYGRUB, dom.bootloader)
        self.assertEqual(([], None), (dom.os.boot_devs, dom.os.kernel))

    def test_the_bootloader_is_an_option(self):
        dom = self.build_pv(settings=BuilderSettings(
            bootloader_path="/usr/local/bin/pvgrub"))
        self.assertEqual("/usr/local/bin/pvgrub", dom.bootloader)

    def test_a_kernel_boots_directly(self):
        dom = self.build_pv(kernel_path="/k/vmlinuz", initrd_path="/k/initrd")
        self.assertIsNone(dom.bootloader)
        self.assertEqual(("/k/vmlinuz", "/k/initrd"),
                         (dom.os.kernel, dom.os.initrd))
        self.assertTrue(dom.os.cmdline.startswith("root=/dev/xvda "))

    def test_xen_console_no_serial_port(self):
        dom = self.build_pv()
        self.assertEqual([], list(dom.devices.serials))
        console, = dom.devices.consoles
        self.assertEqual(("pty", "xen"), (console.type, console.target_type))

    def test_config_channel_is_a_xen_pv_channel(self):
        dom = self.build_pv()
        self.assertEqual([("unix", "xen", CONFIG)],
                         [(c.type, c.target_type, c.target_name)
                          for c in dom.devices.channels])

    def test_no_qemu_timers_balloon_stats_or_smbios(self):
        dom = self.build_pv(props={"hw_time_hpet": True})
        self.assertEqual([], list(dom.clock.timers))
        self.assertIsNone(dom.devices.memballoons[0].stats_period)
        self.assertIsNone(dom.sysinfo.type)

    def test_pv_images_cannot_ask_for_emulated_devices(self):
        for prop, value in (("hw_disk_bus", "virtio"), ("hw_vif_model", "e1000"),
                            ("hw_video_model", "vga")):
            err = self.assertRaises(exception.InvalidImage, self.build_pv,
                                    props={prop: value})
            self.assertIn("xen-pv", str(err))


class TestXenHVM(base.BuilderTestCase):

    def build_hvm(self, props=None, **kwargs):
        props = dict(props or {}, vm_mode="hvm")
        kwargs.setdefault("disks", [fx.root_disk(), fx.config_drive()])
        return self.build(fx.ctx("xen", props=props, **kwargs))

    def test_image_vm_mode_hvm_gets_emulated_devices(self):
        dom = self.build_hvm()
        self.assertEqual(("xen", "hvm"), (dom.type, dom.os.os_type))
        self.assertEqual([("disk", "hda", "ide", "qemu"),
                          ("cdrom", "hdd", "ide", "qemu")], disks(dom))
        self.assertEqual(["e1000"], [n.model for n in dom.devices.interfaces])
        self.assertEqual(["vga"], [v.model_type for v in dom.devices.videos])
        self.assertEqual(["hd"], dom.os.boot_devs)
        self.assertIsNone(dom.bootloader)
        self.assertTrue(dom.features.acpi and dom.features.apic)

    def test_hvm_default_by_option(self):
        settings = BuilderSettings(default_vm_modes={"xen": "hvm"})
        from virtdrivers.libvirt import profiles
        ctx = fx.ctx("xen", settings=settings,
                     profile=profiles.get("xen", "hvm"))
        self.assertEqual("hvm", self.build(ctx).os.os_type)

    def test_pv_on_hvm_drivers_on_request(self):
        dom = self.build_hvm({"hw_disk_bus": "xen", "hw_vif_model": "netfront"})
        self.assertEqual([("disk", "xvda", "xen", "qemu"),
                          ("cdrom", "hdd", "ide", "qemu")], disks(dom))
        self.assertEqual(["netfront"], [n.model for n in dom.devices.interfaces])

    def test_hvmloader_from_the_option(self):
        self.assertIsNone(self.build_hvm().os.loader)
        dom = self.build_hvm(settings=BuilderSettings(
            hvm_loader_path="/usr/lib/xen-4.17/boot/hvmloader"))
        self.assertEqual("/usr/lib/xen-4.17/boot/hvmloader", dom.os.loader)

    def test_console_log_is_a_file_backed_serial_port(self):
        dom = self.build_hvm()
        serial, = dom.devices.serials
        self.assertEqual(("file", fx.CONSOLE_LOG, None),
                         (serial.type, serial.source_path, serial.log_file))
        console, = dom.devices.consoles
        self.assertEqual("serial", console.target_type)

    def test_windows_local_time_and_hpet_but_no_pit(self):
        dom = self.build_hvm({"os_type": "windows", "hw_time_hpet": True})
        self.assertEqual("localtime", dom.clock.offset)
        self.assertEqual([("hpet", True)],
                         [(t.name, t.present) for t in dom.clock.timers])
        self.assertIsNone(dom.features.hyperv_relaxed)


class TestParallelsVM(base.BuilderTestCase):

    def build_vm(self, **kwargs):
        kwargs.setdefault("disks", [fx.root_disk(), fx.config_drive()])
        return self.build(fx.ctx("parallels", **kwargs))

    def test_devices_vz_accepts(self):
        dom = self.build_vm()
        self.assertEqual(("vz", "hvm"), (dom.type, dom.os.os_type))
        self.assertEqual([("disk", "sda", "scsi", None),
                          ("cdrom", "hdd", "ide", None)], disks(dom))
        self.assertEqual(["vga"], [v.model_type for v in dom.devices.videos])
        self.assertEqual(["e1000"], [n.model for n in dom.devices.interfaces])
        # vz refuses serial consoles' targets, channels, balloons, inputs
        # it did not add itself, <features>, timers and SMBIOS.
        for devices in (dom.devices.serials, dom.devices.consoles,
                        dom.devices.channels, dom.devices.memballoons,
                        dom.devices.inputs):
            self.assertEqual([], list(devices))
        self.assertEqual([], list(dom.clock.timers))
        self.assertIsNone(dom.sysinfo.type)
        self.assertNotIn("<features", dom.to_xml())

    def test_windows_keeps_utc(self):
        self.assertEqual("utc", self.build_vm(
            props={"os_type": "windows"}).clock.offset)

    def test_no_machine_types_or_direct_kernel(self):
        err = self.assertRaises(exception.InvalidImage, self.build_vm,
                                props={"hw_machine_type": "q35"})
        self.assertIn("parallels-vm", str(err))
        err = self.assertRaises(exception.InvalidImage, self.build_vm,
                                kernel_path="/k/vmlinuz")
        self.assertIn("Parallels virtual machines", str(err))
        self.assertIsNone(self.build_vm(settings=BuilderSettings(
            hw_machine_type="pc")).os.machine)


class TestParallelsCT(base.BuilderTestCase):

    def build_ct(self, **kwargs):
        kwargs.setdefault("disks", [fx.ploop_disk(), fx.config_drive()])
        return self.build(fx.ctx("parallels", props={"vm_mode": "exe"},
                                 **kwargs))

    def filesystems(self, dom):
        return [(f.type, f.accessmode, f.driver_type, f.driver_format,
                 f.source_file, f.target_dir) for f in dom.devices.filesystems]

    def test_root_is_a_ploop_filesystem_and_init_runs(self):
        dom = self.build_ct()
        self.assertEqual(("vz", "exe", "/sbin/init"),
                         (dom.type, dom.os.os_type, dom.os.init))
        self.assertEqual([("file", "passthrough", "ploop", "ploop",
                           fx.INSTANCE_DIR + "/disk", "/")],
                         self.filesystems(dom))
        self.assertEqual([("cdrom", "hdd", "ide", None)], disks(dom))
        self.assertEqual([], dom.os.boot_devs)

    def test_no_video_adapter_no_nic_model(self):
        dom = self.build_ct()
        self.assertEqual([], list(dom.devices.videos))
        self.assertEqual([None], [n.model for n in dom.devices.interfaces])

    def test_rescue_mounts_the_root_at_mnt_rescue(self):
        dom = self.build_ct(disks=[fx.ploop_disk(),
                                   fx.ploop_disk(context.RESCUE)], rescue=True)
        self.assertEqual([(fx.INSTANCE_DIR + "/disk.rescue", "/"),
                          (fx.INSTANCE_DIR + "/disk", "/mnt/rescue")],
                         [(f[4], f[5]) for f in self.filesystems(dom)])
        self.assertEqual([], disks(dom))

    def test_a_container_root_must_be_a_file(self):
        from virtdrivers.libvirt.builder import DiskSource
        from virtdrivers.libvirt.builder import DiskSpec
        block = DiskSpec("disk", DiskSource(type="block", path="/dev/vg/ct"))
        err = self.assertRaises(exception.InvalidInput, self.build_ct,
                                disks=[block])
        self.assertIn("parallels-ct", str(err))
