"""Real libvirt output: what libvirt's in-process test driver says and accepts.

Each test gets a private test-driver host (no daemon) that starts like
``test:///default``: one running domain ("test") and one pool
("default-pool"). ``test:///default`` itself is shared by every connection
of the process, so it is not used here.
"""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.binding import libvirt
from virtdrivers.libvirt.xml import base
from virtdrivers.testing import libvirt_test
from virtdrivers.tests.unit.libvirt.xml import samples
from virtdrivers.tests.unit.libvirt.xml import test_storage
from virtdrivers.tests.unit.libvirt.xml import xmltest


def _runs(tags):
    """``tags`` with consecutive repeats collapsed: a, a, b, a -> a, b, a."""
    return [tag for i, tag in enumerate(tags) if i == 0 or tags[i - 1] != tag]


class TestDriverCase(xmltest.XMLTestCase):

    def setUp(self):
        super().setUp()
        # Expected failures (unsupported APIs) would otherwise be printed to
        # stderr by libvirt's default handler.
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        self.addCleanup(libvirt.registerErrorHandler, None, None)
        host = self.useFixture(libvirt_test.PrivateTestHost(with_defaults=True))
        self.conn = libvirt.open(host.uri)
        self.addCleanup(self.conn.close)

    def assertSameOrder(self, ours, theirs, where="/"):
        """Children both documents have come in the same order, recursively."""
        our_tags = [c.tag for c in ours if isinstance(c.tag, str)]
        their_tags = [c.tag for c in theirs if isinstance(c.tag, str)]
        common = set(our_tags) & set(their_tags)
        self.assertEqual(_runs([t for t in their_tags if t in common]),
                         _runs([t for t in our_tags if t in common]), where)
        for tag in common:
            for index, (mine, libvirts) in enumerate(
                    zip(ours.findall(tag), theirs.findall(tag), strict=False)):
                self.assertSameOrder(mine, libvirts,
                                     "%s%s[%d]/" % (where, tag, index))


class TestCapabilities(TestDriverCase):

    def test_capabilities_match_node_info(self):
        # Only test:///default describes NUMA cells; reading it changes
        # nothing another test could see.
        conn = libvirt.open("test:///default")
        self.addCleanup(conn.close)
        text = conn.getCapabilities()
        caps = vxml.Capabilities.from_xml(text)
        model, _mem, cpus, _mhz, nodes = conn.getInfo()[:5]
        self.assertEqual(model, caps.host.cpu.arch)
        self.assertEqual(nodes, len(caps.host.cells))
        self.assertEqual(cpus, sum(len(cell.cpus) for cell in caps.host.cells))
        self.assertEqual(["pae", "nonpae"], caps.host.cpu.feature_flags)
        xen, = caps.guests_for("xen")
        self.assertEqual((["test"], "/usr/bin/test-hv"),
                         (xen.domain_types, xen.emulator))
        self.assertXMLEqual(text, caps.to_xml())
        self.assertValid(caps.to_xml(), "capability")

    def test_domain_capabilities(self):
        try:
            text = self.conn.getDomainCapabilities()
        except libvirt.libvirtError as err:
            if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                raise
            self.skipTest("test:///default does not implement "
                          "virConnectGetDomainCapabilities")
        caps = vxml.DomainCapabilities.from_xml(text)
        self.assertXMLEqual(text, caps.to_xml())
        self.assertValid(caps.to_xml(), "domaincaps")


