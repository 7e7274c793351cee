"""Consoles, graphics, channels, RNG, balloon and metadata of built domains."""

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.libvirt.builder import BuilderSettings
from virtdrivers.tests.unit.libvirt.builder import base
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx

AGENT = "org.qemu.guest_agent.0"
CONFIG = "org.virtdrivers.config.0"


def channels(dom):
    return [(c.type, c.target_type, c.target_name) for c in dom.devices.channels]


class TestConsoles(base.BuilderTestCase):

    def test_serial_console_is_logged(self):
        dom = self.build(fx.ctx())
        serial, = dom.devices.serials
        console, = dom.devices.consoles
        self.assertEqual(("pty", fx.CONSOLE_LOG, True, 0),
                         (serial.type, serial.log_file, serial.log_append,
                          serial.target_port))
        self.assertEqual(("pty", "serial", 0),
                         (console.type, console.target_type, console.target_port))

    def test_no_log_path_no_log(self):
        serial, = self.build(fx.ctx(console_log_path=None)).devices.serials
        self.assertIsNone(serial.log_file)

    def test_interactive_serial_console(self):
        settings = BuilderSettings(serial_console_enabled=True,
                                   serial_console_listen="192.0.2.10")
        dom = self.build(fx.ctx(settings=settings, serial_ports=(10000, 10001)))
        self.assertEqual(
            [("tcp", "bind", "192.0.2.10", "10000", "raw", 0, fx.CONSOLE_LOG),
             ("tcp", "bind", "192.0.2.10", "10001", "raw", 1, None)],
            [(s.type, s.source_mode, s.source_host, s.source_service,
              s.protocol_type, s.target_port, s.log_file)
             for s in dom.devices.serials])
        console, = dom.devices.consoles
        self.assertEqual(("tcp", "10000"), (console.type, console.source_service))

    def test_serial_console_needs_ports(self):
        settings = BuilderSettings(serial_console_enabled=True)
        err = self.assertRaises(exception.InvalidInput, self.build,
                                fx.ctx(settings=settings))
        self.assertIn(fx.UUID, str(err))

    def test_vnc_by_default(self):
        dom = self.build(fx.ctx())
        graphics, = dom.devices.graphics
        self.assertEqual(("vnc", True, "127.0.0.1"),
                         (graphics.type, graphics.autoport, graphics.listen))
        self.assertEqual([("address", "127.0.0.1")],
                         [(x.type, x.address) for x in graphics.listens])
        self.assertEqual(["virtio"], [v.model_type for v in dom.devices.videos])
        self.assertEqual([("tablet", "usb")],
                         [(i.type, i.bus) for i in dom.devices.inputs])

    def test_spice_with_its_agent_channel(self):
        settings = BuilderSettings(vnc_enabled=False, spice_enabled=True,
                                   spice_listen="0.0.0.0")
        dom = self.build(fx.ctx(settings=settings))
        self.assertEqual([("spice", "0.0.0.0")],
                         [(g.type, g.listen) for g in dom.devices.graphics])
        self.assertIn(("spicevmc", "virtio", "com.redhat.spice.0"), channels(dom))

    def test_headless(self):
        settings = BuilderSettings(vnc_enabled=False)
        dom = self.build(fx.ctx(settings=settings))
        self.assertEqual((0, 0, 0), (len(dom.devices.graphics),
                                     len(dom.devices.videos),
                                     len(dom.devices.inputs)))

    def test_video_models(self):
        for model in ("virtio", "vga", "cirrus", "qxl", "bochs", "none"):
            dom = self.build(fx.ctx(props={"hw_video_model": model}))
            self.assertEqual([model], [v.model_type for v in dom.devices.videos])

    def test_video_ram_within_the_flavor_maximum(self):
        dom = self.build(fx.ctx(props={"hw_video_model": "qxl",
                                       "hw_video_ram": "64"},
                                flavor_kwargs={"extra_specs": {
                                    "hw_video:ram_max_mb": "128"}}))
        self.assertEqual(65536, dom.devices.videos[0].vram)
        err = self.assertRaises(exception.InvalidImage, self.build, fx.ctx(
            props={"hw_video_ram": "64"}))
        self.assertIn("hw_video_ram=64", str(err))
        self.assertIn("hw_video:ram_max_mb", str(err))

    def test_ps2_pointer_means_no_tablet(self):
        dom = self.build(fx.ctx(props={"hw_pointer_model": "ps2mouse"}))
        self.assertEqual(0, len(dom.devices.inputs))
        dom = self.build(fx.ctx(settings=BuilderSettings(pointer_model=None)))
        self.assertEqual(["tablet"], [i.type for i in dom.devices.inputs])


