"""Memory, CPU, boot, features and clock of built domains."""

from virtdrivers import exception
from virtdrivers.libvirt.builder import BuilderSettings
from virtdrivers.tests.unit.libvirt.builder import base
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx


class TestMemoryAndCPU(base.BuilderTestCase):

    def test_sizes_come_from_the_flavor(self):
        dom = self.build(fx.ctx(flavor_kwargs={"memory_mb": 4096, "vcpus": 3}))
        self.assertEqual((4194304, 4194304, 3),
                         (dom.memory, dom.current_memory, dom.vcpu))

    def test_cpu_mode_per_profile_and_option(self):
        cases = (
            ("kvm", BuilderSettings(), "host-model"),
            ("qemu", BuilderSettings(), None),
            ("kvm", BuilderSettings(cpu_mode="host-passthrough"),
             "host-passthrough"),
            ("kvm", BuilderSettings(cpu_mode="none"), None),
        )
        for virt_type, settings, mode in cases:
            dom = self.build(fx.ctx(virt_type, settings=settings))
            self.assertEqual(mode, dom.cpu.mode, (virt_type, settings.cpu_mode))
            # Even without a mode the <cpu> carries the topology.
            self.assertEqual(2, dom.cpu.sockets)

    def test_custom_cpu_model(self):
        settings = BuilderSettings(cpu_mode="custom",
                                   cpu_models=("Haswell-noTSX", "Broadwell"))
        dom = self.build(fx.ctx("qemu", settings=settings))
        self.assertEqual(("custom", "exact", "Haswell-noTSX"),
                         (dom.cpu.mode, dom.cpu.match, dom.cpu.model))

    def test_cpu_mode_the_profile_cannot_run(self):
        settings = BuilderSettings(cpu_mode="host-passthrough")
        err = self.assertRaises(exception.ConfigurationError, self.build,
                                fx.ctx("qemu", settings=settings))
        self.assertIn("cpu_mode=host-passthrough", str(err))

    def test_topologies(self):
        cases = (
            (4, {}, {}, (4, 1, 1)),
            (8, {"hw_cpu_sockets": 2}, {}, (2, 4, 1)),
            (8, {"hw_cpu_cores": 4}, {}, (2, 4, 1)),
            (8, {"hw_cpu_threads": 2}, {}, (4, 1, 2)),
            (8, {"hw_cpu_sockets": 1, "hw_cpu_cores": 4, "hw_cpu_threads": 2},
             {}, (1, 4, 2)),
            (6, {}, {"hw:cpu_sockets": "3"}, (3, 2, 1)),
            # The image wins over the flavor.
            (6, {"hw_cpu_sockets": "2"}, {"hw:cpu_sockets": "3"}, (2, 3, 1)),
        )
        for vcpus, props, specs, expected in cases:
            dom = self.build(fx.ctx(props=props, flavor_kwargs={
                "vcpus": vcpus, "extra_specs": specs}))
            self.assertEqual(expected,
                             (dom.cpu.sockets, dom.cpu.cores, dom.cpu.threads),
                             (vcpus, props, specs))

    def test_impossible_topology_names_what_was_asked(self):
        err = self.assertRaises(exception.InvalidImage, self.build, fx.ctx(
            props={"hw_cpu_sockets": 3}, flavor_kwargs={"vcpus": 4}))
        self.assertIn("image property hw_cpu_sockets=3", str(err))
        self.assertIn("4 vCPUs", str(err))

    def test_bad_flavor_topology_spec(self):
        err = self.assertRaises(exception.InvalidInput, self.build, fx.ctx(
            flavor_kwargs={"extra_specs": {"hw:cpu_cores": "two"}}))
        self.assertIn("hw:cpu_cores='two'", str(err))


