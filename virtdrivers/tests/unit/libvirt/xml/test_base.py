"""The XMLObject machinery: paths, descriptors, order, round-trip safety."""

from lxml import etree

from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.xml import base
from virtdrivers.libvirt.xml import properties
from virtdrivers.libvirt.xml import xpath
from virtdrivers.tests.unit.libvirt.xml import xmltest


def children(xml_text):
    """The tags of the root's children, in document order."""
    return [child.tag for child in base.parse_xml(xml_text)]


class TestScalarProperties(xmltest.XMLTestCase):

    def test_setting_creates_missing_elements(self):
        disk = vxml.Disk()
        disk.target_dev = "vda"
        self.assertXMLEqual("<disk><target dev='vda'/></disk>", disk.to_xml())

    def test_none_removes_the_value_and_the_elements_it_leaves_empty(self):
        disk = vxml.Disk.new(target_dev="vda", target_bus="virtio")
        disk.target_bus = None
        self.assertXMLEqual("<disk><target dev='vda'/></disk>", disk.to_xml())
        disk.target_dev = None
        self.assertXMLEqual("<disk/>", disk.to_xml())

    def test_clearing_text_keeps_an_element_that_has_attributes(self):
        cpu = vxml.DomainCPU.from_xml(
            "<cpu><model fallback='allow'>qemu64</model></cpu>"
        )
        cpu.model = None
        self.assertXMLEqual("<cpu><model fallback='allow'/></cpu>", cpu.to_xml())
        self.assertEqual("", cpu.model)

    def test_absent_values_read_as_none(self):
        disk = vxml.Disk()
        self.assertIsNone(disk.source_file)
        self.assertIsNone(disk.boot_order)
        self.assertFalse(disk.readonly)
        self.assertEqual([], list(disk.source_hosts))

    def test_int_reads_decimal_and_hex_and_writes_decimal(self):
        ctrl = vxml.Controller.from_xml("<controller index='0x1f'/>")
        self.assertEqual(31, ctrl.index)
        ctrl.index = 2
        self.assertEqual("2", ctrl.element.get("index"))

    def test_yesno_and_onoff_words(self):
        graphics = vxml.Graphics.new(autoport=True)
        serial = vxml.Serial.new(log_file="/log", log_append=False)
        self.assertEqual("yes", graphics.element.get("autoport"))
        self.assertEqual("off", serial.element.find("log").get("append"))
        self.assertIs(False, vxml.Serial.from_xml(serial.to_xml()).log_append)

    def test_yesno_rejects_non_bool_and_bad_words(self):
        graphics = vxml.Graphics()
        self.assertRaises(TypeError, setattr, graphics, "autoport", "no")
        bad = vxml.Graphics.from_xml("<graphics autoport='maybe'/>")
        self.assertRaises(ValueError, getattr, bad, "autoport")

    def test_presence_booleans(self):
        features = vxml.DomainFeatures.new(acpi=True, pae=True)
        self.assertXMLEqual(
            "<features><acpi/><pae/></features>", features.to_xml()
        )
        features.acpi = False
        self.assertFalse(features.acpi)
        self.assertXMLEqual("<features><pae/></features>", features.to_xml())


class TestSizes(xmltest.XMLTestCase):

    def test_memory_reads_in_kib_whatever_the_unit(self):
        for text, kib in (("<memory unit='GiB'>2</memory>", 2097152),
                          ("<memory unit='M'>512</memory>", 524288),
                          ("<memory unit='KB'>2048</memory>", 2000),
                          ("<memory unit='bytes'>1048576</memory>", 1024),
                          ("<memory>4096</memory>", 4096)):
            dom = vxml.Domain.from_xml("<domain>%s</domain>" % text)
            self.assertEqual(kib, dom.memory, text)

    def test_memory_is_written_in_kib(self):
        dom = vxml.Domain.from_xml("<domain><memory unit='GiB'>2</memory></domain>")
        dom.memory = 1048576
        self.assertXMLEqual(
            "<domain><memory unit='KiB'>1048576</memory></domain>", dom.to_xml()
        )

    def test_unknown_unit_is_an_error(self):
        dom = vxml.Domain.from_xml("<domain><memory unit='parsec'>1</memory></domain>")
        self.assertRaises(ValueError, getattr, dom, "memory")


