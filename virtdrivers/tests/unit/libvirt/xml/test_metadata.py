"""Our ``<vd:instance>`` metadata inside a domain's ``<metadata>``."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.tests.unit.libvirt.xml import samples
from virtdrivers.tests.unit.libvirt.xml import xmltest

NS = "http://virtdrivers.org/xmlns/libvirt/instance/1.0"


class TestInstanceMetadata(xmltest.XMLTestCase):

    def test_golden_xml(self):
        self.assertEqual(NS, vxml.METADATA_NAMESPACE)
        self.assertXMLEqual(
            "<vd:instance xmlns:vd='%s'>"
            "<vd:package version='1.0.0'/><vd:name>web-1</vd:name>"
            "<vd:creationTime>2026-01-01 10:00:00</vd:creationTime>"
            "<vd:flavor name='m1.small'><vd:memory>2048</vd:memory>"
            "<vd:disk>20</vd:disk><vd:swap>0</vd:swap>"
            "<vd:ephemeral>0</vd:ephemeral><vd:vcpus>2</vd:vcpus></vd:flavor>"
            "<vd:owner>"
            "<vd:user uuid='85ab6ebd-0b17-4b15-8b53-0b0c4cdb1a6a'>alice</vd:user>"
            "<vd:project uuid='2f5c4c1c-3b7e-4c8a-a5d2-5c0b3d3b0b44'>web"
            "</vd:project></vd:owner>"
            "<vd:root type='image' uuid='0b3e7b2e-1b7c-4a4a-9d9e-8e1f8c7e6a55'/>"
            "</vd:instance>" % NS,
            samples.instance_metadata().to_xml(),
        )

    def test_round_trip_inside_a_domain(self):
        dom = vxml.Domain.new(type="kvm", name="m", memory=524288)
        dom.os.os_type = "hvm"
        dom.metadata.instance = samples.instance_metadata()
        self.assertValid(dom.to_xml(), "domain")
        meta = vxml.Domain.from_xml(dom.to_xml()).metadata.instance
        self.assertEqual(
            ("1.0.0", "web-1", "alice", "web", "image", "m1.small", 2048, 2),
            (meta.package_version, meta.name, meta.user_name, meta.project_name,
             meta.root_type, meta.flavor.name, meta.flavor.memory,
             meta.flavor.vcpus))
        self.assertRoundTrip(meta)

    def test_prefix_from_another_document_is_accepted(self):
        # libvirt keeps whatever prefix the writer used; parsing goes by
        # namespace, not by prefix.
        dom = vxml.Domain.from_xml(
            "<domain><metadata><x:instance xmlns:x='%s'><x:name>n</x:name>"
            "</x:instance></metadata></domain>" % NS)
        self.assertEqual("n", dom.metadata.instance.name)

    def test_absent_metadata_reads_as_none(self):
        dom = vxml.Domain.new(name="bare")
        self.assertIsNone(dom.metadata.instance.name)
        self.assertIsNone(dom.metadata.instance.flavor.vcpus)
        self.assertXMLEqual("<domain><name>bare</name></domain>", dom.to_xml())
