"""The ``pool`` image backend on a private libvirt test-driver host.

libvirt's test driver keeps pools and volumes as metadata only (no data,
no upload/download/resize, createXMLFrom within one pool): what depends on
disk content runs on the real libvirtd (``tests/realhv/test_pool.py``).
"""

import os
import threading

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.binding import libvirt
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import pool
from virtdrivers.libvirt.imagebackend import qcow2
from virtdrivers.libvirt.storagepools import wrappers as pool_wrappers
from virtdrivers.testing import libvirt_test
from virtdrivers.tests.unit.libvirt.imagebackend import helpers
from virtdrivers.tests.unit.libvirt.imagebackend import suite

MiB = helpers.MiB
NO_DATA = 'libvirt\'s test driver keeps no volume data (tests/realhv/test_pool.py)'


class TestDriverPoolMixin:
    """``self.backend``: a Pool on a private test-driver host, started."""

    use_cow = True

    def make_backend(self, cache, **settings):
        self.host = vhost.Host(
            self.useFixture(libvirt_test.PrivateTestHost()).uri)
        self.addCleanup(self.host.cleanup)
        self.pools = storagepools.PoolSettings(
            type='dir', target=os.path.join(self.instances, 'pool'),
            base_dir=cache.base_dir, use_cow=self.use_cow)
        backend = pool.Pool(self.instances, cache, base.BackendSettings(
            use_cow=self.use_cow, **settings), host=self.host, pools=self.pools)
        self.limits = backend.start()
        return backend

    def storage_left(self, instance):
        return [v.name for v in self.backend.disks_pool.volumes(
            instance.uuid + '_')]

    def volume(self, instance, name=context.ROOT):
        return self.backend.disks_pool.lookup(pool.volume_name(instance, name))


class PoolSuiteTest(TestDriverPoolMixin, suite.BackendSuite,
                    testtools.TestCase):
    """The shared suite; what needs volume data is checked on realhv."""

    def test_suite_create_from_image_keeps_data_and_size(self):
        instance = self.new_instance()
        source = self.backend.create_from_image(None, instance, context.ROOT,
                                                self.image, 16 * MiB)
        self.assertEqual(16 * MiB, self.virt_size(instance))
        self.assertEqual(source, self.backend.source(instance, context.ROOT))
        err = self.assertRaises(exception.NotSupported, self.extract, instance)
        self.assertEqual('snapshot', err.operation)

    def test_suite_resize_grows_keeps_data_refuses_to_shrink(self):
        self.skipTest(NO_DATA)

    def test_suite_import_config_drive(self):
        instance = self.new_instance()
        err = self.assertRaises(exception.NotSupported, self.backend.import_file,
                                instance, context.CONFIG, __file__, 'raw')
        self.assertEqual('config-drive', err.operation)
        self.assertEqual([], self.storage_left(instance))

    def test_suite_blank_disks(self):
        instance = self.new_instance()
        self.backend.create_blank(instance, context.EPHEMERAL, 2 * MiB)
        self.assertEqual([context.EPHEMERAL], self.backend.disk_names(instance))
        self.assertEqual(2 * MiB, self.virt_size(instance, context.EPHEMERAL))
        err = self.assertRaises(exception.NotSupported, self.backend.create_blank,
                                instance, context.SWAP, MiB, 'swap')
        self.assertEqual('swap-disk', err.operation)

    def test_suite_delete_all_removes_storage_and_references(self):
        instance, other = self.new_instance(), self.new_instance()
        for owner in (instance, other):
            self.backend.create_from_image(None, owner, context.ROOT,
                                           self.image, 0)
        self.backend.create_blank(instance, context.EPHEMERAL, MiB)
        self.backend.delete_all(instance)
        self.assertNothingLeft(instance)
        self.assertEqual([other.uuid], self.cache.references(
            self.cache.path_for(self.image.id)))
        self.assertTrue(self.backend.exists(other, context.ROOT))
        self.backend.delete(instance, context.ROOT)   # idempotent