class TestLists(xmltest.XMLTestCase):

    def test_list_property_replaces_in_order(self):
        os_ = vxml.DomainOS.new(os_type="hvm", boot_devs=["hd", "cdrom"])
        self.assertEqual(["hd", "cdrom"], os_.boot_devs)
        os_.boot_devs = ["network"]
        self.assertXMLEqual(
            "<os><type>hvm</type><boot dev='network'/></os>", os_.to_xml()
        )
        os_.boot_devs = []
        self.assertXMLEqual("<os><type>hvm</type></os>", os_.to_xml())

    def test_list_property_refuses_a_string(self):
        self.assertRaises(TypeError, setattr, vxml.DomainOS(), "boot_devs", "hd")

    def test_child_list_append_remove(self):
        disk = vxml.Disk.new(source_protocol="rbd")
        first = disk.source_hosts.append(vxml.SourceHost.new(name="mon1"))
        disk.source_hosts.append(vxml.SourceHost.new(name="mon2"))
        self.assertEqual(["mon1", "mon2"], [h.name for h in disk.source_hosts])
        disk.source_hosts.remove(first)
        self.assertEqual(["mon2"], [h.name for h in disk.source_hosts])
        self.assertRaises(ValueError, disk.source_hosts.remove,
                          vxml.SourceHost.new(name="elsewhere"))

    def test_child_list_assignment_replaces(self):
        clock = vxml.DomainClock.new(offset="utc")
        clock.timers = [vxml.ClockTimer.new(name="rtc")]
        clock.timers = [vxml.ClockTimer.new(name="pit"),
                        vxml.ClockTimer.new(name="hpet", present=False)]
        self.assertEqual(["pit", "hpet"], [t.name for t in clock.timers])
        self.assertIs(False, clock.timers[1].present)


class TestChildren(xmltest.XMLTestCase):

    def test_reading_an_absent_child_creates_nothing(self):
        dom = vxml.Domain.new(name="x")
        self.assertIsNone(dom.cpu.mode)
        self.assertEqual([], dom.cpu.features[:])
        self.assertXMLEqual("<domain><name>x</name></domain>", dom.to_xml())

    def test_first_write_to_a_pending_child_creates_it_in_place(self):
        dom = vxml.Domain.new(name="x", on_crash="destroy")
        dom.metadata.instance.flavor.vcpus = 2
        self.assertEqual(["name", "metadata", "on_crash"], children(dom.to_xml()))
        self.assertEqual(2, dom.metadata.instance.flavor.vcpus)

    def test_assigning_a_child_replaces_and_none_removes(self):
        dom = vxml.Domain.new(name="x")
        dom.clock = vxml.DomainClock.new(offset="utc")
        dom.clock = vxml.DomainClock.new(offset="localtime")
        self.assertEqual("localtime", dom.clock.offset)
        self.assertEqual(1, len(dom.element.findall("clock")))
        dom.clock = None
        self.assertXMLEqual("<domain><name>x</name></domain>", dom.to_xml())

    def test_parse_wraps_the_live_element(self):
        dom = vxml.Domain.from_xml(
            "<domain><devices><disk><target dev='vda'/></disk></devices></domain>"
        )
        disk = vxml.Disk.parse(dom.element.find("devices/disk"))
        disk.target_bus = "virtio"
        self.assertEqual("virtio", dom.devices.disks[0].target_bus)
        self.assertEqual(disk, dom.devices.disks[0])


class TestConstructors(xmltest.XMLTestCase):

    def test_new_refuses_unknown_properties(self):
        self.assertRaises(AttributeError, vxml.Disk.new, target_device="vda")

    def test_from_xml_refuses_another_element(self):
        self.assertRaises(ValueError, vxml.Domain.from_xml, "<pool/>")

    def test_external_entities_are_not_expanded(self):
        text = ('<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
                "<domain><name>&x;</name></domain>")
        dom = vxml.Domain.from_xml(text)
        self.assertEqual("", dom.name)


