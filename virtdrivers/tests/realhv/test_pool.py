"""The ``pool`` image backend on the real libvirtd (``qemu:///system``).

``dir`` pools in a temporary directory, with names of their own, so that
nothing here touches the host's ``nova-*-pool``: the shared backend suite
(copy-on-write volumes, full copies, copies by upload as on RBD), what only
real volume data shows (sparse copies, extraction through a temporary pool,
a full pool, a guest-written image header, the upload/download streams,
start-up failures), and the driver: a whole lifecycle on volumes, and an
instance on file disks moved into the pool by a hard reboot with its data.

A real RBD pool (and a logical pool holding volumes: no device-mapper on
these machines) is out of reach here; the upload strategy RBD needs runs
against a ``dir`` pool instead.
"""

import dataclasses
import os
import threading
import time
import uuid

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base as backend_base
from virtdrivers.libvirt.imagebackend import pool
from virtdrivers.testing import realhv
from virtdrivers.tests.realhv import base
from virtdrivers.tests.realhv import test_driver_lifecycle
from virtdrivers.tests.unit.libvirt.imagebackend import helpers
from virtdrivers.tests.unit.libvirt.imagebackend import suite

MiB = helpers.MiB
GiB = 1024 * MiB


def unique_pools(token=None):
    """Pool names of one test: never the host's nova-*-pool."""
    token = token or uuid.uuid4().hex[:8]
    return {'base_pool': 'vdtest-%s-base' % token,
            'disks_pool': 'vdtest-%s-disks' % token}


def forget_pools(host, pools):
    for name in (pools.disks_pool, pools.base_pool):
        storagepools.Pool(host, name).undefine()


def temporary_pools(conn):
    return sorted(p.name() for p in conn.listAllStoragePools(0)
                  if p.name().startswith(storagepools.TEMP_POOL_PREFIX))


class RealPoolMixin:
    """``self.backend``: a Pool on qemu:///system over temporary dirs."""

    use_cow = True
    copy_by_upload = None

    def make_backend(self, cache, target=None, **settings):
        self.hv = realhv.use_or_skip(self, realhv.RealLibvirtFixture())
        self.host = vhost.Host(self.hv.uri)
        self.addCleanup(self.host.cleanup)
        # One pair of names per test: libvirt allows one pool per directory.
        first = '_pool_names' not in self.__dict__
        names = self.__dict__.setdefault('_pool_names', unique_pools())
        self.pools = storagepools.PoolSettings(
            type='dir', target=target or os.path.join(self.instances, 'pool'),
            base_dir=cache.base_dir, use_cow=self.use_cow,
            copy_by_upload=self.copy_by_upload, **names)
        if first:
            self.addCleanup(forget_pools, self.host, self.pools)
        backend = pool.Pool(self.instances, cache, backend_base.BackendSettings(
            use_cow=self.use_cow, **settings), host=self.host, pools=self.pools)
        self.assertEqual(frozenset(), backend.start())
        return backend

    def storage_left(self, instance):
        return [v.name for v in self.backend.disks_pool.volumes(
            instance.uuid + '_')]

    def volume(self, instance, name=context.ROOT):
        return self.backend.disks_pool.lookup(pool.volume_name(instance, name))


class RealPoolCowSuiteTest(RealPoolMixin, suite.BackendSuite,
                           testtools.TestCase):
    """qcow2 volumes backed by the base volume."""


class RealPoolCopySuiteTest(RealPoolMixin, suite.BackendSuite,
                            testtools.TestCase):
    """Raw full copies by createXMLFrom."""

    use_cow = False


class RealPoolUploadSuiteTest(RealPoolMixin, suite.BackendSuite,
                              testtools.TestCase):
    """Copies by upload and download, as for RBD pools."""

    use_cow = False
    copy_by_upload = True