class PoolVolumesTest(TestDriverPoolMixin, testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.images = self.useFixture(helpers.ImageStore())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'))
        self.backend = self.make_backend(self.cache)
        self.image = self.images.raw_image()
        self.instance = objects.Instance()
        self.addCleanup(self.backend.delete_all, self.instance)

    def test_volumes_are_named_uuid_underscore_disk(self):
        root = self.backend.create_from_image(None, self.instance, context.ROOT,
                                              self.image, 0)
        local = self.backend.create_blank(self.instance, context.EPHEMERAL, MiB)
        uuid = self.instance.uuid
        self.assertEqual(['%s_disk' % uuid, '%s_disk.local' % uuid],
                         self.storage_left(self.instance))
        self.assertEqual(context.DiskSource(
            type='volume', pool=storagepools.DISKS_POOL,
            volume='%s_disk' % uuid, format='qcow2'), root)
        self.assertEqual(('volume', '%s_disk.local' % uuid),
                         (local.type, local.volume))

    def test_cow_volume_has_the_base_as_backing_store(self):
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       self.image, 0)
        desc = self.volume(self.instance).describe()
        self.assertEqual(('qcow2', self.cache.path_for(self.image.id), 'raw'),
                         (desc.format, desc.backing_path, desc.backing_format))
        info, = self.backend.disk_info(self.instance)
        self.assertEqual(os.path.basename(self.cache.path_for(self.image.id)),
                         info['backing_file'])

    def test_pools_exist_and_autostart(self):
        conn = self.host.get_connection()
        for name, target in ((storagepools.BASE_POOL, self.cache.base_dir),
                             (storagepools.DISKS_POOL,
                              os.path.join(self.instances, 'pool'))):
            vir = conn.storagePoolLookupByName(name)
            self.assertTrue(vir.isActive())
            self.assertTrue(vir.autostart())
            self.assertEqual(target, vxml.StoragePool.from_xml(
                vir.XMLDesc(0)).target_path)
        # Started again: nothing to do, nothing changes.
        self.assertEqual(self.limits, self.backend.start())

    def test_in_use_base_found_from_the_backing_store(self):
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       self.image, 0)
        base_path = self.cache.path_for(self.image.id)
        # No reference file (lost, or made by someone else): the volume's
        # backing store alone keeps the base.
        self.cache.remove_reference(base_path, self.instance.uuid)
        removed, kept = self.backend.cache.manage(0)
        self.assertEqual(([], [base_path]), (removed, kept))
        self.backend.delete(self.instance, context.ROOT)
        self.assertEqual([base_path], self.backend.cache.manage(0)[0])

    def test_references_count_outside_manage_only_as_files(self):
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       self.image, 0)
        base_path = self.cache.path_for(self.image.id)
        self.assertEqual([self.instance.uuid],
                         self.backend.cache.references(base_path))

    def test_failed_copy_removes_the_partial_volume(self):
        vol_name = pool.volume_name(self.instance, context.ROOT)
        real_create = libvirt.virStoragePool.createXML

        def half_done(vir, text, flags):
            real_create(vir, text, flags)   # libvirt got this far
            raise libvirt.libvirtError('copy failed half-way')

        self.useFixture(fixtures.MockPatchObject(
            libvirt.virStoragePool, 'createXML', half_done))
        self.assertRaises(exception.ImageBackendError,
                          self.backend.create_from_image, None, self.instance,
                          context.ROOT, self.image, 0)
        self.assertIsNone(self.backend.disks_pool.lookup(vol_name))
        self.assertEqual([], self.backend.disk_names(self.instance))
        self.assertEqual([], self.cache.references(
            self.cache.path_for(self.image.id)))
        self.assertFalse(os.path.exists(os.path.join(self.instances,
                                                     self.instance.uuid)))

    def test_existing_disk_is_refused(self):
        self.backend.create_blank(self.instance, context.EPHEMERAL, MiB)
        self.assertRaises(exception.InvalidInput, self.backend.create_blank,
                          self.instance, context.EPHEMERAL, MiB)

    def test_unrecorded_volume_is_replaced_and_removed(self):
        # A crash between the volume and its record leaves an orphan.
        spec = vxml.StorageVolume.new(name=pool.volume_name(
            self.instance, context.EPHEMERAL), capacity=MiB, format='raw')
        self.backend.disks_pool.create(spec)
        self.backend.create_blank(self.instance, context.EPHEMERAL, 2 * MiB)
        self.assertEqual(2 * MiB, self.volume(
            self.instance, context.EPHEMERAL).describe().capacity)
        orphan = spec
        orphan.name = pool.volume_name(self.instance, 'disk.eph1')
        self.backend.disks_pool.create(orphan)
        self.backend.delete_all(self.instance)
        self.assertEqual([], self.storage_left(self.instance))

    def test_bad_disk_names(self):
        for name in ('', '.hidden', 'a/b'):
            self.assertRaises(exception.InvalidInput, self.backend.create_blank,
                              self.instance, name, MiB)

    def test_no_data_here_limits_what_is_declared(self):
        self.assertEqual(pool.DATA_OPERATIONS, self.limits)
        self.assertFalse(self.backend.keeps_data)

    def test_formatted_ephemeral_disks_are_not_possible_here(self):
        backend = self.make_backend(self.cache, default_ephemeral_format='ext4')
        self.assertIn('ephemeral-disk', self.limits)
        err = self.assertRaises(exception.NotSupported, backend.create_blank,
                                self.instance, context.EPHEMERAL, MiB)
        self.assertEqual('ephemeral-disk', err.operation)

    def test_libvirt_sees_another_format_refused(self):
        # What a refresh shows of a raw disk whose guest wrote a qcow2
        # header: libvirt's word is never taken for the format.
        spec = vxml.StorageVolume.new(
            name='%s_fake' % self.instance.uuid, capacity=MiB,
            format='qcow2', backing_path='/etc/shadow', backing_format='raw')
        vol = self.backend.disks_pool.create(spec)
        self.addCleanup(vol.delete)
        err = self.assertRaises(exception.ImageBackendError, vol.check_format,
                                'raw')
        self.assertIn('backed by /etc/shadow', str(err))
        vol.check_format('qcow2', '/etc/shadow')

    def test_streams_are_not_supported_by_the_test_driver(self):
        self.backend.create_blank(self.instance, context.EPHEMERAL, MiB)
        vol = self.volume(self.instance, context.EPHEMERAL)
        target = os.path.join(self.tmp, 'down')
        self.assertRaises(exception.NotSupported, storagepools.download_volume,
                          vol, target)
        self.assertFalse(os.path.exists(target))
        helpers.write_raw(target, MiB)
        self.assertRaises(exception.NotSupported, storagepools.upload_volume,
                          target, vol)

    def test_refresh_waits_for_copies_from_the_pool(self):
        # libvirt refuses to refresh a pool a copy reads from.
        base_pool = self.backend.base_pool
        done = threading.Event()
        with pool_wrappers._copying_from(base_pool.name):
            worker = threading.Thread(target=lambda: (base_pool.refresh(),
                                                      done.set()))
            worker.start()
            self.assertFalse(done.wait(0.3))
        worker.join(10)
        self.assertTrue(done.is_set())

    def test_temporary_pool_goes_away(self):
        conn = self.host.get_connection()
        before = set(conn.listStoragePools())
        with storagepools.temporary_pool(self.host, self.tmp) as staging:
            self.assertIn(staging.name, conn.listStoragePools())
        self.assertEqual(before, set(conn.listStoragePools()))


