"""No mixed clusters: migrations between hypervisor types are refused."""

import types

import testtools

from virtdrivers import exception
from virtdrivers.libvirt import migration_checks


def node(host, hv_type):
    return {"hypervisor_hostname": host, "hypervisor_type": hv_type}


class TestSameHypervisor(testtools.TestCase):

    def test_same_type_passes(self):
        for hv_type in ("kvm", "qemu", "xen", "parallels"):
            self.assertIsNone(migration_checks.check_same_hypervisor(
                node("a", hv_type), node("b", hv_type)))

    def test_case_does_not_matter(self):
        migration_checks.check_same_hypervisor(node("a", "Xen"),
                                               node("b", "xen"))

    def test_different_types_are_refused_naming_hosts_and_types(self):
        for src, dst in (("kvm", "xen"), ("xen", "parallels"),
                         ("parallels", "kvm"), ("kvm", "qemu")):
            err = self.assertRaises(
                exception.MigrationPreCheckError,
                migration_checks.check_same_hypervisor,
                node("compute-1", src), node("compute-2", dst))
            self.assertIn("compute-1 runs %s" % src, str(err))
            self.assertIn("compute-2 runs %s" % dst, str(err))
            self.assertIsInstance(err, exception.MigrationError)

    def test_nova_compute_node_objects(self):
        src = types.SimpleNamespace(hypervisor_hostname="c1",
                                    hypervisor_type="kvm")
        dst = types.SimpleNamespace(hypervisor_hostname="c2",
                                    hypervisor_type="xen")
        self.assertRaises(exception.MigrationPreCheckError,
                          migration_checks.check_same_hypervisor, src, dst)

    def test_an_unknown_type_is_refused(self):
        err = self.assertRaises(exception.MigrationPreCheckError,
                                migration_checks.check_same_hypervisor,
                                node("c1", "kvm"), {"host": "c2"})
        self.assertIn("hypervisor type of c2", str(err))
        self.assertRaises(exception.MigrationPreCheckError,
                          migration_checks.check_same_hypervisor, None,
                          node("c2", "kvm"))
