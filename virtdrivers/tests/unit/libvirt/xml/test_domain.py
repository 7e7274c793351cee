"""Domain documents: built from objects, and parsed from live libvirt XML."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.xml import base
from virtdrivers.tests.unit.libvirt.xml import samples
from virtdrivers.tests.unit.libvirt.xml import xmltest

QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"


class TestBuiltDomains(xmltest.XMLTestCase):

    def test_kvm_domain_is_valid_and_round_trips(self):
        dom = samples.kvm_domain()
        self.assertValid(dom.to_xml(), "domain")
        copy = self.assertRoundTrip(dom)
        self.assertEqual(
            ["disk", "disk", "disk", "controller", "filesystem", "interface",
             "serial", "console", "channel", "input", "graphics", "video",
             "memballoon", "rng"],
            [device.tag for device in copy.devices],
        )
        self.assertEqual(
            [vxml.Disk] * 3 + [vxml.Controller, vxml.Filesystem, vxml.Interface,
                               vxml.Serial, vxml.Console, vxml.Channel,
                               vxml.Input, vxml.Graphics, vxml.Video,
                               vxml.MemBalloon, vxml.Rng],
            [type(device) for device in copy.devices],
        )

    def test_kvm_domain_values_read_back(self):
        dom = vxml.Domain.from_xml(samples.kvm_domain().to_xml())
        self.assertEqual(("kvm", samples.UUID, 2097152, 2),
                         (dom.type, dom.uuid, dom.memory, dom.vcpu))
        self.assertEqual(("hvm", "x86_64", "pc"),
                         (dom.os.os_type, dom.os.arch, dom.os.machine))
        self.assertEqual((True, True, False),
                         (dom.features.acpi, dom.features.apic, dom.features.pae))
        self.assertEqual(("host-model", 1, 2, 1), (
            dom.cpu.mode, dom.cpu.sockets, dom.cpu.cores, dom.cpu.threads))
        self.assertEqual([("vmx", "disable")],
                         [(f.name, f.policy) for f in dom.cpu.features])
        self.assertEqual(["rtc", "hpet"], [t.name for t in dom.clock.timers])
        self.assertEqual("virtdrivers", dom.sysinfo.system("manufacturer"))
        self.assertEqual("/usr/bin/qemu-system-x86_64", dom.devices.emulator)

    def test_every_device_round_trips_on_its_own(self):
        for device in samples.kvm_devices():
            self.assertRoundTrip(device)

    def test_xen_pv_domain(self):
        dom = samples.xen_pv_domain()
        self.assertValid(dom.to_xml(), "domain")
        copy = self.assertRoundTrip(dom)
        disk, = copy.devices.disks
        console, = copy.devices.consoles
        self.assertEqual(("xen", "/var/lib/xen/vmlinuz"),
                         (copy.os.os_type, copy.os.kernel))
        self.assertEqual(("xvda", "xen"), (disk.target_dev, disk.target_bus))
        self.assertEqual("xen", console.target_type)

    def test_container_domain(self):
        dom = samples.container_domain()
        self.assertValid(dom.to_xml(), "domain")
        copy = self.assertRoundTrip(dom)
        root, = copy.devices.filesystems
        self.assertEqual(("exe", "/sbin/init"), (copy.os.os_type, copy.os.init))
        self.assertEqual(("file", "ploop", "ploop", "/"), (
            root.type, root.driver_type, root.driver_format, root.target_dir))

    def test_removing_devices(self):
        dom = samples.xen_pv_domain()
        for device in list(dom.devices):
            dom.devices.remove(device)
        self.assertEqual([], list(dom.devices))
        self.assertEqual(0, len(dom.devices))
        self.assertValid(dom.to_xml(), "domain")
        self.assertRaises(ValueError, dom.devices.remove, vxml.Disk())


class TestLiveDomain(xmltest.XMLTestCase):
    """XML from a running guest: we edit it, everything else survives."""

    def setUp(self):
        super().setUp()
        self.original = xmltest.load("kvm_live_domain.xml")
        self.dom = vxml.Domain.from_xml(self.original)

    def test_unchanged_round_trip_is_identical(self):
        self.assertXMLEqual(self.original, self.dom.to_xml())
        self.assertValid(self.dom.to_xml(), "domain")

    def test_values(self):
        dom = self.dom
        self.assertEqual((7, "instance-0000002a", 8388608, 4, "0-3"), (
            dom.id, dom.name, dom.memory, dom.vcpu, dom.vcpu_cpuset))
        self.assertEqual(("Haswell-noTSX", "forbid", "Intel"), (
            dom.cpu.model, dom.cpu.model_fallback, dom.cpu.vendor))
        self.assertEqual(["hd"], dom.os.boot_devs)
        self.assertEqual("Compute", dom.sysinfo.system("product"))
        instance = dom.metadata.instance
        self.assertEqual(("db-1", 4, "alice", "volume"), (
            instance.name, instance.flavor.vcpus, instance.user_name,
            instance.root_type))

    def test_devices_are_typed_and_unknown_ones_kept(self):
        devices = list(self.dom.devices)
        unknown = [d for d in devices if type(d) is vxml.DeviceXML]
        self.assertEqual(["tpm", "watchdog"], [d.tag for d in unknown])
        self.assertEqual("tpm0", unknown[0].alias)
        lun, vda = self.dom.devices.disks
        self.assertEqual(("block", "lun", "sdb"),
                         (lun.type, lun.device, lun.target_dev))
        self.assertEqual(("drive", "0", "1"), (
            lun.address.type, lun.address.controller, lun.address.unit))
        self.assertEqual("0x04", vda.address.bus)
        graphics, = self.dom.devices.graphics
        self.assertEqual((5900, True, "192.0.2.5"), (
            graphics.port, graphics.autoport, graphics.listens[0].address))

    def test_edits_keep_what_we_do_not_model(self):
        keep = ["seclabel", "{%s}commandline" % QEMU_NS, "memoryBacking",
                "cputune", "devices/tpm", "devices/interface/virtualport",
                "devices/disk[2]/backingStore", "devices/disk[2]/iotune"]
        before = {path: self._canonical(path) for path in keep}

        self.dom.memory = 4194304
        self.dom.devices.append(vxml.Disk.new(
            type="file", device="cdrom", source_file="/tmp/config.iso",
            target_dev="sdc", target_bus="scsi", readonly=True))
        self.dom.devices.disks[1].driver_cache = "writeback"
        self.dom.devices.interfaces[0].mtu = 9000
        self.dom.devices.remove(self.dom.devices.by_tag("watchdog")[0])

        for path in keep:
            self.assertEqual(before[path], self._canonical(path), path)
        lun = self.dom.devices.disks[0]
        self.assertEqual("yes", lun.element.get("rawio"))
        self.assertEqual(["sdb", "vda", "sdc"],
                         [d.target_dev for d in self.dom.devices.disks])
        self.assertIn("<qemu:commandline>", self.dom.to_xml())
        self.assertValid(self.dom.to_xml(), "domain")

    def test_new_disk_goes_after_the_disks(self):
        self.dom.devices.append(vxml.Disk.new(type="file", target_dev="vdc"))
        tags = [child.tag for child in self.dom.devices.element]
        self.assertEqual(["emulator", "disk", "disk", "disk", "controller"],
                         tags[:5])

    def test_other_metadata_survives_our_changes(self):
        self.dom.metadata.instance.flavor.vcpus = 8
        other = self.dom.element.find(
            "metadata/{http://example.com/other/1.0}tag")
        self.assertEqual("kept as is", other.text)
        self.assertEqual(8, vxml.Domain.from_xml(
            self.dom.to_xml()).metadata.instance.flavor.vcpus)

    def test_passwd_is_not_in_repr(self):
        self.assertIn("hunter2", self.dom.to_xml())
        self.assertNotIn("hunter2", repr(self.dom))

    def _canonical(self, path):
        node = self.dom.element.find(path)
        self.assertIsNotNone(node, path)
        return base.canonicalize(node)