class PoolLegacyTest(TestDriverPoolMixin, testtools.TestCase):
    """Disks an instance has as files of the qcow2 backend."""

    def setUp(self):
        super().setUp()
        self.images = self.useFixture(helpers.ImageStore())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'))
        self.image = self.images.raw_image()
        self.instance = objects.Instance()
        self.legacy = qcow2.Qcow2(self.instances, self.cache,
                                  base.BackendSettings())
        self.legacy.create_from_image(None, self.instance, context.ROOT,
                                      self.image, 0)
        self.backend = self.make_backend(self.cache)

    def test_file_disks_keep_working(self):
        self.assertEqual([context.ROOT],
                         self.backend.legacy_disk_names(self.instance))
        self.assertEqual([context.ROOT], self.backend.disk_names(self.instance))
        self.assertEqual('file', self.backend.source(
            self.instance, context.ROOT).type)
        self.assertTrue(self.backend.exists(self.instance, context.ROOT))
        self.assertEqual(1, len(self.backend.disk_info(self.instance)))
        # New disks go into the pool.
        self.backend.create_blank(self.instance, context.EPHEMERAL, MiB)
        self.assertEqual('volume', self.backend.source(
            self.instance, context.EPHEMERAL).type)
        self.assertRaises(exception.InvalidInput, self.backend.create_blank,
                          self.instance, context.ROOT, MiB)
        self.backend.delete_all(self.instance)
        self.assertEqual([], self.backend.disk_names(self.instance))
        self.assertEqual([], self.storage_left(self.instance))
        self.assertFalse(os.path.exists(os.path.join(self.instances,
                                                     self.instance.uuid)))

    def test_move_refused_while_running(self):
        class Running:
            def is_active(self):
                return True

        self.assertRaises(exception.InstanceInvalidState,
                          self.backend.move_into_pool, self.instance, Running())
        self.assertEqual([context.ROOT],
                         self.backend.legacy_disk_names(self.instance))

    def test_failed_move_leaves_the_files(self):
        # The test driver cannot see files: the staging pool is empty.
        self.assertRaises(exception.ImageBackendError,
                          self.backend.move_into_pool, self.instance)
        self.assertEqual([context.ROOT],
                         self.backend.legacy_disk_names(self.instance))
        self.assertEqual([], self.storage_left(self.instance))
        self.backend.delete_all(self.instance)


class PoolStartTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.host = vhost.Host(
            self.useFixture(libvirt_test.PrivateTestHost()).uri)
        self.addCleanup(self.host.cleanup)
        self.cache = imagecache.ImageCache(os.path.join(self.tmp, '_base'),
                                           None, os.path.join(self.tmp, 'locks'))

    def backend(self, use_cow=True, **pools):
        pools.setdefault('target', os.path.join(self.tmp, 'pool'))
        return pool.Pool(self.tmp, self.cache, base.BackendSettings(
            use_cow=use_cow), host=self.host, pools=storagepools.PoolSettings(
                base_dir=self.cache.base_dir, use_cow=use_cow, **pools))

    def test_moved_disks_pool_with_volumes_fails_naming_the_options(self):
        first = self.backend()
        first.start()
        first.disks_pool.create(vxml.StorageVolume.new(
            name='someone_disk', capacity=MiB, format='raw'))
        moved = self.backend(target=os.path.join(self.tmp, 'elsewhere'))
        err = self.assertRaises(exception.ConfigurationError, moved.start)
        self.assertIn('storage_pool_target', str(err))
        self.assertIn('holds volumes', str(err))

    def test_empty_pools_follow_the_options(self):
        self.backend().start()
        elsewhere = os.path.join(self.tmp, 'elsewhere')
        self.backend(target=elsewhere).start()
        desc = storagepools.Pool(self.host, storagepools.DISKS_POOL).describe()
        self.assertEqual(elsewhere, desc.target_path)

    def test_copies_need_a_hypervisor_that_keeps_data(self):
        err = self.assertRaises(exception.ConfigurationError,
                                self.backend(use_cow=False).start)
        self.assertIn('use_cow_images', str(err))

    def test_backend_needs_host_and_pools(self):
        self.assertRaises(exception.ConfigurationError, pool.Pool, self.tmp,
                          self.cache, base.BackendSettings())

    def test_other_pool_types_are_described_to_libvirt(self):
        pools = storagepools.PoolSettings(type='logical', source='vg0',
                                          base_dir=self.cache.base_dir)
        self.assertEqual(('logical', 'vg0', '/dev/vg0', False, 'raw'), (
            pools.disks_pool_xml().type, pools.disks_pool_xml().source.name,
            pools.disks_pool_xml().target_path, pools.cow,
            pools.volume_format))
        nfs = storagepools.PoolSettings(type='netfs', source='nas:/export',
                                        target='/mnt/pool').disks_pool_xml()
        self.assertEqual((['nas'], '/export'), (
            [h.name for h in nfs.source.hosts], nfs.source.dir))
        rbd = storagepools.PoolSettings(type='rbd', source='mon1:vms')
        self.assertTrue(rbd.copy_by_upload)
        self.assertEqual((['mon1'], 'vms', None), (
            [h.name for h in rbd.disks_pool_xml().source.hosts],
            rbd.disks_pool_xml().source.name,
            rbd.disks_pool_xml().target_path))