class RealPoolTest(RealPoolMixin, testtools.TestCase):
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

    def start(self, **kwargs):
        self.backend = self.make_backend(self.cache, **kwargs)
        self.addCleanup(self.backend.delete_all, self.instance)
        return self.backend

    def test_full_copies_stay_sparse_unless_preallocated(self):
        self.use_cow = False
        self.start()
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       self.image, GiB)
        desc = self.volume(self.instance).describe()
        self.assertEqual(('raw', GiB, None), (desc.format, desc.capacity,
                                              desc.backing_path))
        self.assertLess(desc.allocation, MiB)
        other = objects.Instance()
        self.backend = self.make_backend(self.cache, preallocate='space')
        self.addCleanup(self.backend.delete_all, other)
        self.backend.create_from_image(None, other, context.ROOT, self.image,
                                       64 * MiB)
        self.assertGreaterEqual(self.volume(other).describe().allocation,
                                64 * MiB)

    def test_new_base_while_another_is_being_copied(self):
        # libvirt refuses to refresh the base pool while a copy reads from
        # it; the new base's refresh waits for the copy instead.
        self.use_cow = False
        self.start()
        data = self.images.path('big.raw')
        with open(data, 'wb') as f:
            f.write(os.urandom(96 * MiB))
        big = self.images.upload(data, 'raw')
        self.cache.fetch(None, big)
        copying = objects.Instance()
        self.addCleanup(self.backend.delete_all, copying)
        errors = []

        def copy():
            try:
                self.backend.create_from_image(None, copying, context.ROOT,
                                               big, 0)
            except Exception as err:
                errors.append(err)

        worker = threading.Thread(target=copy)
        worker.start()
        deadline = time.monotonic() + 30
        while self.volume(copying) is None and worker.is_alive() and \
                time.monotonic() < deadline:
            time.sleep(0.01)
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       self.image, 0)
        worker.join(120)
        self.assertEqual([], errors)
        self.assertEqual(96 * MiB, self.volume(copying).describe().capacity)

    def test_snapshot_extract_goes_through_a_temporary_pool(self):
        self.start()
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       self.image, 0)
        before = temporary_pools(self.hv.connect())
        target = os.path.join(self.tmp, 'snap.qcow2')
        self.backend.snapshot_extract(self.instance, context.ROOT, target,
                                      'qcow2')
        info = helpers.qemu_info(target, 'qcow2')
        self.assertEqual(('qcow2', None), (info['format'],
                                           info.get('backing-filename')))
        raw = os.path.join(self.tmp, 'snap.raw')
        helpers.qemu_img('convert', '-q', '-f', 'qcow2', '-O', 'raw', target,
                         raw)
        self.assertEqual(helpers.MARKER, helpers.read_at(raw))
        self.assertEqual(before, temporary_pools(self.hv.connect()))
        self.assertEqual(['snap.qcow2', 'snap.raw'],
                         sorted(n for n in os.listdir(self.tmp)
                                if n.startswith(('snap', '.pool'))))

    def test_full_pool_leaves_no_partial_volume(self):
        if not helpers.can_mount():
            self.skipTest('needs root and mount for a small tmpfs')
        small = self.useFixture(helpers.Tmpfs(4 * MiB)).path
        self.use_cow = False
        self.start(target=small)
        data = self.images.path('random.raw')
        with open(data, 'wb') as f:
            f.write(os.urandom(8 * MiB))
        image = self.images.upload(data, 'raw')
        self.assertRaises(exception.InsufficientStorage,
                          self.backend.create_from_image, None, self.instance,
                          context.ROOT, image, 0)
        self.assertEqual([], self.storage_left(self.instance))
        self.assertEqual([], os.listdir(small))
        self.assertEqual([], self.cache.references(self.cache.path_for(image.id)))
        self.assertFalse(os.path.exists(os.path.join(self.instances,
                                                     self.instance.uuid)))

    def test_guest_written_image_header_is_never_followed(self):
        self.use_cow = False
        self.start()
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       self.image, 0)
        vol = self.volume(self.instance)
        # The guest writes a qcow2 header naming a host file into its raw
        # disk; libvirt probes it again at the next refresh.
        header = os.path.join(self.tmp, 'evil.qcow2')
        helpers.qemu_img('create', '-q', '-f', 'qcow2', '-b', '/etc/hostname',
                         '-F', 'raw', header, '1M')
        with open(header, 'rb') as src, open(vol.path, 'r+b') as disk:
            disk.write(src.read())
        self.backend.disks_pool.refresh()
        self.assertEqual('qcow2', vol.describe().format)
        err = self.assertRaises(
            exception.ImageBackendError, self.backend.snapshot_extract,
            self.instance, context.ROOT, os.path.join(self.tmp, 'out.raw'),
            'raw')
        self.assertIn('/etc/hostname', str(err))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, 'out.raw')))
        # The domain would still see it as what it is.
        self.assertEqual('raw', self.backend.source(self.instance,
                                                    context.ROOT).format)

    def test_upload_and_download_streams_keep_data_and_holes(self):
        self.use_cow = False
        self.start()
        self.backend.create_blank(self.instance, context.EPHEMERAL, 32 * MiB)
        vol = self.volume(self.instance, context.EPHEMERAL)
        src = os.path.join(self.tmp, 'src.raw')
        with open(src, 'wb') as f:
            f.truncate(32 * MiB)
            f.write(os.urandom(MiB))
            f.seek(20 * MiB)
            f.write(os.urandom(MiB + 123))
        storagepools.upload_volume(src, vol)
        back = os.path.join(self.tmp, 'back.raw')
        storagepools.download_volume(vol, back)
        with open(src, 'rb') as a, open(back, 'rb') as b:
            self.assertEqual(a.read(), b.read())
        self.assertLess(os.stat(back).st_blocks * 512, 4 * MiB)
        # A qcow2 volume comes down as its qcow2 bytes, backing and all.
        self.use_cow = True
        self.backend = self.make_backend(self.cache)
        cow = objects.Instance()
        self.addCleanup(self.backend.delete_all, cow)
        self.backend.create_from_image(None, cow, context.ROOT, self.image, 0)
        down = os.path.join(self.tmp, 'cow.qcow2')
        storagepools.download_volume(self.volume(cow), down)
        info = helpers.qemu_info(down, 'qcow2')
        self.assertEqual(self.cache.path_for(self.image.id),
                         info['backing-filename'])
        self.assertRaises(FileExistsError, storagepools.download_volume,
                          self.volume(cow), down)

    def test_in_use_bases_come_from_backing_stores_and_references(self):
        self.start()
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       self.image, 0)
        copied = self.images.qcow2_image()
        self.use_cow = False
        flat = self.make_backend(self.cache)
        copy = objects.Instance()
        self.addCleanup(flat.delete_all, copy)
        flat.create_from_image(None, copy, context.ROOT, copied, 0)
        cow_base = self.cache.path_for(self.image.id)
        self.cache.remove_reference(cow_base, self.instance.uuid)
        removed, kept = self.backend.cache.manage(0)
        # The overlay by its backing store, the full copy by its reference.
        self.assertEqual(([], sorted([cow_base,
                                      self.cache.path_for(copied.id)])),
                         (removed, sorted(kept)))

    def test_dir_target_that_is_a_file_fails_naming_the_option(self):
        target = os.path.join(self.tmp, 'not-a-dir')
        with open(target, 'w') as f:
            f.write('x')
        err = self.assertRaises(exception.ConfigurationError, self.start,
                                target=target)
        self.assertIn('storage_pool_target', str(err))
        self.assertIsNone(storagepools.Pool(
            self.host, self.pools.disks_pool).describe())

    def test_missing_volume_group_fails_naming_the_option(self):
        self.hv = realhv.use_or_skip(self, realhv.RealLibvirtFixture())
        host = vhost.Host(self.hv.uri)
        self.addCleanup(host.cleanup)
        pools = storagepools.PoolSettings(
            type='logical', source='vdtest-no-such-vg',
            base_dir=self.cache.base_dir, **unique_pools())
        self.addCleanup(forget_pools, host, pools)
        backend = pool.Pool(self.instances, self.cache,
                            backend_base.BackendSettings(), host=host,
                            pools=pools)
        err = self.assertRaises(exception.ConfigurationError, backend.start)
        self.assertIn('storage_pool_source', str(err))
        self.assertIn('vdtest-no-such-vg', str(err))
        self.assertIsNone(storagepools.Pool(host, pools.disks_pool).describe())


