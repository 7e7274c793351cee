"""Host capabilities: captured QEMU output, and documents we build."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.tests.unit.libvirt.xml import xmltest


class TestQemuCapabilities(xmltest.XMLTestCase):

    def setUp(self):
        super().setUp()
        self.text = xmltest.load("qemu_capabilities.xml")
        self.caps = vxml.Capabilities.from_xml(self.text)

    def test_round_trip_is_identical_and_valid(self):
        self.assertXMLEqual(self.text, self.caps.to_xml())
        self.assertValid(self.caps.to_xml(), "capability")

    def test_host(self):
        host = self.caps.host
        self.assertEqual("3c1b2f9e-8f6a-4d5e-9b7c-1a2b3c4d5e6f", host.uuid)
        self.assertEqual(("x86_64", "Broadwell", "Intel"),
                         (host.cpu.arch, host.cpu.model, host.cpu.vendor))
        self.assertEqual((1, 1, 2, 1), (host.cpu.sockets, host.cpu.dies,
                                        host.cpu.cores, host.cpu.threads))
        self.assertEqual(["vme", "ss", "ht"], host.cpu.features[:3])
        self.assertEqual([4, 2048, 1048576], host.cpu.page_sizes)
        cell, = host.cells
        self.assertEqual((0, 4679884, [0, 1]), (cell.id, cell.memory, cell.cpu_ids))
        self.assertEqual(["none", "dac"], host.secmodels)
        self.assertEqual((True, ["tcp", "rdma"]),
                         (host.live_migration, host.uri_transports))

    def test_guests(self):
        x86_64, = self.caps.guests_for("hvm", "x86_64")
        self.assertEqual(2, len(self.caps.guests_for("hvm")))
        self.assertEqual([], self.caps.guests_for("xen"))
        self.assertEqual((64, "/usr/bin/qemu-system-x86_64", ["qemu", "kvm"]),
                         (x86_64.wordsize, x86_64.emulator, x86_64.domain_types))
        pc = x86_64.machines[1]
        self.assertEqual(("pc", "pc-i440fx-7.2", 255),
                         (pc.name, pc.canonical, pc.max_cpus))
        self.assertIn("q35", x86_64.machine_names)
        self.assertIn("disksnapshot", x86_64.feature_names)


class TestBuiltCapabilities(xmltest.XMLTestCase):

    def test_built_document_is_valid_and_reads_back(self):
        caps = vxml.Capabilities()
        caps.host.uuid = "11111111-2222-3333-4444-555555555555"
        caps.host.cpu.arch = "x86_64"
        caps.host.cpu.model = "Skylake-Client"
        caps.host.cpu.vendor = "Intel"
        caps.host.cpu.sockets, caps.host.cpu.cores = 1, 4
        caps.host.cpu.dies, caps.host.cpu.threads = 1, 2
        caps.host.cpu.features = ["vmx", "ssse3"]
        cell = vxml.NUMACell.new(id=0, memory=16777216, cpus_num=2)
        for cpu_id in (0, 1):
            cell.cpus.append(vxml.CellCPU.new(
                id=cpu_id, socket_id=0, die_id=0, core_id=cpu_id,
                siblings=str(cpu_id)))
        caps.host.cells_num = 1
        caps.host.cells.append(cell)
        guest = vxml.GuestCapabilities.new(
            os_type="xen", arch="x86_64", wordsize=64,
            emulator="/usr/lib/xen/bin/qemu-system-i386")
        guest.machines.append(vxml.GuestMachine.new(name="xenpv"))
        guest.domains.append(vxml.GuestDomain.new(type="xen"))
        caps.guests.append(guest)
        self.assertValid(caps.to_xml(), "capability")
        copy = vxml.Capabilities.from_xml(caps.to_xml())
        xen, = copy.guests_for("xen", "x86_64")
        self.assertEqual((["xen"], ["xenpv"]), (xen.domain_types, xen.machine_names))
        self.assertEqual([0, 1], copy.host.cells[0].cpu_ids)
        self.assertEqual(["vmx", "ssse3"], copy.host.cpu.features)
