"""The backend test suite every image backend runs (issue: image backends).

A backend's test case mixes :class:`BackendSuite` into a
``testtools.TestCase`` and implements :meth:`BackendSuite.make_backend`
(and :meth:`BackendSuite.storage_left` to say what of the backend's own
storage an instance still holds: files, volumes, logical volumes, RBD
images). Everything else goes through the
:class:`~virtdrivers.libvirt.imagebackend.base.ImageBackend` contract, with
a real image store and a real image cache, so the same scenarios hold every
backend to the same behaviour.
"""

import os

import fixtures

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.image import configdrive
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt.builder import context
from virtdrivers.tests.unit.libvirt.imagebackend import helpers

MiB = helpers.MiB


class BackendSuite:
    def make_backend(self, cache):
        """The backend under test, using *cache* for base images."""
        raise NotImplementedError

    def storage_left(self, instance):
        """Names of the backend's storage objects *instance* still has."""
        return self.backend.disk_names(instance)

    def setUp(self):
        super().setUp()
        self.images = self.useFixture(helpers.ImageStore())
        self.counting = helpers.CountingImageService(self.images.store)
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.counting,
            os.path.join(self.instances, 'locks'))
        self.backend = self.make_backend(self.cache)
        self.instance = objects.Instance()
        self.image = self.images.raw_image(size=8 * MiB)
        self.addCleanup(self._delete_all)

    def _delete_all(self):
        for instance in getattr(self, '_instances', ()):
            self.backend.delete_all(instance)

    def new_instance(self):
        instance = objects.Instance()
        self.__dict__.setdefault('_instances', []).append(instance)
        return instance

    def extract(self, instance, name='disk'):
        target = os.path.join(self.tmp, 'extract-%s-%s.raw'
                              % (instance.uuid, name))
        self.backend.snapshot_extract(instance, name, target, 'raw')
        return target

    def virt_size(self, instance, name='disk'):
        for disk in self.backend.disk_info(instance):
            if os.path.basename(disk['path']).endswith(name) or \
                    disk['path'].endswith('_' + name):
                return disk['virt_disk_size']
        self.fail('no disk %s in %s' % (name, self.backend.disk_info(instance)))
        return None

    def assertNothingLeft(self, instance):
        self.assertEqual([], self.storage_left(instance))
        base = self.cache.path_for(self.image.id)
        self.assertNotIn(instance.uuid, self.cache.references(base))

    # -- the scenarios ----------------------------------------------------

    def test_suite_create_from_image_keeps_data_and_size(self):
        instance = self.new_instance()
        source = self.backend.create_from_image(None, instance, context.ROOT,
                                                self.image, 16 * MiB)
        self.assertIsInstance(source, context.DiskSource)
        self.assertEqual(16 * MiB, self.virt_size(instance))
        self.assertEqual(helpers.MARKER, helpers.read_at(self.extract(instance)))
        self.assertTrue(self.backend.exists(instance, context.ROOT))
        self.assertEqual(source, self.backend.source(instance, context.ROOT))

    def test_suite_too_small_disk_is_refused_and_leaves_nothing(self):
        instance = self.new_instance()
        err = self.assertRaises(exception.InvalidInput,
                                self.backend.create_from_image, None, instance,
                                context.ROOT, self.image, 4 * MiB)
        self.assertIn('%d bytes' % (8 * MiB), str(err))
        self.assertNothingLeft(instance)

    def test_suite_invalid_image_never_reaches_the_backend(self):
        liar = self.images.path('liar.qcow2')
        helpers.qemu_img('create', '-q', '-f', 'qcow2', liar, '8M')
        self.image = self.images.upload(liar, 'raw')
        instance = self.new_instance()
        self.assertRaises(exception.InvalidImage, self.backend.create_from_image,
                          None, instance, context.ROOT, self.image, 0)
        self.assertNothingLeft(instance)

    def test_suite_blank_disks(self):
        instance = self.new_instance()
        self.backend.create_blank(instance, context.EPHEMERAL, 2 * MiB)
        self.backend.create_blank(instance, context.SWAP, 2 * MiB, 'swap')
        self.assertEqual(sorted([context.EPHEMERAL, context.SWAP]),
                         sorted(self.backend.disk_names(instance)))
        self.assertEqual(2 * MiB, self.virt_size(instance, context.SWAP))

    def test_suite_resize_grows_keeps_data_refuses_to_shrink(self):
        instance = self.new_instance()
        self.backend.create_from_image(None, instance, context.ROOT,
                                       self.image, 0)
        self.backend.resize(instance, context.ROOT, 24 * MiB)
        self.assertEqual(24 * MiB, self.virt_size(instance))
        self.assertEqual(helpers.MARKER, helpers.read_at(self.extract(instance)))
        self.assertRaises(exception.InvalidInput, self.backend.resize, instance,
                          context.ROOT, 8 * MiB)

    def test_suite_import_config_drive(self):
        instance = self.new_instance()
        iso = os.path.join(self.tmp, 'config.iso')
        configdrive.build_config_drive(instance, [], [], None, iso)
        self.backend.import_file(instance, context.CONFIG, iso, 'raw')
        self.assertIn(context.CONFIG, self.backend.disk_names(instance))

    def test_suite_delete_all_removes_storage_and_references(self):
        instance, other = self.new_instance(), self.new_instance()
        for owner in (instance, other):
            self.backend.create_from_image(None, owner, context.ROOT,
                                           self.image, 0)
        self.backend.create_blank(instance, context.SWAP, MiB, 'swap')
        self.backend.delete_all(instance)
        self.assertNothingLeft(instance)
        self.assertEqual([other.uuid], self.cache.references(
            self.cache.path_for(self.image.id)))
        self.assertTrue(self.backend.exists(other, context.ROOT))
        self.backend.delete(instance, context.ROOT)   # idempotent

    def test_suite_cache_reuse_downloads_once(self):
        for _ in range(3):
            self.backend.create_from_image(None, self.new_instance(),
                                           context.ROOT, self.image, 0)
        self.assertEqual(1, self.counting.downloads)

    def test_suite_missing_disk_is_not_found(self):
        self.assertRaises(exception.NotFound, self.backend.source,
                          self.new_instance(), context.ROOT)
