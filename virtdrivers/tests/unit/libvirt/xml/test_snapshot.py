"""Domain snapshots."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.tests.unit.libvirt.xml import xmltest


class TestSnapshot(xmltest.XMLTestCase):

    def test_external_disk_snapshot_golden_and_valid(self):
        snap = vxml.DomainSnapshot.new(name="snap-2026-03-04",
                                       description="before upgrade",
                                       memory_snapshot="no")
        snap.disks.append(vxml.SnapshotDisk.new(
            name="vda", snapshot="external", type="file", driver_type="qcow2",
            source_file="/var/lib/virtdrivers/instances/3f1e8d52/disk.snap"))
        snap.disks.append(vxml.SnapshotDisk.new(name="sdb", snapshot="no"))
        self.assertXMLEqual(xmltest.load("external_snapshot.xml"), snap.to_xml())
        self.assertValid(snap.to_xml(), "domainsnapshot")
        copy = self.assertRoundTrip(snap)
        self.assertEqual([("vda", "external", "qcow2"), ("sdb", "no", None)],
                         [(d.name, d.snapshot, d.driver_type) for d in copy.disks])

    def test_internal_snapshot_with_memory(self):
        snap = vxml.DomainSnapshot.new(name="s1", memory_snapshot="internal")
        self.assertValid(snap.to_xml(), "domainsnapshot")
        self.assertEqual("internal",
                         vxml.DomainSnapshot.from_xml(snap.to_xml()).memory_snapshot)

    def test_external_memory_file(self):
        snap = vxml.DomainSnapshot.new(name="s2", memory_snapshot="external",
                                       memory_file="/var/lib/vd/s2.mem")
        self.assertValid(snap.to_xml(), "domainsnapshot")
        self.assertEqual("/var/lib/vd/s2.mem", vxml.DomainSnapshot.from_xml(
            snap.to_xml()).memory_file)
