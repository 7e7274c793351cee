"""Host resources: the guest kinds a host offers, and Xen's dom0 counted as
the host, never as a guest."""

import types

import fixtures
import testtools

from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt import profiles
from virtdrivers.libvirt import resources
from virtdrivers.libvirt.binding import libvirt
from virtdrivers.testing import libvirt_test

DOMAIN = """<domain type='test'>
  <name>%(name)s</name><uuid>%(uuid)s</uuid>
  <memory unit='MiB'>%(mib)d</memory><vcpu>%(vcpus)d</vcpu>
  <os><type>hvm</type></os>
</domain>"""
GUEST_UUID = "6c0d3f8e-2a41-4c55-9a8e-1f7b3c2d4e5a"


def caps(*os_types):
    cpu = types.SimpleNamespace(arch="x86_64", model=None, vendor=None,
                                sockets=1, cores=1, threads=1)
    guests = [types.SimpleNamespace(arch="x86_64", os_type=os_type)
              for os_type in os_types]
    return types.SimpleNamespace(host=types.SimpleNamespace(cpu=cpu),
                                 guests=guests)


class TestSupportedInstances(testtools.TestCase):

    def test_a_parallels_host_offers_vms_and_containers(self):
        self.assertEqual(
            [("x86_64", "parallels", "hvm"), ("x86_64", "parallels", "exe")],
            resources._supported_instances(caps("hvm", "exe"),
                                           profiles.get("parallels")))

    def test_xen_offers_pv_and_hvm_whatever_the_default(self):
        for default in ("xen", "hvm"):
            self.assertEqual(
                [("x86_64", "xen", "xen"), ("x86_64", "xen", "hvm")],
                resources._supported_instances(
                    caps("linux", "hvm"), profiles.get("xen", default)))

    def test_kinds_the_profile_does_not_run_are_left_out(self):
        self.assertEqual([("x86_64", "kvm", "hvm")],
                         resources._supported_instances(
                             caps("hvm", "xen", "exe"), profiles.KVM))


class TestDom0(testtools.TestCase):
    """A Xen-like host on libvirt's test driver: a running domain with
    dom0's all-zero UUID beside one guest."""

    def setUp(self):
        super().setUp()
        uri = self.useFixture(libvirt_test.PrivateTestHost()).uri
        self.host = vhost.Host(uri)
        self.addCleanup(self.host.cleanup)
        conn = self.host.get_connection()
        for name, uuid, mib, vcpus in (
                ("Domain-0", vhost.DOM0_UUID, 1024, 4),
                ("instance-1", GUEST_UUID, 512, 2)):
            conn.defineXML(DOMAIN % dict(name=name, uuid=uuid, mib=mib,
                                         vcpus=vcpus)).create()
        self.settings = types.SimpleNamespace(
            instances_path=self.useFixture(fixtures.TempDir()).path)

    def test_dom0_is_no_instance(self):
        self.assertEqual([GUEST_UUID],
                         [guest.uuid for guest in self.host.list_guests()])
        self.assertEqual({GUEST_UUID}, set(self.host.get_instance_infos()))

    def test_dom0_vcpus_are_not_a_guests(self):
        found = resources.available_resource(self.host, self.settings,
                                             profiles.XEN_PV, "node")
        self.assertEqual(2, found["vcpus_used"])
        self.assertEqual("xen", found["hypervisor_type"])

    def test_memory_is_what_xen_handed_out_dom0_included(self):
        # dom0's own statistics (what getMemoryStats reports under libxl)
        # describe dom0 alone: on a dom0 host they are not asked.
        asked = []
        self.useFixture(fixtures.MockPatchObject(
            vhost.Host, "_node_memory_stats",
            lambda _self: asked.append(1) or {"total": 1048576, "free": 0}))
        conn = self.host.get_connection()
        expected = conn.getInfo()[1] - conn.getFreeMemory() // (1024 * 1024)
        found = resources.available_resource(self.host, self.settings,
                                             profiles.XEN_PV, "node")
        self.assertEqual(expected, found["memory_mb_used"])
        self.assertEqual([], asked)
        found = resources.available_resource(self.host, self.settings,
                                             profiles.KVM, "node")
        self.assertEqual(1024, found["memory_mb_used"])
        self.assertEqual([1], asked)

    def test_libvirt_lists_dom0(self):
        # What the filtering is for: libvirt itself lists dom0.
        conn = self.host.get_connection()
        self.assertIn(vhost.DOM0_UUID, [d.UUIDString() for d in
                                        conn.listAllDomains(
                                            libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)])


class TestVcpuCounts(testtools.TestCase):
    """On the test driver, whose bulk statistics have no vCPU counts."""

    def setUp(self):
        super().setUp()
        uri = self.useFixture(libvirt_test.PrivateTestHost()).uri
        self.host = vhost.Host(uri)
        self.addCleanup(self.host.cleanup)
        conn = self.host.get_connection()
        self.domains = []
        for i, vcpus in enumerate((1, 2, 4)):
            dom = conn.defineXML(DOMAIN % {
                "name": "vcpus-%d" % i, "mib": 64, "vcpus": vcpus,
                "uuid": "6c0d3f8e-2a41-4c55-9a8e-00000000000%d" % i})
            dom.create()
            self.domains.append(dom)
        self.lookups = []
        real = self.host.get_guest_by_uuid
        def spy(uuid):
            self.lookups.append(uuid)
            return real(uuid)

        self.useFixture(fixtures.MonkeyPatch(
            "virtdrivers.libvirt.host.Host.get_guest_by_uuid",
            lambda _host, uuid: spy(uuid)))

    def used(self, counts):
        return counts.used(self.host, self.host.get_all_domain_stats(
            resources.BULK_STATS))

    def test_read_once_per_run_of_a_guest(self):
        counts = resources.VcpuCounts()
        self.assertEqual(7, self.used(counts))
        self.assertEqual(3, len(self.lookups))
        self.assertEqual(7, self.used(counts))
        self.assertEqual(3, len(self.lookups), "counts were read again")
        # A restart is a new run (a new domain ID): read again, that one only.
        self.domains[2].destroy()
        self.assertEqual(3, self.used(counts))
        self.domains[2].create()
        self.assertEqual(7, self.used(counts))
        self.assertEqual(4, len(self.lookups))