class TestBoot(base.BuilderTestCase):

    def test_os_defaults(self):
        dom = self.build(fx.ctx())
        self.assertEqual(("hvm", "x86_64", None, ["hd"]),
                         (dom.os.os_type, dom.os.arch, dom.os.machine,
                          dom.os.boot_devs))
        self.assertIsNone(dom.os.kernel)

    def test_machine_type_image_wins_over_option(self):
        settings = BuilderSettings(hw_machine_type="pc")
        self.assertEqual("pc", self.build(fx.ctx(settings=settings)).os.machine)
        dom = self.build(fx.ctx(settings=settings,
                                props={"hw_machine_type": "q35"}))
        self.assertEqual("q35", dom.os.machine)

    def test_iso_root_boots_cdrom_then_disk(self):
        iso = fx.file_disk("disk", device="cdrom")
        dom = self.build(fx.ctx(disks=[iso, fx.ephemeral_disk(),
                                       fx.config_drive()]))
        self.assertEqual(["cdrom", "hd"], dom.os.boot_devs)

    def test_external_kernel(self):
        for virt_type, tail in (("kvm", "console=hvc0"),
                                ("qemu", "console=hvc0 no_timer_check")):
            dom = self.build(fx.ctx(virt_type, kernel_path="/k/kernel",
                                    initrd_path="/k/ramdisk"))
            self.assertEqual(("/k/kernel", "/k/ramdisk", []),
                             (dom.os.kernel, dom.os.initrd, dom.os.boot_devs))
            self.assertEqual("root=/dev/vda console=tty0 console=ttyS0 " + tail,
                             dom.os.cmdline)

    def test_image_command_line_wins(self):
        dom = self.build(fx.ctx(kernel_path="/k/kernel",
                                props={"os_command_line": "root=/dev/vda1 ro"}))
        self.assertEqual("root=/dev/vda1 ro", dom.os.cmdline)
        self.assertIsNone(dom.os.initrd)

    def test_rescue_boots_the_rescue_disk(self):
        dom = self.build(fx.ctx(disks=[fx.root_disk(), fx.rescue_disk()],
                                rescue=True, kernel_path="/k/kernel.rescue"))
        disks = {d.target_dev: d.source_file for d in dom.devices.disks}
        self.assertTrue(disks["vda"].endswith("/disk.rescue"))
        self.assertTrue(disks["vdb"].endswith("/disk"))
        self.assertTrue(dom.os.cmdline.startswith("root=/dev/vda "))

    def test_per_device_boot_orders_replace_os_boot(self):
        dom = self.build(fx.ctx(disks=[fx.root_disk(boot_index=0),
                                       fx.ephemeral_disk()]))
        self.assertEqual([], dom.os.boot_devs)
        self.assertEqual([1, None], [d.boot_order for d in dom.devices.disks])

    def test_boot_menu(self):
        self.assertIsNone(self.build(fx.ctx()).os.bootmenu_enable)
        dom = self.build(fx.ctx(props={"hw_boot_menu": "true"}))
        self.assertTrue(dom.os.bootmenu_enable)

    def test_smbios_says_openstack(self):
        dom = self.build(fx.ctx())
        self.assertEqual(("OpenStack Nova", fx.UUID, "sysinfo"),
                         (dom.sysinfo.system("product"),
                          dom.sysinfo.system("uuid"), dom.os.smbios_mode))


class TestFeaturesAndClock(base.BuilderTestCase):

    def test_features(self):
        for virt_type in ("kvm", "qemu"):
            features = self.build(fx.ctx(virt_type)).features
            self.assertEqual((True, True, True, False, None),
                             (features.acpi, features.apic, features.vmcoreinfo,
                              features.pae, features.hyperv_relaxed))

    def test_windows_gets_hyperv_and_local_time(self):
        dom = self.build(fx.ctx(props={"os_type": "windows"}))
        self.assertEqual((True, True, True, 8191),
                         (dom.features.hyperv_relaxed, dom.features.hyperv_vapic,
                          dom.features.hyperv_spinlocks,
                          dom.features.hyperv_spinlocks_retries))
        self.assertEqual("localtime", dom.clock.offset)

    def test_kvm_timers(self):
        timers = [(t.name, t.tickpolicy, t.present)
                  for t in self.build(fx.ctx()).clock.timers]
        self.assertEqual([("pit", "delay", None), ("rtc", "catchup", None),
                          ("hpet", None, False)], timers)
        dom = self.build(fx.ctx(props={"hw_time_hpet": "yes"}))
        self.assertTrue(dom.clock.timers[-1].present)

    def test_qemu_has_no_kvm_timers(self):
        dom = self.build(fx.ctx("qemu"))
        self.assertEqual(("utc", 0), (dom.clock.offset, len(dom.clock.timers)))