class PoolSettingsTest(testtools.TestCase):
    def test_rbd_monitors_with_ports_and_cephx_auth(self):
        secret = '11111111-2222-3333-4444-555555555555'
        xml = storagepools.PoolSettings(
            type='rbd', source='10.0.0.1:6789, mon2,[::1]:3300:vms',
            auth_user='nova', secret_uuid=secret).disks_pool_xml()
        self.assertEqual(
            ([('10.0.0.1', 6789), ('mon2', None), ('::1', 3300)], 'vms',
             'ceph', 'nova', secret),
            ([(h.name, h.port) for h in xml.source.hosts], xml.source.name,
             xml.source.auth.type, xml.source.auth.username,
             xml.source.auth.secret_uuid))
        # No <auth> without both; a monitor list needs a pool name.
        bare = storagepools.PoolSettings(type='rbd', source='vms',
                                         auth_user='nova').disks_pool_xml()
        self.assertNotIn('<auth', bare.to_xml())
        self.assertRaises(exception.ConfigurationError,
                          storagepools.PoolSettings, type='rbd',
                          source='mon1:')

    def test_missing_source_names_the_option(self):
        for kind in ('logical', 'fs', 'rbd', 'netfs'):
            err = self.assertRaises(exception.ConfigurationError,
                                    storagepools.PoolSettings, type=kind)
            self.assertIn('[libvirt] storage_pool_source', str(err))
        err = self.assertRaises(exception.ConfigurationError,
                                storagepools.PoolSettings, type='netfs',
                                source='no-host-here', target='/mnt')
        self.assertIn('HOST:/PATH', str(err))

    def test_unknown_type(self):
        self.assertRaises(exception.ConfigurationError,
                          storagepools.PoolSettings, type='floppy')

    def test_formats(self):
        self.assertEqual('qcow2', storagepools.PoolSettings(
            target='/p').volume_format)
        self.assertEqual('raw', storagepools.PoolSettings(
            target='/p', use_cow=False).volume_format)

    def test_images_type_and_use_storage_pools(self):
        name = storagepools.backend_name
        qemu = 'qemu:///system'
        self.assertEqual('pool', name('default', True, qemu))
        self.assertEqual('default', name('default', False, qemu))
        for explicit in ('qcow2', 'flat', 'raw', 'lvm', 'rbd', 'ploop', 'pool'):
            self.assertEqual(explicit, name(explicit, True, qemu))
        # libvirt's test driver keeps no volume data; volume disks are
        # QEMU's (not verified with libxl or vz).
        for uri in ('test:///default', 'xen:///system',
                    'parallels:///system'):
            self.assertEqual('default', name('default', True, uri))
            self.assertEqual('pool', name('pool', True, uri))
        self.assertEqual('pool', name('default', True, 'qemu+ssh://h/system'))

    def test_volume_name(self):
        instance = objects.Instance()
        self.assertEqual(instance.uuid + '_disk.local',
                         pool.volume_name(instance, 'disk.local'))
        self.assertRaises(exception.InvalidInput, pool.volume_name, instance,
                          '../disk')
