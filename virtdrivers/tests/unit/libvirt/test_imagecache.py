"""ImageCache against a real LocalImageStore, real qemu-img and real files."""

import hashlib
import json
import os
import threading
import time
import uuid

import fixtures
import testtools
from oslo_concurrency import lockutils
from oslo_config import cfg

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.conf import default
from virtdrivers.conf import image_cache
from virtdrivers.libvirt import imagecache
from virtdrivers.tests.unit.libvirt.imagebackend import helpers

MiB = helpers.MiB
DAY = 24 * 3600


@testtools.skipUnless(helpers.QEMU_IMG, 'qemu-img is not installed')
class ImageCacheTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.images = self.useFixture(helpers.ImageStore())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.base_dir = os.path.join(self.tmp, '_base')
        self.service = helpers.CountingImageService(self.images.store)
        self.cache = self.make_cache()

    def make_cache(self, base_dir=None, **kwargs):
        return imagecache.ImageCache(
            base_dir or self.base_dir, self.service,
            os.path.join(self.tmp, 'locks'), **kwargs)

    def assertNothingLeft(self, base_dir=None):
        self.assertEqual([], helpers.listing(base_dir or self.base_dir))

    def assertLockFree(self, image_id):
        # The external lock can be taken at once: the failure released it.
        with lockutils.lock(
                imagecache.LOCK_PREFIX + imagecache.cache_name(image_id),
                external=True, lock_path=os.path.join(self.tmp, 'locks'),
                blocking=False):
            pass

    # -- fetching ---------------------------------------------------------

    def test_raw_image_is_cached_under_sha1_of_its_id(self):
        image = self.images.raw_image()
        cached = self.cache.fetch(None, image)
        name = hashlib.sha1(image.id.encode()).hexdigest()
        self.assertEqual(os.path.join(self.base_dir, name), cached.path)
        self.assertEqual(('raw', 8 * MiB, image.id),
                         (cached.format, cached.virtual_size, cached.image_id))
        self.assertEqual(helpers.MARKER, helpers.read_at(cached.path))
        self.assertEqual([name, name + '.info'],
                         helpers.listing(self.base_dir))

    def test_qcow2_is_converted_to_raw_when_forced(self):
        image = self.images.qcow2_image(size=12 * MiB)
        cached = self.cache.fetch(None, image)
        self.assertEqual(('raw', 12 * MiB), (cached.format,
                                             cached.virtual_size))
        info = helpers.qemu_info(cached.path)
        self.assertEqual(('raw', 12 * MiB),
                         (info['format'], info['virtual-size']))
        self.assertEqual(helpers.MARKER, helpers.read_at(cached.path))

    def test_qcow2_is_kept_without_force_raw(self):
        cache = self.make_cache(force_raw=False)
        cached = cache.fetch(None, self.images.qcow2_image(size=12 * MiB))
        self.assertEqual(('qcow2', 12 * MiB), (cached.format,
                                               cached.virtual_size))
        self.assertEqual('qcow2', helpers.qemu_info(cached.path)['format'])

    def test_second_fetch_is_a_hit_without_download_or_inspection(self):
        image = self.images.qcow2_image()
        first = self.cache.fetch(None, image)
        self.useFixture(fixtures.MockPatch(
            'virtdrivers.image.inspect.inspect_image',
            side_effect=AssertionError('inspected again')))
        self.useFixture(fixtures.MockPatch(
            'virtdrivers.image.qemuimg.info',
            side_effect=AssertionError('qemu-img info on a hit')))
        self.assertEqual(first, self.cache.fetch(None, image))
        self.assertEqual(1, self.service.downloads)

    def test_concurrent_fetches_download_once(self):
        image = self.images.qcow2_image()
        self.service.delay = 0.3
        barrier = threading.Barrier(8)
        results, errors = [], []

        def fetch():
            barrier.wait()
            try:
                results.append(self.cache.fetch(None, image))
            except Exception as err:
                errors.append(err)

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual([], errors)
        self.assertEqual(1, self.service.downloads)
        self.assertEqual(8, len(results))
        self.assertEqual(1, len(set(results)))

    def test_disk_ops_bound_concurrent_downloads(self):
        first, second = self.images.raw_image(), self.images.qcow2_image()
        cache = self.make_cache(disk_ops=threading.BoundedSemaphore(1))
        self.service.delay = 0.3
        threads = [threading.Thread(target=cache.fetch, args=(None, image))
                   for image in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(2, self.service.downloads)
        self.assertEqual(1, self.service.max_running)

    def test_missing_disk_format_is_read_from_the_service(self):
        image = self.images.qcow2_image()
        meta = objects.ImageMeta(id=image.id)
        self.assertEqual('raw', self.cache.fetch(None, meta).format)

    def test_lost_info_file_is_rebuilt_by_inspection(self):
        image = self.images.qcow2_image(size=12 * MiB)
        cached = self.cache.fetch(None, image)
        os.unlink(cached.path + imagecache.INFO_SUFFIX)
        self.assertEqual(cached, self.cache.fetch(None, image))
        with open(cached.path + imagecache.INFO_SUFFIX) as f:
            self.assertEqual('raw', json.load(f)['format'])
        self.assertEqual(1, self.service.downloads)

    # -- failures leave nothing -------------------------------------------

    def test_unknown_image_is_not_found(self):
        missing = str(uuid.uuid4())
        err = self.assertRaises(exception.ImageNotFound, self.cache.fetch,
                                None, objects.ImageMeta(id=missing,
                                                        disk_format='raw'))
        self.assertIn(missing, str(err))
        self.assertNothingLeft()
        self.assertLockFree(missing)

    def test_qcow2_with_backing_file_is_refused(self):
        backing = helpers.write_raw(self.images.path('host-secret'))
        bad = self.images.path('bad.qcow2')
        helpers.qemu_img('create', '-q', '-f', 'qcow2', '-b', backing,
                         '-F', 'raw', bad)
        image = self.images.upload(bad, 'qcow2')
        err = self.assertRaises(exception.InvalidImage, self.cache.fetch,
                                None, image)
        self.assertIn(image.id, str(err))
        self.assertIn('backing file', str(err))
        self.assertNothingLeft()
        self.assertLockFree(image.id)

    def test_qcow2_declared_raw_is_refused(self):
        helpers.qemu_img('create', '-q', '-f', 'qcow2',
                         self.images.path('liar'), '8M')
        image = self.images.upload(self.images.path('liar'), 'raw')
        err = self.assertRaises(exception.InvalidImage, self.cache.fetch,
                                None, image)
        self.assertIn('content is qcow2 but disk_format says raw', str(err))
        self.assertNothingLeft()

    def test_tampered_data_fails_its_checksum(self):
        image = self.images.raw_image()
        with open(self.images.data_path(image), 'r+b') as f:
            f.write(b'evil')
        err = self.assertRaises(exception.ImageDownloadError,
                                self.cache.fetch, None, image)
        self.assertIn(image.id, str(err))
        self.assertIn('checksum', str(err))
        self.assertNothingLeft()
        self.assertLockFree(image.id)

    def test_foreign_service_error_is_a_download_error(self):
        image = self.images.raw_image()
        self.useFixture(fixtures.MockPatchObject(
            self.images.store, 'download',
            side_effect=ConnectionResetError('peer went away')))
        err = self.assertRaises(exception.ImageDownloadError,
                                self.cache.fetch, None, image)
        self.assertIn('peer went away', str(err))
        self.assertNothingLeft()

    def test_failed_conversion_leaves_nothing(self):
        image = self.images.qcow2_image()

        def convert(src, src_fmt, dst, dst_fmt, sparse=True):
            with open(dst, 'wb') as f:
                f.write(b'half a disk')
            raise exception.ImageBackendError(
                backend='qemu-img', reason='Could not read: I/O error')

        self.useFixture(fixtures.MockPatch(
            'virtdrivers.image.qemuimg.convert', side_effect=convert))
        err = self.assertRaises(exception.InvalidImage, self.cache.fetch,
                                None, image)
        self.assertIn('conversion from qcow2 to raw failed', str(err))
        self.assertNothingLeft()

    @testtools.skipUnless(helpers.can_mount(), 'mounting tmpfs needs root')
    def test_full_disk_during_download(self):
        tmpfs = self.useFixture(helpers.Tmpfs(2 * MiB))
        with open(self.images.path('big'), 'wb') as f:
            f.write(os.urandom(3 * MiB))
        image = self.images.upload(self.images.path('big'), 'raw')
        cache = self.make_cache(base_dir=tmpfs.path)
        err = self.assertRaises(exception.ImageDownloadError, cache.fetch,
                                None, image)
        self.assertIn(image.id, str(err))
        self.assertIn('No space left', str(err))
        self.assertNothingLeft(tmpfs.path)
        self.assertLockFree(image.id)

    @testtools.skipUnless(helpers.can_mount(), 'mounting tmpfs needs root')
    def test_full_disk_during_conversion(self):
        tmpfs = self.useFixture(helpers.Tmpfs(2 * MiB))
        # Compressed, the qcow2 fits; its 6 MiB of data as raw do not.
        src = self.images.path('dense.raw')
        with open(src, 'wb') as f:
            f.write(b'A' * (6 * MiB))
        qcow2 = self.images.path('dense.qcow2')
        helpers.qemu_img('convert', '-q', '-c', '-f', 'raw', '-O', 'qcow2',
                         src, qcow2)
        self.assertLess(os.path.getsize(qcow2), MiB)
        image = self.images.upload(qcow2, 'qcow2')
        cache = self.make_cache(base_dir=tmpfs.path)
        err = self.assertRaises(exception.ImageDownloadError, cache.fetch,
                                None, image)
        self.assertIn(image.id, str(err))
        self.assertIn('no space left', str(err))
        self.assertNothingLeft(tmpfs.path)

    # -- references -------------------------------------------------------

    def test_references_are_files_per_instance(self):
        cached = self.cache.fetch(None, self.images.raw_image())
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        self.assertTrue(self.cache.add_reference(cached, a))
        self.assertFalse(self.cache.add_reference(cached, a))
        self.cache.add_reference(cached, b)
        self.assertEqual(sorted([a, b]), self.cache.references(cached.path))
        self.assertTrue(os.path.isfile(os.path.join(
            cached.path + '.refs', a)))
        self.assertTrue(self.cache.remove_reference(cached.path, a))
        self.assertFalse(self.cache.remove_reference(cached, a))
        self.assertEqual([b], self.cache.references(cached.path))

    def test_fetch_for_an_instance_adds_its_reference(self):
        owner = str(uuid.uuid4())
        cached = self.cache.fetch(None, self.images.raw_image(),
                                  instance_uuid=owner)
        self.assertEqual([owner], self.cache.references(cached.path))

    def test_remove_instance_drops_all_its_references(self):
        one = self.cache.fetch(None, self.images.raw_image())
        two = self.cache.fetch(None, self.images.qcow2_image())
        gone, stays = str(uuid.uuid4()), str(uuid.uuid4())
        for cached in (one, two):
            self.cache.add_reference(cached, gone)
        self.cache.add_reference(two, stays)
        self.assertEqual(sorted([one.path, two.path]),
                         self.cache.remove_instance(gone))
        self.assertEqual([], self.cache.references(one.path))
        self.assertEqual([stays], self.cache.references(two.path))

    def test_reference_to_an_uncached_base_is_refused(self):
        cached = imagecache.CachedImage(
            os.path.join(self.base_dir, 'f' * 40), 'raw', MiB)
        self.assertRaises(exception.ImageBackendError,
                          self.cache.add_reference, cached, str(uuid.uuid4()))
        self.assertNothingLeft()

    def test_uuid_that_is_a_path_is_refused(self):
        cached = self.cache.fetch(None, self.images.raw_image())
        for bad in ('../../etc', '', '.hidden'):
            self.assertRaises(exception.InvalidInput,
                              self.cache.add_reference, cached, bad)

    # -- manage -----------------------------------------------------------

    def age(self, cached, seconds):
        then = time.time() - seconds
        for path in (cached.path, cached.path + '.info',
                     cached.path + '.refs'):
            if os.path.lexists(path):
                os.utime(path, (then, then))

    def test_manage_removes_only_old_unreferenced_bases(self):
        used = self.cache.fetch(None, self.images.raw_image(size=4 * MiB))
        self.cache.add_reference(used, str(uuid.uuid4()))
        old = self.cache.fetch(None, self.images.raw_image(size=5 * MiB))
        young = self.cache.fetch(None, self.images.raw_image(size=6 * MiB))
        self.age(used, 2 * DAY)
        self.age(old, 2 * DAY)
        self.age(young, 60)
        removed, kept = self.cache.manage(DAY)
        self.assertEqual([old.path], removed)
        self.assertEqual(sorted([used.path, young.path]), sorted(kept))
        self.assertFalse(os.path.lexists(old.path))
        self.assertFalse(os.path.lexists(old.path + '.info'))
        self.assertTrue(os.path.isfile(used.path))

    def test_manage_removes_a_base_whose_last_reference_went_long_ago(self):
        owner = str(uuid.uuid4())
        cached = self.cache.fetch(None, self.images.raw_image(),
                                  instance_uuid=owner)
        self.cache.remove_reference(cached, owner)
        self.age(cached, 2 * DAY)
        self.assertEqual(([cached.path], []), self.cache.manage(DAY))
        self.assertNothingLeft()

    def test_recent_reference_removal_counts_as_use(self):
        owner = str(uuid.uuid4())
        cached = self.cache.fetch(None, self.images.raw_image(),
                                  instance_uuid=owner)
        self.age(cached, 2 * DAY)
        self.cache.remove_reference(cached, owner)  # touches .refs: now
        self.assertEqual(([], [cached.path]), self.cache.manage(3600))

    def test_fetch_hit_counts_as_use(self):
        image = self.images.raw_image()
        cached = self.cache.fetch(None, image)
        self.age(cached, 2 * DAY)
        self.cache.fetch(None, image)
        self.assertEqual(([], [cached.path]), self.cache.manage(3600))

    def test_remove_unused_false_keeps_everything(self):
        cached = self.cache.fetch(None, self.images.raw_image())
        self.age(cached, 2 * DAY)
        self.assertEqual(([], [cached.path]),
                         self.cache.manage(0, remove_unused=False))
        self.assertTrue(os.path.isfile(cached.path))

    def test_manage_skips_a_base_being_fetched(self):
        cached = self.cache.fetch(None, self.images.raw_image())
        self.age(cached, 2 * DAY)
        with lockutils.lock(imagecache.LOCK_PREFIX +
                            os.path.basename(cached.path)):
            result = []
            thread = threading.Thread(
                target=lambda: result.append(self.cache.manage(0)))
            thread.start()
            thread.join(10)
        self.assertEqual([([], [cached.path])], result)
        self.assertTrue(os.path.isfile(cached.path))

    def test_manage_removes_orphaned_temporaries_older_than_a_day(self):
        name = 'a' * 40
        old = os.path.join(self.base_dir, '.tmp-%s-dead' % name)
        new = os.path.join(self.base_dir, '.tmp-%s-live' % name)
        for path in (old, new):
            os.mkdir(path)
            with open(os.path.join(path, 'data'), 'wb') as f:
                f.write(b'partial')
        orphan_info = os.path.join(self.base_dir, name + '.info')
        with open(orphan_info, 'w') as f:
            f.write('{}')
        then = time.time() - 2 * DAY
        os.utime(old, (then, then))
        os.utime(orphan_info, (then, then))
        self.cache.manage(DAY)
        self.assertFalse(os.path.lexists(old))
        self.assertFalse(os.path.lexists(orphan_info))
        self.assertTrue(os.path.isdir(new))

    def test_manage_leaves_files_it_does_not_own(self):
        foreign = os.path.join(self.base_dir, 'ephemeral_20_abc')
        with open(foreign, 'wb') as f:
            f.write(b'x')
        then = time.time() - 30 * DAY
        os.utime(foreign, (then, then))
        self.assertEqual(([], []), self.cache.manage(0))
        self.assertTrue(os.path.exists(foreign))


class CacheFromConfTest(testtools.TestCase):

    def test_paths_and_limits_come_from_options(self):
        conf = cfg.ConfigOpts()
        default.register_opts(conf)
        image_cache.register_opts(conf)
        tmp = self.useFixture(fixtures.TempDir()).path
        conf([], project='virtdrivers', default_config_files=[])
        conf.set_override('instances_path', tmp)
        conf.set_override('max_concurrent_disk_ops', 2)
        conf.set_override('force_raw_images', False)
        cache = imagecache.ImageCache.from_conf(conf, object())
        self.assertEqual(os.path.join(tmp, '_base'), cache.base_dir)
        self.assertEqual(os.path.join(tmp, 'locks'), cache.lock_path)
        self.assertFalse(cache.force_raw)
        self.assertTrue(cache.disk_ops.acquire(blocking=False))
        self.assertTrue(cache.disk_ops.acquire(blocking=False))
        self.assertFalse(cache.disk_ops.acquire(blocking=False))
