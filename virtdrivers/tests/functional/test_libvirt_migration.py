"""Resize, cold migration checks, rebuild and evacuation through the whole
libvirt driver on libvirt's test driver, with real disk files (``flat``),
so what a user would notice is checked: disk sizes and content, the
domain's flavor, what is kept until a confirm or revert.
"""

import json
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
from virtdrivers.libvirt import resize_stash
from virtdrivers.testing import libvirt_test

MiB = 1024 * 1024
GiB = 1024 * MiB


class MigrationTestBase(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.images = local.LocalImageStore(os.path.join(self.tmp, 'images'))
        self.driver = self.make_driver(self.instances, 'source')
        self.image = self.raw_image('first', b'FIRST-IMAGE')

    def make_driver(self, instances_path, host_name):
        conf = vconf.new_conf()
        conf([])
        host = self.useFixture(libvirt_test.PrivateTestHost())
        conf.set_override('connection_uri', host.uri, group='libvirt')
        conf.set_override('virt_type', 'qemu', group='libvirt')
        conf.set_override('images_type', 'flat', group='libvirt')
        conf.set_override('use_storage_pools', False, group='libvirt')
        conf.set_override('instances_path', instances_path)
        conf.set_override('host', host_name)
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                           image_service=self.images)
        drv.init_host(host_name)
        self.addCleanup(drv.cleanup_host, host_name)
        return drv

    def raw_image(self, name, marker, **props):
        path = os.path.join(self.tmp, name + '.raw')
        with open(path, 'wb') as f:
            f.write(marker)
            f.truncate(MiB)
        return self.images.create(None, {
            'name': name, 'disk_format': 'raw', 'container_format': 'bare',
            'properties': props}, data_path=path)

    def flavor(self, name='small', root_gb=1, vcpus=1, **kwargs):
        return objects.Flavor(name=name, memory_mb=128, vcpus=vcpus,
                              root_gb=root_gb, **kwargs)

    def spawn(self, drv=None, image=None, flavor=None):
        instance = objects.Instance(image_ref=(image or self.image).id,
                                    flavor=flavor or self.flavor())
        (drv or self.driver).spawn(None, instance, image or self.image, [], None,
                                   {})
        return instance

    def root_path(self, instance, instances=None):
        return os.path.join(instances or self.instances, instance.uuid, 'disk')

    def read_root(self, instance, length, instances=None):
        with open(self.root_path(instance, instances), 'rb') as f:
            return f.read(length)

    def write_root(self, instance, data):
        with open(self.root_path(instance), 'r+b') as f:
            f.write(data)

    def state(self, instance, drv=None):
        return (drv or self.driver).get_info(instance).state

    def vcpus(self, instance):
        config = self.driver.host.get_guest(instance).get_config(
            dump_inactive=True)
        return int(config.element.findtext('vcpu'))

    def migration(self, instance):
        return objects.Migration(instance_uuid=instance.uuid,
                                 source_compute='source', dest_compute='source',
                                 migration_type='resize')


class ResizeTest(MigrationTestBase):
    def resize(self, instance, flavor):
        disk_info = self.driver.migrate_disk_and_power_off(
            None, instance, 'source', flavor, None)
        instance.flavor = flavor
        self.driver.finish_migration(None, self.migration(instance), instance,
                                     disk_info, None, self.image, True, {})

    def test_resize_grows_the_disk_and_changes_the_flavor(self):
        instance = self.spawn()
        self.write_root(instance, b'GUEST-DATA')
        self.resize(instance, self.flavor('big', root_gb=2, vcpus=2))
        self.assertEqual(power_state.RUNNING, self.state(instance))
        self.assertEqual(2 * GiB, os.path.getsize(self.root_path(instance)))
        self.assertEqual(b'GUEST-DATA', self.read_root(instance, 10))
        self.assertEqual(2, self.vcpus(instance))
        stash = resize_stash.load(self.instances, instance)
        self.assertIsNotNone(stash, 'the source keeps its disks until confirm')
        self.driver.confirm_migration(None, self.migration(instance), instance,
                                      None)
        self.assertFalse(os.path.exists(stash.path))
        self.assertEqual(power_state.RUNNING, self.state(instance))

    def test_revert_brings_back_the_disks_and_flavor(self):
        old = self.flavor()
        instance = self.spawn(flavor=old)
        self.write_root(instance, b'BEFORE')
        self.resize(instance, self.flavor('big', root_gb=2, vcpus=2))
        self.write_root(instance, b'AFTER!')
        instance.flavor = old
        self.driver.finish_revert_migration(None, instance, None,
                                            self.migration(instance))
        self.assertEqual(power_state.RUNNING, self.state(instance))
        self.assertEqual(b'BEFORE', self.read_root(instance, 6))
        self.assertEqual(1 * GiB, os.path.getsize(self.root_path(instance)))
        self.assertEqual(1, self.vcpus(instance))
        self.assertIsNone(resize_stash.load(self.instances, instance))

    def test_revert_without_a_migration_is_refused(self):
        instance = self.spawn()
        err = self.assertRaises(exception.MigrationError,
                                self.driver.finish_revert_migration, None,
                                instance, None, self.migration(instance))
        self.assertIn(instance.uuid, str(err))
        self.assertEqual(power_state.RUNNING, self.state(instance))

    def test_second_resize_before_confirm_is_refused_and_guest_restarts(self):
        instance = self.spawn()
        self.driver.migrate_disk_and_power_off(
            None, instance, 'source', self.flavor('big', root_gb=2), None)
        self.driver.power_on(None, instance, None)
        self.assertRaises(exception.InstanceInvalidState,
                          self.driver.migrate_disk_and_power_off, None, instance,
                          'source', self.flavor('bigger', root_gb=3), None)
        self.assertEqual(power_state.RUNNING, self.state(instance))

    def test_shrinking_names_both_sizes_and_keeps_the_guest_running(self):
        instance = self.spawn(flavor=self.flavor(root_gb=2))
        err = self.assertRaises(exception.MigrationPreCheckError,
                                self.driver.migrate_disk_and_power_off, None,
                                instance, 'source', self.flavor('tiny'), None)
        self.assertIn('from 2 GiB to 1 GiB', str(err))
        self.assertEqual(power_state.RUNNING, self.state(instance))
        self.assertIsNone(resize_stash.load(self.instances, instance))

    def test_another_host_without_shared_storage_is_refused_before_stopping(self):
        instance = self.spawn()
        err = self.assertRaises(exception.MigrationPreCheckError,
                                self.driver.migrate_disk_and_power_off, None,
                                instance, 'elsewhere.invalid', self.flavor(), None)
        self.assertIn("'elsewhere.invalid'", str(err))
        self.assertEqual(power_state.RUNNING, self.state(instance))

    def test_disk_info_lists_the_disks(self):
        instance = self.spawn()
        disk_info = json.loads(self.driver.migrate_disk_and_power_off(
            None, instance, 'source', self.flavor(), None))
        self.assertEqual([self.root_path(instance)], [d['path'] for d in disk_info])
        self.assertEqual(power_state.SHUTDOWN, self.state(instance))


