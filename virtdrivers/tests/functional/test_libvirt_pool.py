"""LibvirtDriver with the ``pool`` image backend on a private test-driver
host: the driver contract, disks as ``<disk type='volume'>``, start-up
checks, instances left on file disks.

libvirt's test driver keeps no volume data, so there the backend declares
no config drives, swap disks or snapshots (the contract holds it to that);
the real libvirtd runs the rest (``tests/realhv/test_pool.py``).
"""

import dataclasses
import os

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import storage as vstorage
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import pool
from virtdrivers.libvirt.imagebackend import qcow2
from virtdrivers.testing import libvirt_test
from virtdrivers.tests.functional import test_libvirt_contract

MiB = 1024 * 1024


class PoolContractTest(test_libvirt_contract.LibvirtQemuContractTest):
    def make_conf(self):
        conf = super().make_conf()
        conf.set_override('images_type', 'pool', group='libvirt')
        return conf

    def test_backend_is_pool_without_data_operations(self):
        self.assertIsInstance(self.driver.storage.backend, pool.Pool)
        for operation in pool.DATA_OPERATIONS:
            self.assertFalse(self.declared(operation), operation)

    def test_disks_are_volumes_in_the_domain(self):
        instance = self.spawn(self.new_instance(
            flavor=self.make_flavor(ephemeral_gb=1)))
        disks = self.driver.host.get_guest(instance).get_config().devices.disks
        self.assertEqual(
            [('volume', storagepools.DISKS_POOL, '%s_%s' % (instance.uuid, n))
             for n in ('disk', 'disk.local')],
            [(d.type, d.source_pool, d.source_volume) for d in disks])
        self.driver.destroy(self.ctx, instance, None)
        pool_obj = storagepools.Pool(self.driver.host, storagepools.DISKS_POOL)
        self.assertEqual([], pool_obj.volumes(instance.uuid))


class PoolDriverTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.images = local.LocalImageStore(os.path.join(self.tmp, 'images'))
        path = os.path.join(self.tmp, 'disk.raw')
        with open(path, 'wb') as f:
            f.truncate(MiB)
        self.image = self.images.create(None, {
            'name': 'disk', 'disk_format': 'raw', 'container_format': 'bare'},
            data_path=path)
        self.uri = self.useFixture(libvirt_test.PrivateTestHost()).uri

    def conf(self, **libvirt):
        conf = vconf.new_conf()
        conf([])
        conf.set_override('connection_uri', self.uri, group='libvirt')
        conf.set_override('virt_type', 'qemu', group='libvirt')
        conf.set_override('instances_path', self.instances)
        for name, value in libvirt.items():
            conf.set_override(name, value, group='libvirt')
        return conf

    def driver(self, init=True, **libvirt):
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(),
                                           conf=self.conf(**libvirt),
                                           image_service=self.images)
        self.addCleanup(drv.cleanup_host, 'pool')
        if init:
            drv.init_host('pool')
        return drv

    def spawn(self, drv):
        instance = objects.Instance(image_ref=self.image.id)
        drv.spawn(None, instance, self.image, [], None, {})
        self.addCleanup(self._destroy, drv, instance)
        return instance

    @staticmethod
    def _destroy(drv, instance):
        try:
            drv.destroy(None, instance, None)
        except exception.InstanceNotFound:
            pass

    def test_default_stays_on_files_on_the_test_driver(self):
        drv = self.driver(init=False)
        self.assertEqual('default', drv.settings.image_backend)
        self.assertIsNone(drv.settings.pools)
        self.assertIs(qcow2.Qcow2, drv.backend_cls)

    def test_use_storage_pools_chooses_pool_for_default(self):
        conf = self.conf(connection_uri='qemu:///system')
        settings = libvirt_driver.vsettings.LibvirtSettings.from_conf(conf)
        self.assertEqual('pool', settings.image_backend)
        self.assertEqual((os.path.join(self.instances, 'pool'), 'dir', True),
                         (settings.pools.target, settings.pools.type,
                          settings.pools.use_cow))
        conf.set_override('use_storage_pools', False, group='libvirt')
        settings = libvirt_driver.vsettings.LibvirtSettings.from_conf(conf)
        self.assertEqual(('default', None),
                         (settings.image_backend, settings.pools))

    def test_missing_source_fails_at_construction_naming_the_option(self):
        err = self.assertRaises(exception.ConfigurationError, self.driver,
                                images_type='pool',
                                storage_pool_type='logical')
        self.assertIn('[libvirt] storage_pool_source', str(err))

    def test_disks_pool_in_use_elsewhere_fails_at_init_host(self):
        drv = self.driver(images_type='pool')
        self.spawn(drv)
        other = os.path.join(self.tmp, 'other')
        drv.settings = dataclasses.replace(
            drv.settings, pools=dataclasses.replace(drv.settings.pools,
                                                    target=other))
        drv.__dict__.pop('storage')
        err = self.assertRaises(exception.ConfigurationError, drv.init_host,
                                'pool')
        self.assertIn('storage_pool_target', str(err))

    def test_instance_on_file_disks_is_named_and_still_reboots(self):
        drv = self.driver(images_type='pool')
        # An instance spawned before the pools: its disks are qcow2 files.
        pool_storage = drv.storage
        drv.__dict__['storage'] = vstorage.InstanceStorage(
            qcow2.Qcow2(self.instances, pool_storage.backend.cache,
                        base.BackendSettings()), self.instances)
        instance = self.spawn(drv)
        drv.__dict__['storage'] = pool_storage
        logger = self.useFixture(fixtures.FakeLogger())
        drv.init_host('pool')
        self.assertIn('Instance %s still has disks as files (disk)'
                      % instance.uuid, logger.output)
        # The test driver cannot read files into volumes: the move fails,
        # the disks stay files and the reboot happens.
        drv.reboot(None, instance, None, 'HARD')
        disks = drv.host.get_guest(instance).get_config().devices.disks
        self.assertEqual(['file'], [d.type for d in disks])
        self.assertIn('its disks stay files', logger.output)
        self.assertEqual(['disk'], drv.storage.backend.legacy_disk_names(
            instance))