class TestOrder(xmltest.XMLTestCase):

    def test_devices_before_name_still_gives_name_first(self):
        dom = vxml.Domain()
        dom.devices.append(vxml.Disk.new(type="file", target_dev="vda"))
        dom.on_crash = "destroy"
        dom.os.os_type = "hvm"
        dom.memory = 1024
        dom.name = "x"
        self.assertEqual(
            ["name", "memory", "os", "on_crash", "devices"], children(dom.to_xml())
        )

    def test_devices_go_where_libvirt_puts_them(self):
        devices = vxml.Devices()
        for device in (vxml.MemBalloon.new(model="none"),
                       vxml.Interface.new(type="network"),
                       vxml.Disk.new(type="file"),
                       vxml.Graphics.new(type="vnc"),
                       vxml.Disk.new(type="block")):
            devices.append(device)
        devices.emulator = "/usr/bin/qemu-kvm"
        self.assertEqual(
            ["emulator", "disk", "disk", "interface", "graphics", "memballoon"],
            children(devices.to_xml()),
        )
        self.assertEqual(["file", "block"], [d.type for d in devices.disks])

    def test_new_elements_respect_unknown_neighbours(self):
        dom = vxml.Domain.from_xml(
            "<domain><name>x</name><cputune/><devices/><seclabel/></domain>"
        )
        dom.vcpu = 2
        dom.on_poweroff = "destroy"
        self.assertEqual(
            ["name", "vcpu", "cputune", "on_poweroff", "devices", "seclabel"],
            children(dom.to_xml()),
        )

    def test_every_modelled_child_has_a_declared_position(self):
        # A class that lists libvirt's order must list every direct child its
        # properties create, or new elements would land in the wrong place.
        # (Deeper elements are ordered as their properties are declared.)
        for cls in _all_subclasses(base.XMLObject):
            if "CHILD_ORDER" not in vars(cls):
                continue
            declared = {xpath.parse(p, cls.NSMAP).key for p in cls.CHILD_ORDER}
            for desc in base._declared_descriptors(cls):
                first = desc._path.key[:1]
                if first and first != ("*",):
                    self.assertIn(first, declared, "%s.%s (%s)"
                                  % (cls.__name__, desc.name, desc.path))


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


class TestNamespacesAndSecrets(xmltest.XMLTestCase):

    def test_our_namespace_gets_our_prefix(self):
        dom = vxml.Domain.new(name="x")
        dom.metadata.instance.name = "web-1"
        self.assertIn("<vd:name>web-1</vd:name>", dom.to_xml())

    def test_path_errors(self):
        self.assertRaises(ValueError, xpath.parse, "./a[1]")
        self.assertRaises(ValueError, xpath.parse, "./x:y")

    def test_passwd_is_masked_in_repr_and_redacted_xml(self):
        dom = vxml.Domain.new(name="x")
        dom.devices.append(vxml.Graphics.new(type="vnc", passwd="hunter2"))
        self.assertIn("hunter2", dom.to_xml())
        for text in (repr(dom), dom.redacted_xml(), repr(dom.devices.graphics[0])):
            self.assertNotIn("hunter2", text)
            self.assertIn("passwd=\"***\"", text)

    def test_canonicalize_ignores_formatting(self):
        self.assertTrue(vxml.xml_equal(
            "<a y='1' x='2'>\n  <b/>\n</a>", '<a x="2" y="1"><b/></a>'
        ))
        self.assertFalse(vxml.xml_equal("<a><b/><c/></a>", "<a><c/><b/></a>"))

    def test_descriptor_on_the_class_is_itself(self):
        self.assertIsInstance(vxml.Disk.target_dev, properties.XMLProperty)
        self.assertIsInstance(etree.tostring(vxml.Disk().element), bytes)
