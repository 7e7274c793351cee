"""The Glance simulator's wire format, seen with a bare HTTP client."""

import hashlib
import json
import urllib.error
import urllib.request

import testtools

from virtdrivers.testing import glance_sim


class GlanceSimWireTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.sim = self.useFixture(glance_sim.GlanceSimFixture()).sim

    def call(self, method, path, body=None, content_type='application/json'):
        data = body if isinstance(body, bytes) or body is None else \
            json.dumps(body).encode()
        request = urllib.request.Request(
            self.sim.endpoint + path, data=data, method=method,
            headers={'Content-Type': content_type})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, dict(err.headers), err.read()

    def test_create_returns_201_with_glance_fields(self):
        status, headers, body = self.call(
            'POST', '/v2/images', {'name': 'x', 'disk_format': 'raw',
                                   'container_format': 'bare',
                                   'os_distro': 'cirros'})
        image = json.loads(body)
        self.assertEqual(201, status)
        self.assertEqual(('queued', 'cirros', '/v2/images/%s/file'
                          % image['id']),
                         (image['status'], image['os_distro'], image['file']))
        self.assertTrue(headers['Location'].endswith(image['self']))

    def test_read_only_and_invalid_fields_are_refused(self):
        self.assertEqual(403, self.call('POST', '/v2/images',
                                        {'status': 'active'})[0])
        self.assertEqual(400, self.call('POST', '/v2/images',
                                        {'disk_format': 'exe'})[0])
        self.assertEqual(400, self.call('POST', '/v2/images',
                                        {'os_distro': 7})[0])

    def test_patch_needs_the_json_patch_media_type(self):
        image = self.sim.add_image(name='x')
        path = '/v2/images/%s' % image['id']
        ops = [{'op': 'replace', 'path': '/name', 'value': 'y'}]
        self.assertEqual(415, self.call('PATCH', path, ops)[0])
        status, _h, body = self.call(
            'PATCH', path, ops,
            content_type='application/openstack-images-v2.1-json-patch')
        self.assertEqual((200, 'y'), (status, json.loads(body)['name']))

    def test_upload_computes_hashes_and_download_serves_them(self):
        image = self.sim.add_image(name='x')
        path = '/v2/images/%s/file' % image['id']
        self.assertEqual(204, self.call('GET', path)[0])
        self.assertEqual(204, self.call('PUT', path, b'abc',
                                        'application/octet-stream')[0])
        record = self.sim.images[image['id']]
        self.assertEqual(hashlib.sha512(b'abc').hexdigest(),
                         record['os_hash_value'])
        status, headers, body = self.call('GET', path)
        self.assertEqual((200, b'abc'), (status, body))
        self.assertEqual(hashlib.md5(b'abc').hexdigest(),
                         headers['Content-MD5'])
        self.assertEqual(409, self.call('PUT', path, b'again',
                                        'application/octet-stream')[0])

    def test_injected_status_fault_fires_the_given_number_of_times(self):
        self.sim.add_fault('status', status=503, times=2)
        statuses = [self.call('GET', '/v2/images')[0] for _i in range(3)]
        self.assertEqual([503, 503, 200], statuses)

    def test_unknown_fault_kind_is_refused(self):
        self.assertRaises(ValueError, self.sim.add_fault, 'explode')
