"""Live migration pre-checks between two LibvirtDrivers on private test
hosts: mixed hypervisors and storage that does not fit are refused before
anything moves (the test driver cannot migrate; realhv proves the move)."""

import os

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import shared_storage
from virtdrivers.testing import libvirt_test


class LiveMigrationChecksTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.workdir = self.useFixture(fixtures.TempDir()).path
        self.images = local.LocalImageStore(os.path.join(self.workdir, 'images'))
        path = os.path.join(self.workdir, 'disk.raw')
        with open(path, 'wb') as f:
            f.truncate(1024 * 1024)
        self.image = self.images.create(None, {
            'name': 'disk', 'disk_format': 'raw', 'container_format': 'bare'},
            data_path=path)

    def make_driver(self, host, virt_type='qemu', instances=None):
        conf = vconf.new_conf()
        conf([], project='virtdrivers-functional')
        conf.set_override('host', host)
        conf.set_override('instances_path', os.path.join(
            self.workdir, instances or host))
        test_host = self.useFixture(libvirt_test.PrivateTestHost())
        conf.set_override('connection_uri', test_host.uri, group='libvirt')
        conf.set_override('virt_type', virt_type, group='libvirt')
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                           image_service=self.images)
        drv.init_host(host)
        self.addCleanup(drv.cleanup_host, host)
        return drv

    def spawn(self, drv):
        instance = objects.Instance(image_ref=self.image.id,
                                    flavor=objects.Flavor(memory_mb=128,
                                                          root_gb=1))
        drv.spawn(None, instance, self.image, [], None, {})
        self.addCleanup(drv.destroy, None, instance, None)
        return instance

    def test_destination_refuses_another_hypervisor(self):
        source = self.make_driver('kvm-host', 'kvm')
        dest = self.make_driver('xen-host', 'xen')
        instance = self.spawn(source)
        err = self.assertRaises(
            exception.MigrationPreCheckError,
            dest.check_can_live_migrate_destination, None, instance,
            source.get_available_resource('kvm-host'),
            dest.get_available_resource('xen-host'))
        self.assertIn('source host kvm-host runs kvm and destination host '
                      'xen-host runs xen', str(err))

    def test_source_refuses_another_hypervisor(self):
        # A destination that was not told the source's type: the source
        # compares with what the destination reported of itself.
        source = self.make_driver('qemu-host', 'qemu')
        dest = self.make_driver('vz-host', 'parallels')
        instance = self.spawn(source)
        data = dest.check_can_live_migrate_destination(None, instance, {}, {})
        self.addCleanup(dest.cleanup_live_migration_destination_check, None,
                        data)
        err = self.assertRaises(exception.MigrationPreCheckError,
                                source.check_can_live_migrate_source, None,
                                instance, data)
        self.assertIn('runs qemu and destination host vz-host runs parallels',
                      str(err))
        self.assertEqual(power_state.RUNNING, source.get_info(instance).state)

    def test_storage_decides_block_migration(self):
        source = self.make_driver('src', instances='shared')
        shared = self.make_driver('dst-shared', instances='shared')
        own = self.make_driver('dst-own')
        instance = self.spawn(source)

        def check(dest, block):
            data = dest.check_can_live_migrate_destination(
                None, instance, {}, {}, block_migration=block)
            try:
                return source.check_can_live_migrate_source(None, instance,
                                                            data)
            finally:
                dest.cleanup_live_migration_destination_check(None, data)

        self.assertEqual((True, False), tuple(
            check(shared, None)[k] for k in ('is_shared_instance_path',
                                             'block_migration')))
        self.assertEqual((False, True), tuple(
            check(own, None)[k] for k in ('is_shared_instance_path',
                                          'block_migration')))
        err = self.assertRaises(exception.MigrationPreCheckError, check, own,
                                False)
        self.assertIn('needs a block migration', str(err))
        self.assertEqual([], [n for n in os.listdir(shared.settings.instances_path)
                              if n.startswith(shared_storage.PREFIX)])

    def test_block_migration_of_a_config_drive_is_refused(self):
        source = self.make_driver('src')
        dest = self.make_driver('dst')
        other = objects.Instance(image_ref=self.image.id, config_drive='True',
                                 flavor=objects.Flavor(memory_mb=128,
                                                       root_gb=1))
        source.spawn(None, other, self.image, [], None, {})
        self.addCleanup(source.destroy, None, other, None)
        data = dest.check_can_live_migrate_destination(None, other, {}, {},
                                                       block_migration=True)
        self.addCleanup(dest.cleanup_live_migration_destination_check, None,
                        data)
        err = self.assertRaises(exception.MigrationPreCheckError,
                                source.check_can_live_migrate_source, None,
                                other, data)
        self.assertIn('config drive', str(err))
