"""The rbd backend on a real single-node Ceph cluster (testing.ceph).

The shared backend suite, then what only RBD does: cloning an image that
lives in the cluster (no download), direct snapshots, removal of images
with their snapshots, a failed import leaving nothing, pool capacity and
the start-up checks.
"""

import os
import uuid

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import rbd_transfer
from virtdrivers.libvirt import rbd_utils
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import rbd
from virtdrivers.testing import ceph
from virtdrivers.testing import realhv
from virtdrivers.tests.unit.libvirt.imagebackend import helpers
from virtdrivers.tests.unit.libvirt.imagebackend import suite

MiB = helpers.MiB


class CephMixin:
    """The cluster fixture and an Rbd backend on it."""

    def use_ceph(self):
        if getattr(self, 'ceph', None) is None:
            self.ceph = realhv.use_or_skip(self, ceph.CephClusterFixture())
            self.admin = self.ceph.client(user='admin')
        return self.ceph

    def rbd_settings(self, **overrides):
        cluster = self.use_ceph()
        values = dict(pool=cluster.pool, ceph_conf=cluster.conf,
                      user=cluster.user,
                      secret_uuid='3d1ebba2-4b0c-4c7e-9d9a-7b1d6c0f2a11')
        values.update(overrides)
        return rbd.RbdSettings(**values)

    def make_rbd(self, cache, settings=None, **overrides):
        backend = rbd.Rbd(self.instances, cache,
                          settings or base.BackendSettings(),
                          self.rbd_settings(**overrides))
        self.addCleanup(backend.close)
        return backend

    def rbd_images(self, instance, pool=None):
        """The RBD images of *instance* in the pool, with their snapshots
        (``name@snap``)."""
        pool = pool or self.ceph.pool
        found = []
        for name in self.admin.list_images(pool, instance.uuid + '_'):
            found.append(name)
            found.extend('%s@%s' % (name, snap)
                         for snap in self.admin.snapshots(pool, name))
        return found

    def glance_image(self, path, image_id=None):
        """Put raw file *path* into the images pool as Glance's RBD store
        does (an image named by its id, a protected snapshot ``snap``); its
        ImageMeta with ``direct_url``."""
        image_id = image_id or str(uuid.uuid4())
        pool = self.ceph.images_pool
        self.admin.import_file(path, pool, image_id)
        self.addCleanup(self.remove_with_clones, pool, image_id)
        self.admin.create_snapshot(pool, image_id, 'snap', protect=True)
        url = rbd_utils.Location(self.ceph.fsid, pool, image_id, 'snap').url
        return objects.ImageMeta(id=image_id, disk_format='raw',
                                 size=os.path.getsize(path), direct_url=url,
                                 locations=[{'url': url, 'metadata': {}}])


    def remove_with_clones(self, pool, name):
        """Remove an image, and first the clones of its snapshots."""
        for snapshot in self.admin.snapshots(pool, name):
            for child_pool, child in self.admin.children(pool, name, snapshot):
                self.admin.remove(child_pool, child)
        self.admin.remove(pool, name)


class RbdSuiteTest(CephMixin, suite.BackendSuite, testtools.TestCase):
    def make_backend(self, cache):
        return self.make_rbd(cache)

    def storage_left(self, instance):
        return self.rbd_images(instance)


