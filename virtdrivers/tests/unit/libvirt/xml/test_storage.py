"""Storage pools and volumes."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.tests.unit.libvirt.xml import xmltest

GiB = 1024 ** 3


def dir_pool():
    pool = vxml.StoragePool.new(
        type="dir", name="nova-disks-pool",
        uuid="0f8b4a6e-7a5e-4c3b-9d2a-1e0f9c8b7a6d", target_path="/var/lib/vd/disks",
    )
    pool.target_permissions = vxml.Permissions.new(mode="0711", owner=0, group=0)
    return pool


def qcow2_overlay():
    return vxml.StorageVolume.new(
        type="file", name="inst_disk", capacity=20 * GiB, allocation=0,
        path="/var/lib/vd/disks/inst_disk", format="qcow2",
        backing_path="/var/lib/vd/base/5b1e4c", backing_format="raw",
    )


class TestPool(xmltest.XMLTestCase):

    def test_dir_pool_golden_and_valid(self):
        pool = dir_pool()
        self.assertXMLEqual(
            "<pool type='dir'><name>nova-disks-pool</name>"
            "<uuid>0f8b4a6e-7a5e-4c3b-9d2a-1e0f9c8b7a6d</uuid>"
            "<target><path>/var/lib/vd/disks</path><permissions>"
            "<mode>0711</mode><owner>0</owner><group>0</group>"
            "</permissions></target></pool>",
            pool.to_xml())
        self.assertValid(pool.to_xml(), "storagepool")
        copy = self.assertRoundTrip(pool)
        self.assertEqual(("0711", 0), (copy.target_permissions.mode,
                                       copy.target_permissions.owner))

    def test_rbd_pool_from_libvirt(self):
        text = xmltest.load("rbd_pool.xml")
        pool = vxml.StoragePool.from_xml(text)
        self.assertXMLEqual(text, pool.to_xml())
        self.assertValid(pool.to_xml(), "storagepool")
        self.assertEqual(("rbd", "vms", 10 * 1024 * GiB, 8 * 1024 * GiB),
                         (pool.type, pool.name, pool.capacity, pool.available))
        self.assertEqual(["mon1.example.com", "mon2.example.com"],
                         [host.name for host in pool.source.hosts])
        self.assertEqual(("vms", "ceph", "nova",
                          "2a3bcd4e-5f60-4718-9abc-def012345678"),
                         (pool.source.name, pool.source.auth.type,
                          pool.source.auth.username, pool.source.auth.secret_uuid))

    def test_logical_pool_source_devices(self):
        pool = vxml.StoragePool.new(type="logical", name="vg0",
                                    target_path="/dev/vg0")
        pool.source.device_paths = ["/dev/sdb", "/dev/sdc"]
        pool.source.name = "vg0"
        pool.source.format = "lvm2"
        self.assertValid(pool.to_xml(), "storagepool")
        copy = vxml.StoragePool.from_xml(pool.to_xml())
        self.assertEqual(["/dev/sdb", "/dev/sdc"], copy.source.device_paths)
        self.assertEqual("lvm2", copy.source.format)


class TestVolume(xmltest.XMLTestCase):

    def test_qcow2_overlay_golden_and_valid(self):
        volume = qcow2_overlay()
        self.assertXMLEqual(
            "<volume type='file'><name>inst_disk</name>"
            "<capacity unit='bytes'>21474836480</capacity>"
            "<allocation unit='bytes'>0</allocation>"
            "<target><path>/var/lib/vd/disks/inst_disk</path>"
            "<format type='qcow2'/></target>"
            "<backingStore><path>/var/lib/vd/base/5b1e4c</path>"
            "<format type='raw'/></backingStore></volume>",
            volume.to_xml())
        self.assertValid(volume.to_xml(), "storagevol")
        self.assertRoundTrip(volume)

    def test_sizes_in_other_units_read_as_bytes(self):
        volume = vxml.StorageVolume.from_xml(
            "<volume><name>v</name><capacity unit='G'>1</capacity>"
            "<allocation unit='KiB'>4</allocation></volume>")
        self.assertEqual((GiB, 4096), (volume.capacity, volume.allocation))
        volume.capacity = 2 * GiB
        self.assertEqual("bytes", volume.element.find("capacity").get("unit"))
        self.assertEqual(2 * GiB, volume.capacity)