class TestDomains(TestDriverCase):

    def test_running_domain_parses_to_what_libvirt_says(self):
        virdom = self.conn.listAllDomains()[0]
        text = virdom.XMLDesc(0)
        dom = vxml.Domain.from_xml(text)
        state, max_mem, _mem, vcpus, _time = virdom.info()
        self.assertEqual((virdom.name(), virdom.UUIDString(), virdom.ID()),
                         (dom.name, dom.uuid, dom.id))
        self.assertEqual((max_mem, vcpus), (dom.memory, dom.vcpu))
        disk, = dom.devices.disks
        nic, = dom.devices.interfaces
        self.assertEqual(("/guest/diskimage1", "vda"),
                         (disk.source_file, disk.target_dev))
        self.assertEqual(("aa:bb:cc:dd:ee:ff", "default"),
                         (nic.mac, nic.source_network))
        self.assertXMLEqual(text, dom.to_xml())
        self.assertValid(dom.to_xml(), "domain")

    def test_edited_domain_is_accepted_by_libvirt(self):
        virdom = self.conn.listAllDomains()[0]
        dom = vxml.Domain.from_xml(virdom.XMLDesc(0))
        dom.description = "edited through the XML objects"
        dom.devices.append(vxml.Disk.new(
            type="file", device="disk", source_file="/guest/data.img",
            target_dev="vdb", target_bus="virtio"))
        self.conn.defineXML(dom.to_xml())
        inactive = vxml.Domain.from_xml(
            virdom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        self.assertEqual("edited through the XML objects", inactive.description)
        self.assertEqual(["vda", "vdb"],
                         [d.target_dev for d in inactive.devices.disks])

    def test_generated_domain_defines_and_starts(self):
        ours = samples.kvm_domain(domain_type="test")
        virdom = self.conn.defineXML(ours.to_xml())
        virdom.create()
        self.assertTrue(virdom.isActive())
        text = virdom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
        live = vxml.Domain.from_xml(text)
        self.assertEqual((ours.name, ours.uuid, ours.memory, ours.vcpu),
                         (live.name, live.uuid, live.memory, live.vcpu))
        self.assertEqual(virdom.ID(), live.id)
        self.assertEqual(
            [d.target_dev for d in ours.devices.disks],
            [d.target_dev for d in live.devices.disks])
        self.assertEqual(samples.PASSWD, live.devices.graphics[0].passwd)
        self.assertEqual("m1.small", live.metadata.instance.flavor.name)
        self.assertValid(text, "domain")

    def test_our_order_is_libvirts_order(self):
        ours = samples.kvm_domain(domain_type="test")
        ours.devices.interfaces[0].boot_order = 2
        ours.devices.disks[0].alias = "ua-disk0"
        ours.devices.memballoons[0].alias = "ua-balloon"
        virdom = self.conn.defineXML(ours.to_xml())
        theirs = base.parse_xml(virdom.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))
        self.assertSameOrder(ours.element, theirs)

    def test_generated_xen_and_container_domains_are_accepted(self):
        for build in (samples.xen_pv_domain, samples.container_domain):
            ours = build()
            ours.type = "test"
            virdom = self.conn.defineXML(ours.to_xml())
            back = vxml.Domain.from_xml(virdom.XMLDesc(0))
            self.assertEqual(ours.os.os_type, back.os.os_type)
            self.assertEqual([d.tag for d in ours.devices],
                             [d.tag for d in back.devices][:len(ours.devices)])


class TestStorage(TestDriverCase):

    def test_default_pool_parses_to_what_libvirt_says(self):
        pool = self.conn.storagePoolLookupByName("default-pool")
        text = pool.XMLDesc(0)
        obj = vxml.StoragePool.from_xml(text)
        _state, capacity, allocation, available = pool.info()
        self.assertEqual((pool.name(), pool.UUIDString(), "dir"),
                         (obj.name, obj.uuid, obj.type))
        self.assertEqual((capacity, allocation, available),
                         (obj.capacity, obj.allocation, obj.available))
        self.assertEqual("/default-pool", obj.target_path)
        self.assertXMLEqual(text, obj.to_xml())
        self.assertValid(obj.to_xml(), "storagepool")

    def test_generated_volume_with_backing_store(self):
        pool = self.conn.storagePoolLookupByName("default-pool")
        base_vol = vxml.StorageVolume.new(
            name="base.qcow2", capacity=2 ** 30, format="qcow2")
        pool.createXML(base_vol.to_xml(), 0)
        overlay = vxml.StorageVolume.new(
            name="overlay.qcow2", capacity=2 ** 30, format="qcow2",
            backing_path="/default-pool/base.qcow2", backing_format="qcow2")
        virvol = pool.createXML(overlay.to_xml(), 0)
        back = vxml.StorageVolume.from_xml(virvol.XMLDesc(0))
        self.assertEqual((virvol.name(), virvol.key(), virvol.path()),
                         (back.name, back.key, back.path))
        self.assertEqual((virvol.info()[1], "qcow2"), (back.capacity, back.format))
        self.assertEqual(("/default-pool/base.qcow2", "qcow2"),
                         (back.backing_path, back.backing_format))
        self.assertValid(back.to_xml(), "storagevol")

    def test_generated_pool_is_accepted(self):
        pool = self.conn.storagePoolDefineXML(test_storage.dir_pool().to_xml(), 0)
        back = vxml.StoragePool.from_xml(pool.XMLDesc(0))
        self.assertEqual(("nova-disks-pool", "/var/lib/vd/disks"),
                         (back.name, back.target_path))


class TestSnapshots(TestDriverCase):

    def test_generated_snapshot_is_taken_and_reported(self):
        virdom = self.conn.lookupByName("test")
        request = vxml.DomainSnapshot.new(name="s1", description="from objects")
        snap = virdom.snapshotCreateXML(request.to_xml(), 0)
        text = snap.getXMLDesc(0)
        back = vxml.DomainSnapshot.from_xml(text)
        self.assertEqual((snap.getName(), "from objects", "test"),
                         (back.name, back.description, back.domain_name))
        self.assertEqual([("vda", "internal")],
                         [(d.name, d.snapshot) for d in back.disks])
        self.assertXMLEqual(text, back.to_xml())
        self.assertValid(back.to_xml(), "domainsnapshot")