class SharedStorageCheckTest(MigrationTestBase):
    def test_same_instances_path_is_shared(self):
        peer = self.make_driver(self.instances, 'peer')
        instance = self.spawn()
        data = peer.check_instance_shared_storage_local(None, instance)
        self.assertTrue(self.driver.check_instance_shared_storage_remote(None, data))
        peer.check_instance_shared_storage_cleanup(None, data)
        self.assertFalse(self.driver.check_instance_shared_storage_remote(None, data))

    def test_other_instances_path_is_not(self):
        peer = self.make_driver(os.path.join(self.tmp, 'peer'), 'peer')
        instance = self.spawn()
        data = peer.check_instance_shared_storage_local(None, instance)
        self.assertFalse(self.driver.check_instance_shared_storage_remote(None, data))
        peer.check_instance_shared_storage_cleanup(None, data)

    def test_a_path_that_is_not_a_check_file_is_refused(self):
        err = self.assertRaises(exception.InvalidInput,
                                self.driver.check_instance_shared_storage_remote,
                                None, {'filename': '../../etc/passwd'})
        self.assertIn('../../etc/passwd', str(err))


class RebuildTest(MigrationTestBase):
    def test_rebuild_boots_the_new_image(self):
        instance = self.spawn()
        second = self.raw_image('second', b'SECOND-IMAGE')
        self.driver.rebuild(None, instance, second, [], None, {}, [], None, None)
        self.assertEqual(power_state.RUNNING, self.state(instance))
        self.assertEqual(b'SECOND-IMAGE', self.read_root(instance, 12))

    def test_rebuild_with_a_lying_image_keeps_the_instance(self):
        instance = self.spawn()
        lying = self.raw_image('lying', b'QFI\xfb\x00\x00\x00\x03' + b'\0' * 504)
        self.assertRaises(exception.InvalidImage, self.driver.rebuild, None,
                          instance, lying, [], None, {}, [], None, None)
        self.assertEqual(power_state.RUNNING, self.state(instance))
        self.assertEqual(b'FIRST-IMAGE', self.read_root(instance, 11))

    def test_preserve_ephemeral_is_refused_by_name(self):
        instance = self.spawn()
        err = self.assertRaises(exception.InvalidInput, self.driver.rebuild,
                                None, instance, self.image, [], None, {}, [],
                                None, None, preserve_ephemeral=True)
        self.assertIn('preserve_ephemeral', str(err))
        self.assertEqual(power_state.RUNNING, self.state(instance))

    def test_evacuate_onto_shared_disks_keeps_the_data(self):
        instance = self.spawn()
        self.write_root(instance, b'GUEST-DATA')
        # The source host died; its instances_path is shared with this one.
        target = self.make_driver(self.instances, 'target')
        target.rebuild(None, instance, self.image, [], None, {}, [], None, None,
                       evacuate=True)
        self.assertEqual(power_state.RUNNING, self.state(instance, target))
        self.assertEqual(b'GUEST-DATA', self.read_root(instance, 10))

    def test_evacuate_without_shared_disks_builds_from_the_image(self):
        instance = self.spawn()
        other = os.path.join(self.tmp, 'target')
        target = self.make_driver(other, 'target')
        target.rebuild(None, instance, self.image, [], None, {}, [], None, None,
                       evacuate=True)
        self.assertEqual(power_state.RUNNING, self.state(instance, target))
        self.assertEqual(b'FIRST-IMAGE', self.read_root(instance, 11, other))

    def test_evacuate_onto_the_host_that_runs_it_is_refused(self):
        instance = self.spawn()
        self.assertRaises(exception.InstanceExists, self.driver.rebuild, None,
                          instance, self.image, [], None, {}, [], None, None,
                          evacuate=True)
        self.assertEqual(power_state.RUNNING, self.state(instance))
