"""LocalImageStore: a directory of images, checked on the way out."""

import os
import uuid

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers.image import local


class LocalImageStoreTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.store = local.LocalImageStore(os.path.join(self.tmp, 'images'))
        self.src = os.path.join(self.tmp, 'src.img')
        with open(self.src, 'wb') as f:
            f.write(b'disk data ' * 1000)

    def _create(self, **extra):
        meta = {'name': 'cirros', 'disk_format': 'raw',
                'properties': {'hw_disk_bus': 'virtio'}}
        meta.update(extra)
        return self.store.create(None, meta, data_path=self.src)

    def test_create_with_data_is_active_with_hashes(self):
        image = self._create()
        self.assertEqual('active', image.status)
        self.assertEqual(10000, image.size)
        self.assertEqual('sha512', image.os_hash_algo)
        size, md5, sha = local.hash_file(self.src)
        self.assertEqual((md5, sha), (image.checksum, image.os_hash_value))
        self.assertEqual('virtio', image.properties.hw_disk_bus)

    def test_create_without_data_is_queued_then_upload_activates(self):
        image = self.store.create(None, {'name': 'empty'})
        self.assertEqual('queued', image.status)
        updated = self.store.update(None, image.id, {'name': 'full'},
                                    data_path=self.src)
        self.assertEqual(('full', 'active', 10000),
                         (updated.name, updated.status, updated.size))

    def test_download_returns_identical_bytes(self):
        image = self._create()
        dst = os.path.join(self.tmp, 'dst')
        self.assertEqual(10000, self.store.download(None, image.id, dst))
        with open(dst, 'rb') as a, open(self.src, 'rb') as b:
            self.assertEqual(b.read(), a.read())

    def test_tampered_data_is_detected_and_nothing_left(self):
        image = self._create()
        with open(os.path.join(self.store.directory, image.id), 'r+b') as f:
            f.write(b'X')
        dst = os.path.join(self.tmp, 'dst')
        err = self.assertRaises(exception.ImageDownloadError,
                                self.store.download, None, image.id, dst)
        self.assertIn('checksum mismatch', str(err))
        self.assertIn(image.id, str(err))
        self.assertEqual(['images', 'src.img'], sorted(os.listdir(self.tmp)))

    def test_download_of_queued_image_fails(self):
        image = self.store.create(None, {'name': 'empty'})
        err = self.assertRaises(exception.ImageDownloadError,
                                self.store.download, None, image.id,
                                os.path.join(self.tmp, 'dst'))
        self.assertIn('queued', str(err))

    def test_show_update_merges_properties(self):
        image = self._create()
        self.store.update(None, image.id, {'properties': {'os_type': 'linux'}})
        shown = self.store.show(None, image.id)
        self.assertEqual({'hw_disk_bus': 'virtio', 'os_type': 'linux'},
                         shown.properties.to_dict())

    def test_update_cannot_change_id_or_computed_fields(self):
        image = self._create()
        other = str(uuid.uuid4())
        self.store.update(None, image.id, {'id': other, 'size': 1,
                                           'status': 'queued', 'name': 'n'})
        shown = self.store.show(None, image.id)
        self.assertEqual(('n', 10000, 'active'),
                         (shown.name, shown.size, shown.status))
        self.assertRaises(exception.ImageNotFound, self.store.show, None,
                          other)

    def test_second_upload_is_refused(self):
        image = self._create()
        err = self.assertRaises(exception.InvalidInput, self.store.update,
                                None, image.id, {}, data_path=self.src)
        self.assertIn('already has data', str(err))

    def test_delete_then_not_found(self):
        image = self._create()
        self.store.delete(None, image.id)
        self.assertRaises(exception.ImageNotFound, self.store.show, None,
                          image.id)
        self.assertEqual([], self.store.list(None))
        self.assertRaises(exception.ImageNotFound, self.store.delete, None,
                          image.id)

    def test_unknown_and_bad_ids_are_not_found(self):
        self.assertRaises(exception.ImageNotFound, self.store.show, None,
                          str(uuid.uuid4()))
        for bad in ('../../etc/passwd', 'x', ''):
            self.assertRaises(exception.ImageNotFound, self.store.show, None,
                              bad)

    def test_create_with_bad_id_or_missing_data_is_invalid(self):
        self.assertRaises(exception.InvalidInput, self.store.create, None,
                          {'id': '../escape'})
        err = self.assertRaises(exception.InvalidInput, self.store.create,
                                None, {'name': 'x'},
                                data_path=os.path.join(self.tmp, 'nope'))
        self.assertIn('nope', str(err))
        self.assertEqual([], self.store.list(None))

    def test_list_returns_every_image(self):
        ids = {self._create(name='a').id, self._create(name='b').id}
        self.assertEqual(ids, {i.id for i in self.store.list(None)})
