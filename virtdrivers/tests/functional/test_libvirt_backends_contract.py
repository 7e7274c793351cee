"""The driver contract suite against LibvirtDriver with the lvm and ploop
image backends, each on a private libvirt test-driver host.

lvm: these machines have no device-mapper, so LVM's command line is
emulated (:class:`~virtdrivers.tests.unit.libvirt.imagebackend.test_lvm.
FakeLvm`, logical volumes as sparse files) in place of the one runner of
:mod:`virtdrivers.libvirt.lvm`; qemu-img, mkswap, dd run for real.
ploop: the real ploop tool (skipped with the reason when it is missing
and cannot be installed), with virt_type=parallels.
"""

import os

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import lvm
from virtdrivers.testing import libvirt_test
from virtdrivers.tests.functional import test_libvirt_contract
from virtdrivers.tests.unit.libvirt.imagebackend import test_lvm
from virtdrivers.tests.unit.libvirt.imagebackend import test_ploop

GiB = 1024 ** 3


class LvmContractTest(test_libvirt_contract.LibvirtQemuContractTest):
    sparse = False

    def make_conf(self):
        conf = super().make_conf()
        self.lvm = test_lvm.FakeLvm(os.path.join(self.workdir, 'lvm'))
        self.lvm.add_vg('contract-vg', 64 * GiB)
        self.useFixture(fixtures.MockPatchObject(lvm, 'run', self.lvm))
        conf.set_override('images_type', 'lvm', group='libvirt')
        conf.set_override('images_volume_group', 'contract-vg', group='libvirt')
        conf.set_override('sparse_logical_volumes', self.sparse, group='libvirt')
        # Zeroing whole 1 GiB roots (real dd on the emulated volumes) would
        # write gigabytes per test; the first MiB still runs dd for real.
        conf.set_override('volume_clear_size', 1, group='libvirt')
        return conf

    def test_disks_are_logical_volumes(self):
        instance = self.spawn()
        self.assertEqual(['%s_disk' % instance.uuid],
                         [lv for lv in self.lvm.names('contract-vg')
                          if lv.startswith(instance.uuid)])
        self.driver.destroy(self.ctx, instance, None)
        self.assertEqual([], [lv for lv in self.lvm.names('contract-vg')
                              if lv.startswith(instance.uuid)])

    def test_capacity_is_the_volume_group(self):
        total, free = self.driver.storage.backend.capacity()
        self.assertEqual(64 * GiB, total)
        self.spawn()
        self.assertEqual(free - (0 if self.sparse else GiB),
                         self.driver.storage.backend.capacity()[1])


class LvmSparseContractTest(LvmContractTest):
    sparse = True

    def test_capacity_is_the_volume_group(self):
        total, free = self.driver.storage.backend.capacity()
        self.assertEqual(total, free)
        self.assertLess(total, 64 * GiB)


class LvmStartTest(testtools.TestCase):
    def test_missing_volume_group_fails_at_init_host(self):
        workdir = self.useFixture(fixtures.TempDir()).path
        host = self.useFixture(libvirt_test.PrivateTestHost())
        conf = vconf.new_conf()
        conf([], project='virtdrivers-functional')
        conf.set_override('instances_path', os.path.join(workdir, 'instances'))
        conf.set_override('connection_uri', host.uri, group='libvirt')
        conf.set_override('images_type', 'lvm', group='libvirt')
        conf.set_override('images_volume_group', 'missing-vg', group='libvirt')
        fake = test_lvm.FakeLvm(os.path.join(workdir, 'lvm'))
        self.useFixture(fixtures.MockPatchObject(lvm, 'run', fake))
        drv = libvirt_driver.LibvirtDriver(
            virtapi.LocalVirtAPI(), conf=conf,
            image_service=local.LocalImageStore(os.path.join(workdir, 'images')))
        self.addCleanup(drv.cleanup_host, 'host')
        err = self.assertRaises(exception.ConfigurationError, drv.init_host,
                                'host')
        self.assertIn('[libvirt] images_volume_group=missing-vg', str(err))
        self.assertIn('Volume group "missing-vg" not found', str(err))


class PloopContractTest(test_libvirt_contract.LibvirtQemuContractTest):
    """Parallels VMs, the guests ploop disks are for (QEMU cannot open a
    ploop directory)."""

    virt_type = 'parallels'

    def setUp(self):
        self.useFixture(test_ploop.PloopFixture(self))
        super().setUp()

    def make_conf(self):
        conf = super().make_conf()
        conf.set_override('images_type', 'ploop', group='libvirt')
        return conf

    def test_root_disk_is_a_ploop_directory(self):
        instance = self.spawn()
        config = self.driver.host.get_guest(instance).get_xml_desc()
        root = os.path.join(self.conf.instances_path, instance.uuid, 'disk')
        self.assertIn("<disk type='file' device='disk'>", config)
        self.assertIn("<driver type='ploop'/>", config)
        self.assertIn("<source file='%s'/>" % root, config)
        self.assertEqual(['DiskDescriptor.xml', 'root.hds'],
                         sorted(os.listdir(root)))

    def test_container_root_is_the_ploop_filesystem(self):
        # Image vm_mode=exe: a Parallels container, whose root disk is its
        # root <filesystem>. (Not a contract run of its own: the suite's
        # spawn-feature tests check the host's declarations, not the
        # image's, and containers have no swap or ephemeral disks.)
        path = os.path.join(self.workdir, 'contract-ct.raw')
        with open(path, 'wb') as f:
            f.truncate(1024 * 1024)
        image = self.image_service.create(
            self.ctx, {'name': 'contract-ct', 'disk_format': 'raw',
                       'container_format': 'bare',
                       'properties': {'vm_mode': 'exe'}}, data_path=path)
        instance = self.spawn(image=image)
        config = self.driver.host.get_guest(instance).get_xml_desc()
        root = os.path.join(self.conf.instances_path, instance.uuid, 'disk')
        self.assertIn("<filesystem type='file'", config)
        self.assertIn("<driver type='ploop' format='ploop'/>", config)
        self.assertIn("<source file='%s'/>" % root, config)
        self.assertIn("<target dir='/'/>", config)
        self.assertTrue(os.path.isfile(os.path.join(root, 'DiskDescriptor.xml')))
