"""Hypervisor detection with fabricated /sys, /proc and /dev files."""

import os

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers.libvirt import detect

KVM_MODULES = """kvm_intel 380928 0 - Live 0x0000000000000000
kvm 1146880 1 kvm_intel, Live 0x0000000000000000
irqbypass 16384 1 kvm, Live 0x0000000000000000
"""
OTHER_MODULES = """kvmgt 40960 0 - Live 0x0000000000000000
xt_conntrack 16384 1 - Live 0x0000000000000000
"""


class DetectCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.paths = detect.Paths(
            hypervisor_type=self.path("sys/hypervisor/type"),
            xen_capabilities=self.path("proc/xen/capabilities"),
            proc_modules=self.path("proc/modules"),
            sys_module=self.path("sys/module"),
            # A character device this process can open read-write.
            dev_kvm=os.devnull)

    def path(self, relative):
        return os.path.join(self.root, relative)

    def write(self, relative, text):
        path = self.path(relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as stream:
            stream.write(text)

    def no_kvm_device(self, path=None):
        self.paths = detect.Paths(**dict(vars(self.paths),
                                         dev_kvm=path or self.path("dev/kvm")))

    def found(self):
        return detect.detect(self.paths)


class TestXen(DetectCase):

    def test_dom0(self):
        self.write("sys/hypervisor/type", "xen\n")
        self.write("proc/xen/capabilities", "control_d\n")
        self.write("proc/modules", OTHER_MODULES)
        found = self.found()
        self.assertEqual({"xen"}, found.hypervisors)
        self.assertIn("Xen dom0", found.describe())

    def test_xenfs_not_mounted_trusts_the_type_file(self):
        self.write("sys/hypervisor/type", "xen\n")
        found = self.found()
        self.assertIn("xen", found.hypervisors)
        self.assertIn("dom0 not confirmed", found.describe())

    def test_a_xen_guest_is_no_xen_host(self):
        self.write("sys/hypervisor/type", "xen\n")
        self.write("proc/xen/capabilities", "")
        found = self.found()
        self.assertNotIn("xen", found.hypervisors)
        self.assertIn("a Xen guest, not dom0", found.describe())

    def test_another_hypervisor_type(self):
        self.write("sys/hypervisor/type", "z/VM\n")
        self.assertNotIn("xen", self.found().hypervisors)
        self.assertIn("'z/VM'", self.found().describe())


class TestKVM(DetectCase):

    def test_module_in_proc_modules_and_usable_device(self):
        self.write("proc/modules", KVM_MODULES)
        found = self.found()
        self.assertEqual({"kvm"}, found.hypervisors)
        self.assertIn("KVM (kvm module loaded", found.describe())

    def test_sys_module_when_proc_modules_is_missing_or_built_in(self):
        os.makedirs(self.path("sys/module/kvm"))
        self.assertEqual({"kvm"}, self.found().hypervisors)

    def test_module_names_must_match_exactly(self):
        self.write("proc/modules", OTHER_MODULES)
        found = self.found()
        self.assertEqual(frozenset(), found.hypervisors)
        self.assertIn("no kvm module", found.describe())

    def test_missing_device(self):
        self.write("proc/modules", KVM_MODULES)
        self.no_kvm_device()
        found = self.found()
        self.assertEqual(frozenset(), found.hypervisors)
        self.assertIn("dev/kvm is missing", found.describe())

    def test_a_regular_file_is_no_kvm_device(self):
        self.write("proc/modules", KVM_MODULES)
        self.write("dev/kvm", "")
        self.no_kvm_device()
        self.assertIn("not a character device", self.found().describe())


class TestRequire(DetectCase):

    def test_passes_and_returns_the_findings(self):
        self.write("proc/modules", KVM_MODULES)
        found = detect.require("kvm", "kvm", self.paths)
        self.assertEqual({"kvm"}, found.hypervisors)

    def test_kvm_configured_on_a_xen_dom0_names_what_it_found(self):
        self.write("sys/hypervisor/type", "xen\n")
        self.write("proc/xen/capabilities", "control_d\n")
        err = self.assertRaises(exception.ConfigurationError, detect.require,
                                "kvm", "kvm", self.paths)
        self.assertIn("[libvirt] virt_type=kvm needs KVM", str(err))
        self.assertIn("Xen dom0", str(err))
        self.assertIn("no kvm module", str(err))

    def test_xen_configured_on_a_kvm_host(self):
        self.write("proc/modules", KVM_MODULES)
        err = self.assertRaises(exception.ConfigurationError, detect.require,
                                "xen", "xen", self.paths)
        self.assertIn("[libvirt] virt_type=xen needs Xen", str(err))
        self.assertIn("KVM (kvm module loaded", str(err))

    def test_nothing_at_all(self):
        self.no_kvm_device()
        err = self.assertRaises(exception.ConfigurationError, detect.require,
                                "kvm", "kvm", self.paths)
        self.assertIn("no %s" % self.paths.hypervisor_type, str(err))

    def test_default_paths_are_the_real_ones(self):
        self.assertEqual("/sys/hypervisor/type", detect.Paths().hypervisor_type)
        self.assertEqual("/dev/kvm", detect.Paths().dev_kvm)
        self.assertIsInstance(detect.detect(), detect.Findings)
