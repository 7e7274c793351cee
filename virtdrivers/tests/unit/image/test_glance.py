"""The Glance v2 client against the Glance simulator, over real HTTP."""

import errno
import logging
import os
import shutil
import socket
import subprocess
import uuid

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers.image import glance
from virtdrivers.testing import glance_sim

TOKEN = 'tok-3f1c9a-secret'


def _closed_port_url():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return 'http://127.0.0.1:%d' % s.getsockname()[1]


class GlanceClientTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(glance_sim.GlanceSimFixture(token=TOKEN)).sim
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.client = glance.GlanceImageService([self.sim.endpoint],
                                                token=TOKEN, num_retries=2)
        self.payload = os.urandom(200 * 1024 + 7)
        self.src = os.path.join(self.tmp, 'src.img')
        with open(self.src, 'wb') as f:
            f.write(self.payload)
        self.dst_dir = os.path.join(self.tmp, 'cache')
        os.mkdir(self.dst_dir)
        self.dst = os.path.join(self.dst_dir, 'base')

    def _image(self, **props):
        return self.client.create(
            None, {'name': 'cirros', 'disk_format': 'qcow2',
                   'container_format': 'bare', 'min_disk': 1,
                   'properties': props or {'hw_disk_bus': 'virtio'}},
            data_path=self.src)

    def _requests(self, method, suffix=''):
        return [r for r in self.sim.requests
                if r.method == method and r.path.split('?')[0].endswith(suffix)]

    def assertNothingLeft(self):
        self.assertEqual([], os.listdir(self.dst_dir))

    def test_create_with_data_then_show(self):
        image = self._image(hw_qemu_guest_agent=True, hw_video_ram=64)
        self.assertEqual('active', image.status)
        self.assertEqual(len(self.payload), image.size)
        shown = self.client.show(None, image.id)
        self.assertEqual(('cirros', 'qcow2', 'bare', 1),
                         (shown.name, shown.disk_format,
                          shown.container_format, shown.min_disk))
        # Properties travel as Glance's strings and come back typed.
        self.assertIs(True, shown.properties.hw_qemu_guest_agent)
        self.assertEqual(64, shown.properties.hw_video_ram)
        self.assertEqual('true',
                         self.sim.images[image.id]['hw_qemu_guest_agent'])
        self.assertEqual(self.payload, self.sim.data[image.id])

    def test_download_verifies_and_writes_the_data(self):
        image = self._image()
        self.assertEqual(len(self.payload),
                         self.client.download(None, image.id, self.dst))
        with open(self.dst, 'rb') as f:
            self.assertEqual(self.payload, f.read())
        self.assertEqual(['base'], os.listdir(self.dst_dir))

    def test_token_is_sent_but_never_logged(self):
        image = self._image()
        self.client.download(None, image.id, self.dst)
        self.client.list(None)
        self.assertTrue(self.sim.requests)
        self.assertTrue(all(r.had_token for r in self.sim.requests))
        self.assertIn('GET', self.log.output)
        self.assertNotIn(TOKEN, self.log.output)

    def test_wrong_token_is_refused_without_echoing_it(self):
        client = glance.GlanceImageService([self.sim.endpoint],
                                           token='wrong-token-value')
        err = self.assertRaises(exception.ImageBackendError, client.list,
                                None)
        self.assertIn('401', str(err))
        self.assertNotIn('wrong-token-value', str(err))
        self.assertNotIn('wrong-token-value', self.log.output)

    def test_context_token_takes_precedence(self):
        client = glance.GlanceImageService([self.sim.endpoint], token='stale')
        context = type('Context', (), {'auth_token': TOKEN})()
        self.assertEqual([], client.list(context))

    def test_update_sends_a_json_patch_and_merges(self):
        image = self._image(os_type='linux')
        updated = self.client.update(
            None, image.id, {'name': 'renamed',
                             'properties': {'os_type': 'windows',
                                            'hw_disk_bus': 'scsi'}})
        self.assertEqual('renamed', updated.name)
        self.assertEqual({'os_type': 'windows', 'hw_disk_bus': 'scsi'},
                         updated.properties.to_dict())
        patches = self._requests('PATCH')
        self.assertEqual(1, len(patches))
        self.assertEqual('application/openstack-images-v2.1-json-patch',
                         patches[0].content_type)

    def test_update_uploads_data_once(self):
        image = self.client.create(None, {'name': 'snap',
                                          'disk_format': 'raw',
                                          'container_format': 'bare'})
        self.assertEqual('queued', image.status)
        done = self.client.update(None, image.id, {}, data_path=self.src)
        self.assertEqual(('active', len(self.payload)), (done.status, done.size))
        err = self.assertRaises(exception.InvalidInput, self.client.update,
                                None, image.id, {}, data_path=self.src)
        self.assertIn('409', str(err))

    def test_delete(self):
        image = self._image()
        self.client.delete(None, image.id)
        self.assertNotIn(image.id, self.sim.images)
        self.assertRaises(exception.ImageNotFound, self.client.show, None,
                          image.id)
        self.assertRaises(exception.ImageNotFound, self.client.delete, None,
                          image.id)

    def test_list_follows_pages(self):
        ids = {self.client.create(None, {'name': 'i%d' % i}).id
               for i in range(5)}
        client = glance.GlanceImageService([self.sim.endpoint], token=TOKEN,
                                           page_size=2)
        self.assertEqual(ids, {i.id for i in client.list(None)})
        self.assertEqual(3, len([r for r in self._requests('GET', '/images')
                                 if 'limit=2' in r.path]))

    def test_unknown_image_is_not_found(self):
        missing = str(uuid.uuid4())
        self.assertRaises(exception.ImageNotFound, self.client.show, None,
                          missing)
        self.assertRaises(exception.ImageNotFound, self.client.download,
                          None, missing, self.dst)
        self.assertRaises(exception.ImageNotFound, self.client.update, None,
                          missing, {'name': 'x'})
        self.assertNothingLeft()

    def test_non_uuid_id_is_not_sent(self):
        self.assertRaises(exception.ImageNotFound, self.client.show, None,
                          '../../v2/images')
        self.assertEqual([], self.sim.requests)

    def test_download_of_image_without_data(self):
        image = self.client.create(None, {'name': 'empty'})
        err = self.assertRaises(exception.ImageDownloadError,
                                self.client.download, None, image.id,
                                self.dst)
        self.assertIn('queued', str(err))
        self.assertNothingLeft()

    def test_corrupted_download_fails_and_leaves_nothing(self):
        image = self._image()
        self.sim.add_fault('corrupt')
        err = self.assertRaises(exception.ImageDownloadError,
                                self.client.download, None, image.id,
                                self.dst)
        self.assertIn('checksum mismatch', str(err))
        self.assertIn(image.id, str(err))
        self.assertNothingLeft()

    def test_tampered_store_is_caught_by_sha512(self):
        image = self._image()
        self.sim.tamper(image.id, b'x' * len(self.payload))
        err = self.assertRaises(exception.ImageDownloadError,
                                self.client.download, None, image.id,
                                self.dst)
        self.assertIn('sha512', str(err))
        self.assertNothingLeft()

    def test_md5_checksum_is_used_without_os_hash(self):
        image = self._image()
        record = self.sim.images[image.id]
        record['os_hash_algo'] = record['os_hash_value'] = None
        self.sim.tamper(image.id, b'y' * len(self.payload))
        err = self.assertRaises(exception.ImageDownloadError,
                                self.client.download, None, image.id,
                                self.dst)
        self.assertIn('md5', str(err))

    def test_truncated_download_is_retried(self):
        image = self._image()
        self.sim.add_fault('truncate')
        self.assertEqual(len(self.payload),
                         self.client.download(None, image.id, self.dst))
        with open(self.dst, 'rb') as f:
            self.assertEqual(self.payload, f.read())
        self.assertEqual(2, len(self._requests('GET', '/file')))

    def test_download_truncated_on_every_attempt_fails_cleanly(self):
        image = self._image()
        self.sim.add_fault('truncate', times=10)
        err = self.assertRaises(exception.ImageDownloadError,
                                self.client.download, None, image.id,
                                self.dst)
        self.assertIn('transfer ended', str(err))
        self.assertEqual(3, len(self._requests('GET', '/file')))
        self.assertNothingLeft()

    def test_server_error_once_is_retried(self):
        image = self._image()
        before = len(self.sim.requests)
        self.sim.add_fault('status', method='GET', status=500)
        self.assertEqual(image.id, self.client.show(None, image.id).id)
        self.assertEqual([500, 200],
                         [r.status for r in self.sim.requests[before:]])

    def test_dropped_connection_is_retried(self):
        self.sim.add_fault('disconnect', method='GET')
        self.assertEqual([], self.client.list(None))

    def test_create_is_not_resent_after_a_server_error(self):
        self.sim.add_fault('status', method='POST', status=500)
        err = self.assertRaises(exception.ImageBackendError,
                                self.client.create, None, {'name': 'once'})
        self.assertIn('500', str(err))
        self.assertEqual(1, len(self._requests('POST')))
        self.assertEqual({}, self.sim.images)

    def test_fails_over_to_the_next_server(self):
        client = glance.GlanceImageService(
            [_closed_port_url(), self.sim.endpoint], token=TOKEN,
            num_retries=1)
        image = self._image()
        self.assertEqual(len(self.payload),
                         client.download(None, image.id, self.dst))

    def test_no_server_reachable(self):
        client = glance.GlanceImageService([_closed_port_url()], num_retries=1)
        err = self.assertRaises(exception.ImageBackendError, client.list, None)
        self.assertIn('every Glance server', str(err))
        err = self.assertRaises(exception.ImageDownloadError, client.download,
                                None, str(uuid.uuid4()), self.dst)
        self.assertIn('refused', str(err))
        self.assertNothingLeft()

    def test_no_space_left_at_the_write_site(self):
        # The single site that writes downloaded bytes, made to fail as a
        # full file system does.
        image = self._image()

        def full(fd, data):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        self.useFixture(fixtures.MonkeyPatch(
            'virtdrivers.image.glance._write', full))
        err = self.assertRaises(exception.ImageDownloadError,
                                self.client.download, None, image.id,
                                self.dst)
        self.assertIn(image.id, str(err))
        self.assertIn('no space', str(err))
        self.assertEqual(1, len(self._requests('GET', '/file')))
        self.assertNothingLeft()

    def test_no_space_left_on_a_real_small_tmpfs(self):
        mountpoint = os.path.join(self.tmp, 'small')
        os.mkdir(mountpoint)
        if os.geteuid() != 0 or not shutil.which('mount'):
            self.skipTest('mounting a tmpfs needs root')
        result = subprocess.run(
            ['mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountpoint],
            capture_output=True)
        if result.returncode:
            self.skipTest('cannot mount a tmpfs here: %s' % result.stderr)
        self.addCleanup(subprocess.run, ['umount', mountpoint], check=True)
        image = self._image()
        err = self.assertRaises(exception.ImageDownloadError,
                                self.client.download, None, image.id,
                                os.path.join(mountpoint, 'base'))
        self.assertIn('no space', str(err))
        self.assertEqual([], os.listdir(mountpoint))

    def test_unreadable_upload_is_refused_before_anything_is_created(self):
        err = self.assertRaises(exception.InvalidInput, self.client.create,
                                None, {'name': 'x'},
                                data_path=os.path.join(self.tmp, 'missing'))
        self.assertIn('missing', str(err))
        self.assertEqual([], self.sim.requests)


class GlanceConfTest(testtools.TestCase):

    def test_from_conf(self):
        conf = vconf.new_conf()
        conf([], default_config_files=[])
        conf.set_override('api_servers', ['http://glance.example:9292/v2/'],
                          group='glance')
        conf.set_override('num_retries', 0, group='glance')
        client = glance.GlanceImageService.from_conf(conf)
        self.assertEqual(['http://glance.example:9292'], client._servers)
        self.assertEqual(1, client._attempts)

    def test_bad_servers_are_configuration_errors(self):
        err = self.assertRaises(exception.ConfigurationError,
                                glance.GlanceImageService, [])
        self.assertIn('api_servers', str(err))
        err = self.assertRaises(exception.ConfigurationError,
                                glance.GlanceImageService,
                                ['ftp://glance.example'])
        self.assertIn('ftp://glance.example', str(err))
