"""The builder's inputs: disk specs and settings from configuration."""

import testtools

from virtdrivers import conf as vdconf
from virtdrivers import exception
from virtdrivers.libvirt.builder import BuilderSettings
from virtdrivers.libvirt.builder import DiskSource
from virtdrivers.libvirt.builder import DiskSpec


class TestSpecs(testtools.TestCase):

    def test_source_needs_its_fields(self):
        for kwargs, missing in (({"type": "file"}, "path"),
                                ({"type": "network", "protocol": "rbd"}, "name"),
                                ({"type": "volume", "pool": "p"}, "volume")):
            err = self.assertRaises(exception.InvalidInput, DiskSource, **kwargs)
            self.assertIn(missing, str(err))

    def test_unknown_source_and_device_types(self):
        err = self.assertRaises(exception.InvalidInput, DiskSource,
                                type="nbd", path="x")
        self.assertIn("'nbd'", str(err))
        err = self.assertRaises(exception.InvalidInput, DiskSpec, "disk",
                                DiskSource(path="x"), device="floppy")
        self.assertIn("'floppy'", str(err))


class TestSettings(testtools.TestCase):

    def test_from_conf(self):
        conf = vdconf.new_conf()
        conf([], default_config_files=[])
        conf.set_override("cpu_mode", "host-passthrough", "libvirt")
        conf.set_override("disk_cachemodes", {"file": "none"}, "libvirt")
        conf.set_override("server_listen", "192.0.2.1", "vnc")
        conf.set_override("enabled", True, "spice")
        settings = BuilderSettings.from_conf(conf, cpu_models=["Haswell"])
        self.assertEqual(
            ("host-passthrough", ("Haswell",), "none", "192.0.2.1",
             ("vnc", "spice"), 10, None),
            (settings.cpu_mode, settings.cpu_models,
             settings.disk_cachemodes["file"], settings.vnc_listen,
             settings.graphics_types, settings.mem_stats_period_seconds,
             settings.hw_machine_type))
