"""Domain capabilities: captured QEMU output, and documents we build."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.tests.unit.libvirt.xml import xmltest


class TestQemuDomainCapabilities(xmltest.XMLTestCase):

    def setUp(self):
        super().setUp()
        self.text = xmltest.load("qemu_domcaps.xml")
        self.caps = vxml.DomainCapabilities.from_xml(self.text)

    def test_round_trip_is_identical_and_valid(self):
        self.assertXMLEqual(self.text, self.caps.to_xml())
        self.assertValid(self.caps.to_xml(), "domaincaps")

    def test_header(self):
        caps = self.caps
        self.assertEqual(
            ("/usr/bin/qemu-system-x86_64", "qemu", "pc-i440fx-7.2", "x86_64",
             255, True),
            (caps.path, caps.domain_type, caps.machine, caps.arch,
             caps.vcpu_max, caps.iothreads))

    def test_os_and_loader(self):
        self.assertTrue(self.caps.os.supported)
        self.assertEqual([], self.caps.os.enum("firmware"))
        self.assertEqual(["rom", "pflash"], self.caps.loader.enum("type"))
        self.assertEqual(["no"], self.caps.loader.enum("secure"))
        self.assertEqual(["type", "readonly", "secure"],
                         self.caps.loader.enum_names())

    def test_cpu_modes(self):
        caps = self.caps
        self.assertEqual((False, True, True, True), (
            caps.host_passthrough, caps.maximum, caps.host_model, caps.custom))
        self.assertEqual(("EPYC", "AMD"),
                         (caps.host_model_name, caps.host_model_vendor))
        self.assertEqual(["qemu64", "qemu32", "pentium3", "pentium2", "pentium"],
                         caps.usable_models())

    def test_devices_and_features(self):
        caps = self.caps
        self.assertEqual(["disk", "cdrom", "floppy", "lun"],
                         caps.disk.enum("diskDevice"))
        self.assertIn("virtio", caps.disk.enum("bus"))
        self.assertEqual(["sdl", "vnc", "spice", "egl-headless", "dbus"],
                         caps.graphics.enum("type"))
        self.assertIn("virtio", caps.video.enum("modelType"))
        self.assertEqual(["subsystem"], caps.hostdev.enum("mode"))
        self.assertEqual(["random", "egd", "builtin"],
                         caps.rng.enum("backendModel"))
        self.assertEqual([], caps.disk.enum("no-such-enum"))
        self.assertEqual((False, True), (caps.feature("sev").supported,
                                         caps.feature("genid").supported))
        self.assertIsNone(caps.feature("s390-pv").supported)
        self.assertEqual(["spinlocks", "vendor_id"],
                         caps.feature("hyperv").enum("features"))


class TestBuiltDomainCapabilities(xmltest.XMLTestCase):

    def test_built_document_is_valid_and_reads_back(self):
        caps = vxml.DomainCapabilities.new(
            path="/usr/bin/qemu-system-x86_64", domain_type="kvm",
            machine="pc-q35-7.2", arch="x86_64", vcpu_max=288)
        caps.os.supported = True
        caps.os.set_enum("firmware", ["efi"])
        caps.loader.supported = True
        caps.loader_values = ["/usr/share/OVMF/OVMF_CODE.fd"]
        caps.loader.set_enum("type", ["rom", "pflash"])
        caps.loader.set_enum("readonly", [])
        caps.loader.set_enum("secure", ["yes", "no"])
        caps.disk.supported = True
        caps.disk.set_enum("diskDevice", ["disk", "cdrom"])
        caps.disk.set_enum("bus", ["virtio", "sata"])
        caps.feature("sev").supported = False
        self.assertValid(caps.to_xml(), "domaincaps")
        copy = vxml.DomainCapabilities.from_xml(caps.to_xml())
        self.assertEqual(["efi"], copy.os.enum("firmware"))
        self.assertEqual(["/usr/share/OVMF/OVMF_CODE.fd"], copy.loader_values)
        self.assertEqual(["type", "readonly", "secure"], copy.loader.enum_names())
        self.assertEqual(["virtio", "sata"], copy.disk.enum("bus"))
        self.assertIs(False, copy.feature("sev").supported)

    def test_enum_names_cannot_break_out_of_the_path(self):
        self.assertRaises(ValueError, vxml.DomainCapsItem.from_xml(
            "<disk/>").enum, "bus']|//x['")
