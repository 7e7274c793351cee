"""Bad input and faults through the whole libvirt driver (test driver host).

Each case gets one clear error and leaves nothing behind: no domain, no
instance directory, no base image half-written, no cache reference, no held
lock.
"""

import os
import subprocess

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import imagecache
from virtdrivers.testing import libvirt_test

MiB = 1024 * 1024


class LibvirtFaultsTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.images = local.LocalImageStore(os.path.join(self.tmp, 'images'))
        self.driver = self.make_driver(self.instances)

    def make_driver(self, instances_path, images_type='qcow2'):
        conf = vconf.new_conf()
        conf([])
        host = self.useFixture(libvirt_test.PrivateTestHost())
        conf.set_override('connection_uri', host.uri, group='libvirt')
        conf.set_override('virt_type', 'qemu', group='libvirt')
        conf.set_override('images_type', images_type, group='libvirt')
        conf.set_override('instances_path', instances_path)
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                           image_service=self.images)
        drv.init_host('faults')
        self.addCleanup(drv.cleanup_host, 'faults')
        return drv

    def upload(self, path, disk_format, **props):
        return self.images.create(None, {
            'name': os.path.basename(path), 'disk_format': disk_format,
            'container_format': 'bare', 'properties': props}, data_path=path)

    def raw_image(self, **props):
        path = os.path.join(self.tmp, 'good.raw')
        with open(path, 'wb') as f:
            f.truncate(MiB)
        return self.upload(path, 'raw', **props)

    def qcow2_file(self, name, *extra):
        path = os.path.join(self.tmp, name)
        subprocess.run(['qemu-img', 'create', '-f', 'qcow2', *extra, path, '1M'],
                       check=True, capture_output=True)
        return path

    def assertNothingLeft(self, instance, drv=None, instances=None):
        drv = drv or self.driver
        instances = instances or self.instances
        self.assertNotIn(instance.uuid, drv.list_instance_uuids())
        self.assertFalse(os.path.exists(os.path.join(instances, instance.uuid)))
        base = os.path.join(instances, '_base')
        leftovers = os.listdir(base) if os.path.isdir(base) else []
        cached = [n for n in leftovers if not n.startswith('.')
                  and not n.endswith(('.info', '.refs'))]
        for name in cached:
            self.assertEqual([], drv.storage.backend.cache.references(
                os.path.join(base, name)), 'a cache reference is left')
        self.assertEqual([], [n for n in leftovers if n.startswith('.')],
                         'temporary files are left in the image cache')

    def assertNoLockHeld(self, image):
        cache = self.driver.storage.backend.cache
        with cache._lock(imagecache.cache_name(image.id), blocking=False):
            pass

    def spawn(self, image, drv=None):
        instance = objects.Instance(image_ref=image.id)
        (drv or self.driver).spawn(None, instance, image, [], None, {})
        return instance

    def test_lying_image_is_refused_before_the_hypervisor(self):
        liar = self.upload(self.qcow2_file('liar.qcow2'), 'raw')
        instance = objects.Instance(image_ref=liar.id)
        err = self.assertRaises(exception.InvalidImage, self.driver.spawn, None,
                                instance, liar, [], None, {})
        self.assertIn('qcow2', str(err))
        self.assertNothingLeft(instance)
        self.assertNoLockHeld(liar)

    def test_image_with_a_backing_file_is_refused(self):
        backing = self.qcow2_file('backing.qcow2')
        evil = self.upload(self.qcow2_file('evil.qcow2', '-b', backing,
                                           '-F', 'qcow2'), 'qcow2')
        instance = objects.Instance(image_ref=evil.id)
        err = self.assertRaises(exception.InvalidImage, self.driver.spawn, None,
                                instance, evil, [], None, {})
        self.assertIn('backing', str(err).lower())
        self.assertNothingLeft(instance)

    def test_unknown_property_value_names_it_and_downloads_nothing(self):
        image = self.raw_image(hw_disk_bus='floppy')
        instance = objects.Instance(image_ref=image.id)
        err = self.assertRaises(exception.InvalidImage, self.driver.spawn, None,
                                instance, image, [], None, {})
        self.assertIn('hw_disk_bus', str(err))
        self.assertIn('floppy', str(err))
        self.assertNothingLeft(instance)
        self.assertFalse(os.path.exists(
            self.driver.storage.backend.cache.path_for(image.id)))

    def test_missing_image(self):
        image = objects.ImageMeta(id='5b5d1a8e-0000-4000-8000-000000000000',
                                  disk_format='raw')
        instance = objects.Instance(image_ref=image.id)
        self.assertRaises(exception.ImageNotFound, self.driver.spawn, None,
                          instance, image, [], None, {})
        self.assertNothingLeft(instance)
        self.assertNoLockHeld(image)

    def test_failure_after_definition_undoes_everything(self):
        image = self.raw_image()
        instance = objects.Instance(image_ref=image.id)

        def broken_launch(guest, pause=False):
            raise exception.HypervisorError(reason='qemu died on start')

        self.useFixture(fixtures.MonkeyPatch(
            'virtdrivers.libvirt.guest.Guest.launch', broken_launch))
        err = self.assertRaises(exception.HypervisorError, self.driver.spawn,
                                None, instance, image, [], None, {})
        self.assertIn('qemu died on start', str(err))
        self.assertNothingLeft(instance)
        # The base stays cached for the next spawn; nothing references it.
        self.assertTrue(os.path.exists(
            self.driver.storage.backend.cache.path_for(image.id)))

    def test_full_disk_during_download(self):
        if os.geteuid() != 0:
            self.skipTest('mounting a small tmpfs needs root')
        small = os.path.join(self.tmp, 'small')
        os.mkdir(small)
        try:
            subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small],
                           check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as err:
            self.skipTest('cannot mount a tmpfs here: %s' % err)
        self.addCleanup(subprocess.run, ['umount', '-l', small], check=False)
        big = os.path.join(self.tmp, 'big.raw')
        with open(big, 'wb') as f:
            f.write(os.urandom(4 * MiB))   # real data: it must use space
        image = self.upload(big, 'raw')
        drv = self.make_driver(small)
        instance = objects.Instance(image_ref=image.id)
        err = self.assertRaises(exception.ImageDownloadError, drv.spawn, None,
                                instance, image, [], None, {})
        self.assertIn(image.id, str(err))
        self.assertNothingLeft(instance, drv, small)
        self.assertEqual([], [n for n in os.listdir(os.path.join(small, '_base'))
                              if not n.endswith('.refs')])