class PoolDriverMixin:
    """The driver with ``images_type=default`` (pools), pools of its own."""

    images_type = 'default'

    def make_driver(self, images_type=None):
        conf = base.make_conf(self.workdir, self.hv.virt_type, self.hv.uri,
                              images_type or self.images_type)
        drv = libvirt_driver.LibvirtDriver(
            virtapi.LocalVirtAPI(), conf=conf, image_service=self.images)
        if drv.settings.pools is not None:
            names = getattr(self, '_pool_names', None) or unique_pools()
            self._pool_names = names
            drv.settings = dataclasses.replace(
                drv.settings,
                pools=dataclasses.replace(drv.settings.pools, **names))
            self.addCleanup(forget_pools, drv.host, drv.settings.pools)
        drv.init_host('realhv-host')
        self.addCleanup(drv.cleanup_host, 'realhv-host')
        self.addCleanup(self._destroy_ours, drv)
        return drv


class TestPoolLifecycle(PoolDriverMixin, test_driver_lifecycle.LifecycleTestMixin,
                        base.DriverTestCase):
    """A real guest's lifecycle on ``<disk type='volume'>`` disks."""

    def test_disks_are_volumes(self):
        self.assertIsInstance(self.driver.storage.backend, pool.Pool)
        instance = self.new_instance()
        self.spawn(instance)
        disks = self.driver.host.get_guest(instance).get_config().devices.disks
        self.assertEqual([('volume', '%s_disk' % instance.uuid)],
                         [(d.type, d.source_volume) for d in disks])
        self.wait_boot(instance)