class TestDevices(base.BuilderTestCase):

    def test_config_channel_always_agent_on_request(self):
        self.assertEqual([("unix", "virtio", CONFIG)],
                         channels(self.build(fx.ctx())))
        dom = self.build(fx.ctx(props={"hw_qemu_guest_agent": "yes"}))
        self.assertEqual([("unix", "virtio", AGENT), ("unix", "virtio", CONFIG)],
                         channels(dom))
        self.assertEqual(["bind", "bind"],
                         [c.source_mode for c in dom.devices.channels])

    def test_rng(self):
        self.assertEqual(0, len(self.build(fx.ctx()).devices.rngs))
        dom = self.build(fx.ctx(props={"hw_rng_model": "virtio"}))
        rng, = dom.devices.rngs
        self.assertEqual(("virtio", "random", "/dev/urandom", None),
                         (rng.model, rng.backend_model, rng.backend_path,
                          rng.rate_bytes))

    def test_rng_rate_and_permission_from_the_flavor(self):
        dom = self.build(fx.ctx(props={"hw_rng_model": "virtio"}, flavor_kwargs={
            "extra_specs": {"hw_rng:rate_bytes": "2048",
                            "hw_rng:rate_period": "500"}}))
        self.assertEqual((2048, 500), (dom.devices.rngs[0].rate_bytes,
                                       dom.devices.rngs[0].rate_period))
        dom = self.build(fx.ctx(props={"hw_rng_model": "virtio"}, flavor_kwargs={
            "extra_specs": {"hw_rng:allowed": "False"}}))
        self.assertEqual(0, len(dom.devices.rngs))

    def test_memballoon_stats(self):
        balloon, = self.build(fx.ctx()).devices.memballoons
        self.assertEqual(("virtio", 10), (balloon.model, balloon.stats_period))
        settings = BuilderSettings(mem_stats_period_seconds=0)
        balloon, = self.build(fx.ctx(settings=settings)).devices.memballoons
        self.assertIsNone(balloon.stats_period)

    def test_emulator(self):
        self.assertIsNone(self.build(fx.ctx()).devices.emulator)
        dom = self.build(fx.ctx(emulator="/usr/bin/qemu-system-x86_64"))
        self.assertEqual("/usr/bin/qemu-system-x86_64", dom.devices.emulator)


class TestIdentityAndMetadata(base.BuilderTestCase):

    def test_identity(self):
        dom = self.build(fx.ctx())
        self.assertEqual(("kvm", "instance-" + fx.UUID, fx.UUID),
                         (dom.type, dom.name, dom.uuid))
        self.assertEqual(("destroy", "restart", "destroy"),
                         (dom.on_poweroff, dom.on_reboot, dom.on_crash))
        self.assertEqual("qemu", self.build(fx.ctx("qemu")).type)

    def test_metadata(self):
        meta = self.build(fx.ctx(flavor_kwargs={"swap": 512, "ephemeral_gb": 1})
                          ).metadata.instance
        self.assertEqual(("1.0.0", "web-1", "2026-01-01 10:00:00"),
                         (meta.package_version, meta.name, meta.creation_time))
        self.assertEqual(("m1.small", 2048, 20, 512, 1, 2),
                         (meta.flavor.name, meta.flavor.memory, meta.flavor.disk,
                          meta.flavor.swap, meta.flavor.ephemeral,
                          meta.flavor.vcpus))
        self.assertEqual(("alice-id", "web-id", "image", fx.IMAGE_ID),
                         (meta.user_uuid, meta.project_uuid, meta.root_type,
                          meta.root_uuid))

    def test_volume_backed_root(self):
        instance = fx.instance()
        instance.image_ref = None
        ctx = fx.ctx(instance=instance, image_meta=objects.ImageMeta(),
                     disks=[fx.root_disk(serial="vol-boot", boot_index=0)])
        meta = self.build(ctx).metadata.instance
        self.assertEqual(("volume", "vol-boot"), (meta.root_type, meta.root_uuid))
