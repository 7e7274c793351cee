"""Flat and Qcow2 against real qemu-img, real files and a real image store.

Every scenario runs for both backends (:class:`_FileBackendTests`); what
differs (format, backing file) is asserted through ``expected_*``.
"""

import importlib
import os
import shutil
import subprocess

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.image import configdrive
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import flat
from virtdrivers.libvirt.imagebackend import qcow2
from virtdrivers.tests.unit.libvirt.imagebackend import helpers

MiB = helpers.MiB
SWAP_MAGIC_OFFSET = 4096 - 10


class _FileBackendTests:
    backend_class = None
    expected_format = None
    expected_backing = None  # True: the disk's backing file is the base

    def setUp(self):
        super().setUp()
        self.images = self.useFixture(helpers.ImageStore())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'))
        self.backend = self.make_backend()
        self.instance = objects.Instance()
        self.image = self.images.raw_image(size=8 * MiB)

    def make_backend(self, cache=None, **settings):
        return self.backend_class(self.instances, cache or self.cache,
                                  base.BackendSettings(**settings))

    def instance_dir(self, instance=None):
        return os.path.join(self.instances, (instance or self.instance).uuid)

    def extract(self, name='disk', instance=None):
        target = os.path.join(self.tmp, 'extract-%s.raw' % name)
        self.backend.snapshot_extract(instance or self.instance, name,
                                      target, 'raw')
        return target

    def assertLeftNothing(self, instance=None):
        instance = instance or self.instance
        self.assertFalse(os.path.exists(self.instance_dir(instance)),
                         helpers.listing(self.instance_dir(instance)))
        base_path = self.cache.path_for(self.image.id)
        self.assertNotIn(instance.uuid, self.cache.references(base_path))

    # -- from an image ----------------------------------------------------

    def test_create_from_image_has_flavor_size_format_and_data(self):
        source = self.backend.create_from_image(
            None, self.instance, 'disk', self.image, 20 * MiB)
        path = os.path.join(self.instance_dir(), 'disk')
        self.assertEqual(context.DiskSource(type='file', path=path,
                                            format=self.expected_format),
                         source)
        info = helpers.qemu_info(path)
        self.assertEqual((self.expected_format, 20 * MiB),
                         (info['format'], info['virtual-size']))
        cached = self.cache.path_for(self.image.id)
        self.assertEqual(cached if self.expected_backing else None,
                         info.get('backing-filename'))
        if self.expected_backing:
            self.assertEqual('raw', info['backing-filename-format'])
        self.assertEqual([self.instance.uuid], self.cache.references(cached))
        self.assertEqual(helpers.MARKER, helpers.read_at(self.extract()))

    def test_size_zero_means_the_image_size(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 0)
        info = helpers.qemu_info(os.path.join(self.instance_dir(), 'disk'))
        self.assertEqual(8 * MiB, info['virtual-size'])

    def test_disk_smaller_than_image_is_refused_naming_both_sizes(self):
        err = self.assertRaises(exception.InvalidInput,
                                self.backend.create_from_image, None,
                                self.instance, 'disk', self.image, 4 * MiB)
        self.assertIn('%d bytes' % (4 * MiB), str(err))
        self.assertIn('%d bytes' % (8 * MiB), str(err))
        self.assertIn(self.image.id, str(err))
        self.assertLeftNothing()

    def test_existing_disk_is_never_overwritten(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 0)
        path = os.path.join(self.instance_dir(), 'disk')
        before = os.stat(path)
        err = self.assertRaises(exception.InvalidInput,
                                self.backend.create_from_image, None,
                                self.instance, 'disk', self.image, 0)
        self.assertIn('exists already', str(err))
        self.assertEqual(before.st_ino, os.stat(path).st_ino)
        self.assertEqual(helpers.MARKER, helpers.read_at(self.extract()))

    def test_invalid_image_leaves_nothing(self):
        liar = self.images.path('liar.qcow2')
        helpers.qemu_img('create', '-q', '-f', 'qcow2', liar, '8M')
        self.image = self.images.upload(liar, 'raw')
        self.assertRaises(exception.InvalidImage,
                          self.backend.create_from_image, None,
                          self.instance, 'disk', self.image, 0)
        self.assertLeftNothing()

    def test_failure_of_a_tool_half_way_leaves_nothing(self):
        real = self._resolve(self.write_site)

        def half_done(*args, **kwargs):
            targets = [a for a in args if isinstance(a, str) and
                       a.startswith(self.instance_dir())]
            if not targets:     # the same helper, used outside the backend
                return real(*args, **kwargs)
            # The tool wrote part of the disk, then failed.
            tmp = targets[0]
            with open(tmp, 'wb') as f:
                f.write(b'half a disk')
            raise exception.InsufficientStorage(
                what='disk', path=tmp, reason='No space left on device')

        self.useFixture(fixtures.MockPatch(self.write_site,
                                           side_effect=half_done))
        err = self.assertRaises(exception.InsufficientStorage,
                                self.backend.create_from_image, None,
                                self.instance, 'disk', self.image, 16 * MiB)
        self.assertIn('No space left', str(err))
        self.assertLeftNothing()
        # The base stays cached for the next try.
        self.assertTrue(os.path.isfile(self.cache.path_for(self.image.id)))

    @staticmethod
    def _resolve(dotted):
        module, _, name = dotted.rpartition('.')
        return getattr(importlib.import_module(module), name)

    def test_impossible_size_fails_cleanly(self):
        # Beyond what ext4 files and qcow2 images can be: the real tools
        # fail after the copy or during creation.
        err = self.assertRaises(exception.ImageBackendError,
                                self.backend.create_from_image, None,
                                self.instance, 'disk', self.image, 2 ** 63 - 1)
        self.assertIn(self.impossible_size_error, str(err))
        self.assertLeftNothing()

    def test_failure_keeps_a_reference_another_disk_needs(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 0)
        self.assertRaises(exception.InvalidInput,
                          self.backend.create_from_image, None,
                          self.instance, 'disk.rescue', self.image, MiB)
        self.assertEqual([self.instance.uuid], self.cache.references(
            self.cache.path_for(self.image.id)))
        self.assertEqual(['disk'], self.backend.disk_names(self.instance))

    # -- blank disks ------------------------------------------------------

    def test_unformatted_ephemeral_is_empty(self):
        source = self.backend.create_blank(self.instance, 'disk.local',
                                           6 * MiB)
        self.assertEqual(self.backend.disk_format, source.format)
        info = helpers.qemu_info(source.path)
        self.assertEqual((self.backend.disk_format, 6 * MiB),
                         (info['format'], info['virtual-size']))
        with open(self.extract('disk.local'), 'rb') as f:
            self.assertEqual(b'\0' * (6 * MiB), f.read())

    def test_swap_has_a_swap_signature(self):
        source = self.backend.create_blank(self.instance, 'disk.swap',
                                           16 * MiB, kind='swap')
        self.assertEqual(16 * MiB,
                         helpers.qemu_info(source.path)['virtual-size'])
        raw = self.extract('disk.swap')
        self.assertEqual(b'SWAPSPACE2', helpers.read_at(
            raw, SWAP_MAGIC_OFFSET, 10))
        if shutil.which('blkid'):
            out = subprocess.run(('blkid', '-p', '-o', 'value', '-s', 'TYPE',
                                  raw), capture_output=True, text=True)
            self.assertEqual('swap', out.stdout.strip())

    @testtools.skipUnless(shutil.which('mkfs.ext4'), 'mkfs.ext4 missing')
    def test_ephemeral_formatted_when_a_file_system_is_set(self):
        self.backend = self.make_backend(default_ephemeral_format='ext4')
        self.backend.create_blank(self.instance, 'disk.local', 16 * MiB)
        raw = self.extract('disk.local')
        out = subprocess.run(('blkid', '-p', '-o', 'export', raw),
                             capture_output=True, text=True, check=True)
        self.assertIn('TYPE=ext4', out.stdout)
        self.assertIn('LABEL=ephemeral0', out.stdout)
        self.assertEqual(['disk.local'], self.backend.disk_names(
            self.instance))

    def test_blank_of_unknown_kind_or_size_is_refused(self):
        self.assertRaises(exception.InvalidInput, self.backend.create_blank,
                          self.instance, 'disk.local', MiB, kind='scratch')
        self.assertRaises(exception.InvalidInput, self.backend.create_blank,
                          self.instance, 'disk.local', 0)
        self.assertRaises(exception.InvalidInput, self.backend.create_blank,
                          self.instance, '../escape', MiB)
        self.assertFalse(os.path.exists(self.instance_dir()))

    # -- imported files ---------------------------------------------------

    def test_import_config_drive_iso(self):
        iso = os.path.join(self.tmp, 'config.iso')
        configdrive.build_config_drive(self.instance, None, [], None, iso)
        source = self.backend.import_file(self.instance, 'disk.config', iso,
                                          'raw')
        self.assertEqual('raw', source.format)
        self.assertEqual(os.path.join(self.instance_dir(), 'disk.config'),
                         source.path)
        with open(iso, 'rb') as a, open(source.path, 'rb') as b:
            self.assertEqual(a.read(), b.read())
        self.assertTrue(self.backend.exists(self.instance, 'disk.config'))

    def test_import_of_a_file_made_in_place_only_records_it(self):
        os.makedirs(self.instance_dir())
        path = os.path.join(self.instance_dir(), 'disk.config')
        configdrive.build_config_drive(self.instance, None, [], None, path)
        source = self.backend.import_file(self.instance, 'disk.config', path,
                                          'raw')
        self.assertEqual(path, source.path)
        self.assertEqual(['disk.config'],
                         self.backend.disk_names(self.instance))

    def test_import_refuses_content_of_another_format(self):
        liar = os.path.join(self.tmp, 'rescue.img')
        helpers.qemu_img('create', '-q', '-f', 'qcow2', liar, '8M')
        err = self.assertRaises(exception.InvalidImage,
                                self.backend.import_file, self.instance,
                                'disk.rescue', liar, 'raw')
        self.assertIn('content is qcow2', str(err))
        self.assertFalse(os.path.exists(self.instance_dir()))

    # -- life of a disk ---------------------------------------------------

    def test_resize_grows_and_keeps_data(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 0)
        source = self.backend.resize(self.instance, 'disk', 24 * MiB)
        self.assertEqual(24 * MiB,
                         helpers.qemu_info(source.path)['virtual-size'])
        self.assertEqual(24 * MiB, self.backend.disk_info(
            self.instance)[0]['virt_disk_size'])
        self.assertEqual(helpers.MARKER, helpers.read_at(self.extract()))

    def test_resize_refuses_to_shrink(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 16 * MiB)
        err = self.assertRaises(exception.InvalidInput, self.backend.resize,
                                self.instance, 'disk', 8 * MiB)
        self.assertIn('%d bytes' % (16 * MiB), str(err))
        self.assertIn('%d bytes' % (8 * MiB), str(err))
        self.assertEqual(16 * MiB, helpers.qemu_info(os.path.join(
            self.instance_dir(), 'disk'))['virtual-size'])

    def test_snapshot_extract_has_what_the_guest_wrote(self):
        source = self.backend.create_from_image(None, self.instance, 'disk',
                                                self.image, 0)
        # What a guest would write, written through qemu-io so that a
        # qcow2 overlay gets it as QEMU would store it.
        subprocess.run(('qemu-io', '-f', source.format, '-c',
                        'write -P 0x41 %d 512' % (5 * MiB), source.path),
                       check=True, capture_output=True)
        guest = b'A' * 512
        target = os.path.join(self.tmp, 'snap.qcow2')
        self.backend.snapshot_extract(self.instance, 'disk', target, 'qcow2')
        info = helpers.qemu_info(target)
        self.assertEqual(('qcow2', None), (info['format'],
                                           info.get('backing-filename')))
        raw = os.path.join(self.tmp, 'snap.raw')
        helpers.qemu_img('convert', '-f', 'qcow2', '-O', 'raw', target, raw)
        self.assertEqual(helpers.MARKER, helpers.read_at(raw))
        self.assertEqual(guest, helpers.read_at(raw, 5 * MiB, len(guest)))

    def test_delete_all_removes_disks_and_references(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 0)
        self.backend.create_blank(self.instance, 'disk.swap', MiB, 'swap')
        other = objects.Instance()
        self.backend.create_from_image(None, other, 'disk', self.image, 0)
        self.backend.delete_all(self.instance)
        self.assertFalse(os.path.exists(self.instance_dir()))
        base_path = self.cache.path_for(self.image.id)
        self.assertEqual([other.uuid], self.cache.references(base_path))
        self.assertEqual([], self.backend.disk_names(self.instance))
        self.assertTrue(self.backend.exists(other, 'disk'))

    def test_delete_drops_the_reference_with_the_last_disk_using_it(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 0)
        self.backend.create_from_image(None, self.instance, 'disk.rescue',
                                       self.image, 0)
        base_path = self.cache.path_for(self.image.id)
        self.backend.delete(self.instance, 'disk.rescue')
        self.assertEqual([self.instance.uuid],
                         self.cache.references(base_path))
        self.backend.delete(self.instance, 'disk')
        self.assertEqual([], self.cache.references(base_path))
        self.backend.delete(self.instance, 'disk')  # idempotent
        self.assertFalse(self.backend.exists(self.instance, 'disk'))

    def test_source_of_a_missing_disk_is_not_found(self):
        self.assertRaises(exception.NotFound, self.backend.source,
                          self.instance, 'disk')

    # -- reporting --------------------------------------------------------

    def test_disk_info_without_qemu_img_info(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 20 * MiB)
        self.backend.create_blank(self.instance, 'disk.swap', 4 * MiB, 'swap')
        path = os.path.join(self.instance_dir(), 'disk')
        real = helpers.qemu_info(path)
        self.useFixture(fixtures.MockPatch(
            'virtdrivers.image.qemuimg.info',
            side_effect=AssertionError('qemu-img info was run')))
        info = {os.path.basename(d['path']): d
                for d in self.backend.disk_info(self.instance)}
        self.assertEqual(['disk', 'disk.swap'], sorted(info))
        root = info['disk']
        allocated = os.stat(path).st_blocks * 512
        base_name = imagecache.cache_name(self.image.id)
        self.assertEqual({
            'type': self.expected_format, 'path': path,
            'virt_disk_size': real['virtual-size'],
            'backing_file': base_name if self.expected_backing else '',
            'disk_size': allocated,
            'over_committed_disk_size': 20 * MiB - allocated,
        }, root)
        self.assertEqual(real['actual-size'], root['disk_size'])
        self.assertEqual(sum(d['disk_size'] for d in info.values()),
                         self.backend.usage_bytes(self.instance))

    def test_disk_info_tolerates_a_disk_deleted_meanwhile(self):
        self.backend.create_from_image(None, self.instance, 'disk',
                                       self.image, 0)
        self.backend.create_blank(self.instance, 'disk.local', MiB)
        os.unlink(os.path.join(self.instance_dir(), 'disk.local'))
        self.assertEqual(['disk'], [os.path.basename(d['path']) for d in
                                    self.backend.disk_info(self.instance)])

    def test_preallocated_disk_reserves_its_size(self):
        self.backend = self.make_backend(preallocate='space')
        source = self.backend.create_from_image(None, self.instance, 'disk',
                                                self.image, 16 * MiB)
        self.assertGreaterEqual(os.stat(source.path).st_blocks * 512,
                                16 * MiB)
        self.assertEqual(16 * MiB,
                         helpers.qemu_info(source.path)['virtual-size'])
        self.assertEqual(helpers.MARKER, helpers.read_at(self.extract()))

    def test_sparse_disk_does_not_reserve_its_size(self):
        source = self.backend.create_from_image(None, self.instance, 'disk',
                                                self.image, 64 * MiB)
        self.assertLess(os.stat(source.path).st_blocks * 512, 4 * MiB)