# Where the tests mark a disk: past the guest's own file system.
MARK_AT = GiB - MiB


class TestLegacyInstanceMoves(PoolDriverMixin, base.DriverTestCase):
    def marked_file_instance(self):
        """A stopped instance of the flat backend, its disk file marked.

        :returns: ``(flat driver, instance, disk path, marker)``.
        """
        flat = self.make_driver('flat')
        instance = self.new_instance()
        flat.spawn(self.ctx, instance, self.image, [], None, {},
                   power_on=False)
        disk = os.path.join(self.instances_path, instance.uuid, 'disk')
        marker = b'realhv-pool-marker-' + instance.uuid.encode()
        with open(disk, 'r+b') as f:
            f.seek(MARK_AT)
            f.write(marker)
        return flat, instance, disk, marker

    def assertPooledRoot(self, pooled, instance, marker, size):
        """The root disk is a volume of *size* bytes holding *marker*."""
        extracted = os.path.join(self.workdir, 'moved.raw')
        pooled.power_off(instance)
        pooled.storage.backend.snapshot_extract(instance, context.ROOT,
                                                extracted, 'raw')
        self.assertEqual(size, os.path.getsize(extracted))
        with open(extracted, 'rb') as f:
            f.seek(MARK_AT)
            self.assertEqual(marker, f.read(len(marker)))
        os.unlink(extracted)

    def test_hard_reboot_moves_file_disks_into_the_pool(self):
        flat, instance, disk, marker = self.marked_file_instance()

        logger = self.useFixture(fixtures.FakeLogger())
        pooled = self.make_driver()
        self.assertIn('Instance %s still has disks as files (disk)'
                      % instance.uuid, logger.output)
        self.timed('hard reboot (move)', pooled.reboot, self.ctx, instance,
                   None, 'HARD')
        self.wait_boot(instance, driver=pooled)

        disks = pooled.host.get_guest(instance).get_config().devices.disks
        self.assertEqual([('volume', '%s_disk' % instance.uuid)],
                         [(d.type, d.source_volume) for d in disks])
        self.assertFalse(os.path.exists(disk))
        self.assertEqual([], pooled.storage.backend.legacy_disk_names(instance))
        self.assertPooledRoot(pooled, instance, marker, GiB)
        pooled.destroy(self.ctx, instance, None)
        self.assertEqual([], storagepools.Pool(
            pooled.host, pooled.settings.pools.disks_pool).volumes(
                instance.uuid))

    def test_running_guest_is_never_moved(self):
        flat = self.make_driver('flat')
        instance = self.spawn(self.new_instance(), driver=flat)
        pooled = self.make_driver()
        guest = pooled.host.get_guest(instance)
        self.assertRaises(exception.InstanceInvalidState,
                          pooled.storage.backend.move_into_pool, instance,
                          guest)
        self.assertEqual(['disk'],
                         pooled.storage.backend.legacy_disk_names(instance))
        pooled.destroy(self.ctx, instance, None)

    def test_resize_moves_file_disks_into_the_pool_and_grows_them(self):
        flat, instance, disk, marker = self.marked_file_instance()
        pooled = self.make_driver()
        flat.power_on(self.ctx, instance, None)
        self.wait_boot(instance, driver=pooled)

        bigger = objects.Flavor(**dict(self.flavor, name='realhv.bigger',
                                       root_gb=2))
        self.timed('migrate_disk_and_power_off (move)',
                   pooled.migrate_disk_and_power_off, self.ctx, instance,
                   pooled.settings.host, bigger, None, timeout=30)
        self.assertFalse(os.path.exists(disk))
        self.assertEqual([], pooled.storage.backend.legacy_disk_names(instance))
        instance.flavor = bigger
        migration = objects.Migration(
            instance_uuid=instance.uuid, source_compute=pooled.settings.host,
            dest_compute=pooled.settings.host, migration_type='resize')
        seen = len(self.output(instance, driver=pooled))
        self.timed('finish_migration', pooled.finish_migration, self.ctx,
                   migration, instance, '[]', None, self.image, True, {})
        self.wait_boot(instance, driver=pooled, after=seen)
        disks = pooled.host.get_guest(instance).get_config().devices.disks
        self.assertEqual([('volume', '%s_disk' % instance.uuid)],
                         [(d.type, d.source_volume) for d in disks])
        pooled.confirm_migration(self.ctx, migration, instance, None)

        self.assertPooledRoot(pooled, instance, marker, 2 * GiB)
        pooled.destroy(self.ctx, instance, None)
        self.assertEqual([], storagepools.Pool(
            pooled.host, pooled.settings.pools.disks_pool).volumes(
                instance.uuid))