class RbdBackendTest(CephMixin, testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.use_ceph()
        self.images = self.useFixture(helpers.ImageStore())
        self.counting = helpers.CountingImageService(self.images.store)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.counting,
            os.path.join(self.instances, 'locks'))
        self.backend = self.make_rbd(self.cache)
        self.instance = objects.Instance()
        self.addCleanup(self.backend.delete_all, self.instance)

    def raw_file(self, size=8 * MiB):
        return helpers.write_raw(os.path.join(self.tmp, 'img-%d.raw' % size),
                                 size)

    def read_disk(self, instance=None, name=context.ROOT):
        target = os.path.join(self.tmp, 'out-%s.raw' % uuid.uuid4().hex)
        self.backend.snapshot_extract(instance or self.instance, name, target,
                                      'raw')
        return helpers.read_at(target)

    # -- cloning ----------------------------------------------------------

    def test_image_in_the_cluster_is_cloned_not_downloaded(self):
        meta = self.glance_image(self.raw_file())
        source = self.backend.create_from_image(None, self.instance,
                                                context.ROOT, meta, 16 * MiB)
        self.assertEqual(0, self.counting.downloads)
        name = '%s_disk' % self.instance.uuid
        self.assertEqual((self.ceph.images_pool, meta.id, 'snap'),
                         self.admin.parent(self.ceph.pool, name))
        self.assertEqual(16 * MiB, self.admin.size(self.ceph.pool, name))
        self.assertEqual(helpers.MARKER, self.read_disk())
        self.assertEqual('%s/%s' % (self.ceph.pool, name), source.name)
        self.assertEqual([], os.listdir(self.cache.base_dir))
        info = self.backend.disk_info(self.instance)
        self.assertEqual('%s/%s@snap' % (self.ceph.images_pool, meta.id),
                         info[0]['backing_file'])

    def test_image_of_another_cluster_is_downloaded(self):
        meta = self.glance_image(self.raw_file())
        stored = self.images.upload(self.raw_file(), 'raw')
        meta.id = stored.id
        meta.direct_url = rbd_utils.Location(
            str(uuid.uuid4()), self.ceph.images_pool, meta.id, 'snap').url
        meta.locations = []
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       meta, 0)
        self.assertEqual(1, self.counting.downloads)
        self.assertIsNone(self.admin.parent(
            self.ceph.pool, '%s_disk' % self.instance.uuid))

    def test_clone_refuses_a_qcow2_declared_raw(self):
        qcow2 = os.path.join(self.tmp, 'liar.qcow2')
        helpers.qemu_img('create', '-q', '-f', 'qcow2', qcow2, '8M')
        meta = self.glance_image(qcow2)
        self.assertRaises(exception.InvalidImage,
                          self.backend.create_from_image, None, self.instance,
                          context.ROOT, meta, 0)
        self.assertEqual([], self.rbd_images(self.instance))

    def test_clone_smaller_than_image_is_refused(self):
        meta = self.glance_image(self.raw_file())
        self.assertRaises(exception.InvalidInput,
                          self.backend.create_from_image, None, self.instance,
                          context.ROOT, meta, 4 * MiB)
        self.assertEqual([], self.rbd_images(self.instance))

    # -- snapshots and deletion -------------------------------------------

    def test_direct_snapshot_clones_flattens_and_cleans_up(self):
        meta = self.glance_image(self.raw_file())
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       meta, 0)
        snapshot_id = str(uuid.uuid4())
        url = self.backend.direct_snapshot(None, self.instance, snapshot_id,
                                           meta)
        pool = self.ceph.images_pool
        self.addCleanup(self.remove_with_clones, pool, snapshot_id)
        self.assertEqual(rbd_utils.Location(self.ceph.fsid, pool,
                                            snapshot_id, 'snap').url, url)
        self.assertIsNone(self.admin.parent(pool, snapshot_id))  # flattened
        self.assertEqual(['snap'], self.admin.snapshots(pool, snapshot_id))
        # The temporary snapshot of the instance's disk is gone.
        self.assertEqual(['%s_disk' % self.instance.uuid],
                         self.rbd_images(self.instance))
        # The snapshot is an image Glance can hand out: clone it.
        other = objects.Instance()
        self.addCleanup(self.backend.delete_all, other)
        snap_meta = objects.ImageMeta(id=snapshot_id, disk_format='raw',
                                      direct_url=url)
        self.backend.create_from_image(None, other, context.ROOT, snap_meta, 0)
        self.assertEqual(helpers.MARKER, self.read_disk(other))
        self.assertEqual(0, self.counting.downloads)

    def test_direct_snapshot_needs_an_image_in_the_cluster(self):
        stored = self.images.upload(self.raw_file(), 'raw')
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       stored, 0)
        self.assertRaises(exception.NotSupported, self.backend.direct_snapshot,
                          None, self.instance, str(uuid.uuid4()), stored)
        self.assertEqual(['%s_disk' % self.instance.uuid],
                         self.rbd_images(self.instance))

    def test_cleanup_direct_snapshot_removes_the_image(self):
        meta = self.glance_image(self.raw_file())
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       meta, 0)
        snapshot_id = str(uuid.uuid4())
        url = self.backend.direct_snapshot(None, self.instance, snapshot_id,
                                           meta)
        self.assertTrue(self.backend.cleanup_direct_snapshot(url))
        self.assertFalse(self.admin.exists(self.ceph.images_pool, snapshot_id))
        self.assertFalse(self.backend.cleanup_direct_snapshot(url))

    def test_delete_all_removes_images_and_their_snapshots(self):
        stored = self.images.upload(self.raw_file(), 'raw')
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       stored, 0)
        self.backend.create_blank(self.instance, context.SWAP, MiB, 'swap')
        name = '%s_disk' % self.instance.uuid
        self.admin.create_snapshot(self.ceph.pool, name, 'plain')
        self.admin.create_snapshot(self.ceph.pool, name, 'kept', protect=True)
        self.assertEqual(4, len(self.rbd_images(self.instance)))
        self.backend.delete_all(self.instance)
        self.assertEqual([], self.rbd_images(self.instance))
        self.assertEqual([], self.cache.references(
            self.cache.path_for(stored.id)))

    def test_snapshot_extract_qcow2_of_the_disk(self):
        stored = self.images.upload(self.raw_file(), 'raw')
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       stored, 0)
        target = os.path.join(self.tmp, 'snap.qcow2')
        self.backend.snapshot_extract(self.instance, context.ROOT, target,
                                      'qcow2')
        self.assertEqual('qcow2', helpers.qemu_info(target)['format'])
        back = os.path.join(self.tmp, 'back.raw')
        helpers.qemu_img('convert', '-f', 'qcow2', '-O', 'raw', target, back)
        self.assertEqual(helpers.MARKER, helpers.read_at(back))
        self.assertEqual(['%s_disk' % self.instance.uuid],
                         self.rbd_images(self.instance))

    # -- failures ---------------------------------------------------------

    def test_failed_import_removes_the_partial_image(self):
        stored = self.images.upload(self.raw_file(), 'raw')
        calls = []

        def failing_write(image, data, offset):
            calls.append(offset)
            raise OSError(5, 'injected write failure')

        self.useFixture(fixtures.MonkeyPatch(
            'virtdrivers.libvirt.rbd_transfer.ImageTransferMixin._write',
            staticmethod(failing_write)))
        err = self.assertRaises(exception.ImageBackendError,
                                self.backend.create_from_image, None,
                                self.instance, context.ROOT, stored, 0)
        self.assertIn('injected write failure', str(err))
        self.assertEqual([0], calls)
        self.assertEqual([], self.rbd_images(self.instance))
        self.assertEqual([], self.cache.references(
            self.cache.path_for(stored.id)))

    def test_import_is_sparse(self):
        stored = self.images.upload(self.raw_file(size=64 * MiB), 'raw')
        written = []
        real_write = rbd_transfer.ImageTransferMixin._write

        def counting_write(image, data, offset):
            written.append(len(data))
            real_write(image, data, offset)

        self.useFixture(fixtures.MonkeyPatch(
            'virtdrivers.libvirt.rbd_transfer.ImageTransferMixin._write',
            staticmethod(counting_write)))
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       stored, 0)
        self.assertEqual([rbd_utils.CHUNK], written)  # the marker's object
        self.assertEqual(helpers.MARKER, self.read_disk())

    def test_qcow2_base_without_force_raw_is_refused(self):
        cache = imagecache.ImageCache(
            os.path.join(self.tmp, 'base2'), self.counting,
            os.path.join(self.tmp, 'locks2'), force_raw=False)
        backend = self.make_rbd(cache, base.BackendSettings(force_raw=False))
        self.assertFalse(rbd.Rbd.supported_image_types(
            backend.settings)['supports_image_type_qcow2'])
        qcow2 = self.images.qcow2_image()
        err = self.assertRaises(exception.InvalidImage,
                                backend.create_from_image, None, self.instance,
                                context.ROOT, qcow2, 0)
        self.assertIn('force_raw_images', str(err))
        self.assertEqual([], self.rbd_images(self.instance))

    def test_ephemeral_disk_with_a_file_system(self):
        backend = self.make_rbd(self.cache, base.BackendSettings(
            default_ephemeral_format='ext4'))
        backend.create_blank(self.instance, context.EPHEMERAL, 64 * MiB)
        target = os.path.join(self.tmp, 'eph.raw')
        backend.snapshot_extract(self.instance, context.EPHEMERAL, target,
                                 'raw')
        # The ext4 superblock magic (0xEF53 at 1024 + 56).
        self.assertEqual(b'\x53\xef', helpers.read_at(target, 1080, 2))
        self.assertEqual(64 * MiB, os.path.getsize(target))

    # -- the cluster ------------------------------------------------------

    def test_capacity(self):
        total, free = self.backend.capacity()
        self.assertGreater(total, 0)
        self.assertGreater(free, 0)
        self.assertLessEqual(free, total)

    def test_source_is_a_network_disk_with_monitors_and_auth(self):
        stored = self.images.upload(self.raw_file(), 'raw')
        source = self.backend.create_from_image(None, self.instance,
                                                context.ROOT, stored, 0)
        self.assertEqual(('network', 'rbd', 'raw'),
                         (source.type, source.protocol, source.format))
        self.assertEqual(1, len(source.hosts))
        self.assertEqual('127.0.0.1', source.hosts[0][0])
        self.assertEqual(context.DiskAuth(self.ceph.user,
                                          self.rbd_settings().secret_uuid,
                                          'ceph'), source.auth)
        self.assertEqual(self.ceph.key, self.backend.client.keyring_key())

    def test_missing_pool_fails_at_start_naming_the_option(self):
        err = self.assertRaises(exception.ConfigurationError, self.make_rbd,
                                self.cache, pool='no-such-pool')
        self.assertIn('images_rbd_pool=no-such-pool', str(err))

    def test_missing_conf_fails_at_start_naming_the_option(self):
        conf = os.path.join(self.tmp, 'missing.conf')
        err = self.assertRaises(exception.ConfigurationError, self.make_rbd,
                                self.cache, ceph_conf=conf)
        self.assertIn('images_rbd_ceph_conf=%s' % conf, str(err))

    def test_unreachable_cluster_fails_at_start_naming_the_option(self):
        conf = os.path.join(self.tmp, 'elsewhere.conf')
        with open(self.ceph.conf) as f, open(conf, 'w') as out:
            for line in f:
                if line.startswith('mon host'):
                    # A port nothing listens on (discard).
                    line = 'mon host = v1:127.0.0.1:9\n'
                out.write(line)
        settings = self.rbd_settings(ceph_conf=conf, connect_timeout=1)
        err = self.assertRaises(exception.HypervisorUnavailable, rbd.Rbd,
                                self.instances, self.cache,
                                base.BackendSettings(), settings)
        self.assertIn('images_rbd_ceph_conf=%s' % conf, str(err))

    def test_user_without_rights_fails_at_start(self):
        err = self.assertRaises(exception.ConfigurationError, self.make_rbd,
                                self.cache, user='nobody')
        self.assertIn('rbd_user=nobody', str(err))