@testtools.skipUnless(helpers.QEMU_IMG and shutil.which('qemu-io'),
                      'qemu-img or qemu-io is not installed')
class FlatTest(_FileBackendTests, testtools.TestCase):
    backend_class = flat.Flat
    expected_format = 'raw'
    expected_backing = False
    write_site = 'virtdrivers.fileutils.copy_sparse'
    impossible_size_error = 'File too large'

    def test_qcow2_base_is_copied_as_qcow2_without_force_raw(self):
        cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'), force_raw=False)
        backend = self.make_backend(cache=cache, force_raw=False)
        image = self.images.qcow2_image(size=8 * MiB)
        source = backend.create_from_image(None, self.instance, 'disk', image,
                                           12 * MiB)
        info = helpers.qemu_info(source.path)
        self.assertEqual(('qcow2', 'qcow2', 12 * MiB, None),
                         (source.format, info['format'], info['virtual-size'],
                          info.get('backing-filename')))


@testtools.skipUnless(helpers.QEMU_IMG and shutil.which('qemu-io'),
                      'qemu-img or qemu-io is not installed')
class Qcow2Test(_FileBackendTests, testtools.TestCase):
    backend_class = qcow2.Qcow2
    expected_format = 'qcow2'
    expected_backing = True
    write_site = 'virtdrivers.image.qemuimg.create'
    impossible_size_error = 'qemu-img create exited with 1'

    def test_overlay_on_a_qcow2_base_names_its_format(self):
        cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'), force_raw=False)
        backend = self.make_backend(cache=cache, force_raw=False)
        image = self.images.qcow2_image(size=8 * MiB)
        source = backend.create_from_image(None, self.instance, 'disk', image,
                                           0)
        info = helpers.qemu_info(source.path)
        self.assertEqual((cache.path_for(image.id), 'qcow2'),
                         (info['backing-filename'],
                          info['backing-filename-format']))
