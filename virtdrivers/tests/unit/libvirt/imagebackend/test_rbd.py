"""The rbd backend's own logic, without Ceph: locations, names, settings,
error translation, the network disk it describes and the libvirt secret.

The backend on a real cluster (the shared suite, clones, snapshots) is in
``virtdrivers/tests/realhv/test_rbd_backend.py``.
"""

import base64
import errno
import os
import sys

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import rbd_cluster
from virtdrivers.libvirt import rbd_transfer
from virtdrivers.libvirt import rbd_utils
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import rbd
from virtdrivers.tests.unit.libvirt.builder import base as builder_base
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx

FSID = '6d3f3b6e-9c2d-4d8e-8f0a-1b2c3d4e5f60'
SECRET = '3d1ebba2-4b0c-4c7e-9d9a-7b1d6c0f2a11'
KEY = 'AQBsaAFr0ltiDhAAG9f8MbyrZe8bWrluE/ndeA=='


class StubClient:
    """What the backend asks an RbdClient at start-up and for a source."""

    def __init__(self, pools=('vms',), images=(), fail=None):
        self.pools = pools
        self.images = set(images)
        self.fail = fail
        self.closed = False

    def pool_exists(self, pool):
        if self.fail:
            raise self.fail
        return pool in self.pools

    def list_images(self, pool, prefix=''):
        return sorted(n for n in self.images if n.startswith(prefix))

    def exists(self, pool, name, snapshot=None):
        return name in self.images

    def mon_hosts(self):
        return [('192.0.2.1', 6789), ('2001:db8::2', 6789)]

    def fsid(self):
        return FSID

    def close(self):
        self.closed = True


class LocationTest(testtools.TestCase):
    def test_glance_location(self):
        loc = rbd_utils.parse_location('rbd://%s/images/abc/snap' % FSID)
        self.assertEqual(rbd_utils.Location(FSID, 'images', 'abc', 'snap'), loc)
        self.assertEqual('rbd://%s/images/abc/snap' % FSID, loc.url)

    def test_quoted_parts_round_trip(self):
        loc = rbd_utils.Location(FSID, 'my pool', 'a/b', 'snap')
        self.assertEqual('rbd://%s/my%%20pool/a%%2Fb/snap' % FSID, loc.url)
        self.assertEqual(loc, rbd_utils.parse_location(loc.url))

    def test_not_locations(self):
        for url in (None, '', 'file:///var/lib/glance/images/abc',
                    'rbd://images/abc', 'rbd://%s/images/abc' % FSID,
                    'rbd://%s//abc/snap' % FSID,
                    'rbd://%s/images/abc/snap/extra' % FSID, 42):
            self.assertIsNone(rbd_utils.parse_location(url), url)

    def test_image_locations_direct_url_first_without_duplicates(self):
        first = 'rbd://%s/images/abc/snap' % FSID
        second = 'rbd://%s/backup/abc/snap' % FSID
        meta = objects.ImageMeta(
            id='abc', direct_url=first,
            locations=[{'url': second, 'metadata': {}},
                       {'url': first, 'metadata': {}},
                       {'url': 'swift+https://swift/v1/abc', 'metadata': {}}])
        self.assertEqual(['images', 'backup'],
                         [loc.pool for loc in rbd_utils.image_locations(meta)])

    def test_image_locations_of_dicts_and_foreign_objects(self):
        url = 'rbd://%s/images/abc/snap' % FSID
        self.assertEqual(1, len(rbd_utils.image_locations({'direct_url': url})))
        self.assertEqual([], rbd_utils.image_locations(object()))

    def test_image_meta_keeps_glance_locations(self):
        url = 'rbd://%s/images/abc/snap' % FSID
        data = {'id': 'abc', 'disk_format': 'raw', 'direct_url': url,
                'locations': [{'url': url, 'metadata': {}}]}
        meta = objects.ImageMeta.from_dict(data)
        self.assertEqual(url, meta.direct_url)
        self.assertEqual(data['locations'], meta.to_dict()['locations'])
        self.assertNotIn('direct_url', objects.ImageMeta(id='x').to_dict())


class NamingTest(testtools.TestCase):
    def test_nova_names(self):
        instance = objects.Instance()
        self.assertEqual(instance.uuid + '_disk',
                         rbd.image_name(instance, context.ROOT))
        self.assertEqual(instance.uuid + '_disk.config',
                         rbd.image_name(instance, context.CONFIG))
        self.assertEqual(instance.uuid + '_', rbd.image_name(instance, ''))

    def test_names_rbd_cannot_take(self):
        instance = objects.Instance()
        for name in ('a/b', 'disk@snap', '.hidden', 'nul\0'):
            self.assertRaises(exception.InvalidInput, rbd.image_name,
                              instance, name)
        self.assertRaises(exception.InvalidInput, rbd.image_name,
                          objects.Instance(uuid='../x'), context.ROOT)


class SettingsTest(testtools.TestCase):
    def test_from_conf(self):
        conf = vconf.new_conf()
        conf([], project='virtdrivers-test')
        conf.set_override('images_rbd_pool', 'vms', group='libvirt')
        conf.set_override('images_rbd_ceph_conf', '/etc/ceph/c.conf',
                          group='libvirt')
        conf.set_override('rbd_user', 'nova', group='libvirt')
        conf.set_override('rbd_secret_uuid', SECRET, group='libvirt')
        settings = rbd.RbdSettings.from_conf(conf)
        self.assertEqual(('vms', '/etc/ceph/c.conf', 'nova', SECRET),
                         (settings.pool, settings.ceph_conf, settings.user,
                          settings.secret_uuid))
        self.assertEqual(context.DiskAuth('nova', SECRET, 'ceph'),
                         settings.auth)

    def test_auth_needs_user_and_secret(self):
        self.assertIsNone(rbd.RbdSettings(user='nova').auth)
        self.assertIsNone(rbd.RbdSettings(secret_uuid=SECRET).auth)

    def test_bad_values_name_the_option(self):
        for kwargs, option in (({'pool': ''}, 'images_rbd_pool'),
                               ({'pool': 'a/b'}, 'images_rbd_pool'),
                               ({'secret_uuid': 'nope'}, 'rbd_secret_uuid')):
            err = self.assertRaises(exception.ConfigurationError,
                                    rbd.RbdSettings, **kwargs)
            self.assertIn(option, str(err))

    def test_raw_only_without_force_raw(self):
        types = rbd.Rbd.supported_image_types(
            base.BackendSettings(force_raw=False))
        self.assertFalse(types['supports_image_type_qcow2'])
        self.assertTrue(types['supports_image_type_raw'])
        self.assertTrue(rbd.Rbd.supported_image_types(
            base.BackendSettings())['supports_image_type_qcow2'])


class _RadosError(Exception):
    def __init__(self, code, text='failed'):
        super().__init__(text)
        self.errno = code


class TranslateTest(testtools.TestCase):
    def test_unreachable_cluster(self):
        err = rbd_utils.translate(_RadosError(errno.ETIMEDOUT), 'connection',
                                  conffile='/etc/ceph/x.conf')
        self.assertIsInstance(err, exception.HypervisorUnavailable)
        self.assertIn('/etc/ceph/x.conf', str(err))

    def test_missing_names_the_image(self):
        err = rbd_utils.translate(_RadosError(errno.ENOENT), 'clone',
                                  'images', 'abc', 'snap')
        self.assertIsInstance(err, exception.NotFound)
        self.assertIn('images/abc@snap', str(err))

    def test_full_cluster(self):
        for code in (errno.ENOSPC, errno.EDQUOT):
            err = rbd_utils.translate(_RadosError(-code), 'import', 'vms', 'x')
            self.assertIsInstance(err, exception.InsufficientStorage)
            self.assertIn('rbd:vms/x', str(err))

    def test_anything_else_is_a_backend_error_naming_the_image(self):
        err = rbd_utils.translate(_RadosError(errno.EIO, 'boom'), 'resize',
                                  'vms', 'x_disk')
        self.assertIsInstance(err, exception.ImageBackendError)
        self.assertIn('resize of vms/x_disk: boom', str(err))

    def test_missing_bindings_name_the_debian_packages(self):
        self.useFixture(fixtures.MonkeyPatch(
            'virtdrivers.libvirt.rbd_utils._modules', None))
        self.useFixture(fixtures.MonkeyPatch('sys.modules', dict(
            sys.modules, rados=None)))
        err = self.assertRaises(exception.ConfigurationError,
                                rbd_utils.modules)
        self.assertIn("Debian's python3-rados", str(err))


class HelpersTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def test_data_chunks_skip_holes_and_zeroes(self):
        path = os.path.join(self.tmp, 'img')
        chunk = rbd_utils.CHUNK
        with open(path, 'wb') as f:
            f.truncate(4 * chunk + 5)
            f.seek(chunk + 10)
            f.write(b'data')
            f.seek(2 * chunk)
            f.write(bytes(chunk))      # written zeroes: no data to send
            f.seek(4 * chunk)
            f.write(b'tail!')
        with open(path, 'rb') as f:
            found = list(rbd_transfer._data_chunks(f.fileno(), 4 * chunk + 5))
        self.assertEqual([chunk, 4 * chunk], [offset for offset, _ in found])
        self.assertEqual(b'data', found[0][1][10:14])
        self.assertEqual(b'tail!', found[1][1])

    def test_key_from_keyring(self):
        path = os.path.join(self.tmp, 'keyring')
        with open(path, 'w') as f:
            f.write('[client.admin]\n\tkey = OTHER\n'
                    '[client.nova]\n\tkey = %s\n\tcaps mon = "profile rbd"\n'
                    % KEY)
        self.assertEqual(KEY, rbd_cluster._key_from_keyring(path, 'client.nova'))
        self.assertIsNone(rbd_cluster._key_from_keyring(path, 'client.x'))
        self.assertIsNone(rbd_cluster._key_from_keyring(path + '-', 'client.x'))


class BackendTest(builder_base.BuilderTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.cache = imagecache.ImageCache(os.path.join(self.tmp, '_base'),
                                           None, os.path.join(self.tmp, 'l'))
        self.instance = objects.Instance(uuid=fx.UUID)

    def backend(self, client=None, **settings):
        values = dict(pool='vms', user='nova', secret_uuid=SECRET)
        values.update(settings)
        return rbd.Rbd(self.tmp, self.cache, base.BackendSettings(),
                       rbd.RbdSettings(**values), client=client or StubClient(
                           images={fx.UUID + '_disk', fx.UUID + '_disk.swap',
                                   'other_disk'}))

    def test_disk_names_of_the_instance_only(self):
        self.assertEqual(['disk', 'disk.swap'],
                         self.backend().disk_names(self.instance))

    def test_source_is_a_network_disk_libvirt_accepts(self):
        source = self.backend().source(self.instance, context.ROOT)
        self.assertEqual(context.DiskSource(
            type='network', protocol='rbd', name='vms/%s_disk' % fx.UUID,
            hosts=(('192.0.2.1', 6789), ('2001:db8::2', 6789)),
            format='raw', auth=context.DiskAuth('nova', SECRET, 'ceph')),
            source)
        dom = self.build(fx.ctx(disks=[context.DiskSpec(context.ROOT, source,
                                                        boot_index=0)]))
        disk = dom.devices.disks[0]
        self.assertEqual(('network', 'rbd', 'vms/%s_disk' % fx.UUID, 'raw'),
                         (disk.type, disk.source_protocol, disk.source_name,
                          disk.driver_type))
        self.assertEqual(('nova', 'ceph', SECRET),
                         (disk.auth.username, disk.auth.secret_type,
                          disk.auth.secret_uuid))
        live = self.assertBoots(dom)
        self.assertEqual('vms/%s_disk' % fx.UUID,
                         live.devices.disks[0].source_name)

    def test_no_auth_without_a_secret(self):
        source = self.backend(secret_uuid=None).source(self.instance,
                                                       context.ROOT)
        self.assertIsNone(source.auth)

    def test_missing_disk(self):
        self.assertRaises(exception.NotFound, self.backend().source,
                          self.instance, context.EPHEMERAL)

    def test_existing_disk_is_not_created_again(self):
        err = self.assertRaises(exception.InvalidInput,
                                self.backend().create_blank, self.instance,
                                context.SWAP, 1024 * 1024, 'swap')
        self.assertIn('exists already', str(err))

    def test_start_up_checks_name_the_options(self):
        err = self.assertRaises(exception.ConfigurationError, self.backend,
                                StubClient(pools=('rbd',)))
        self.assertIn('[libvirt] images_rbd_pool=vms', str(err))
        conf = os.path.join(self.tmp, 'missing.conf')
        err = self.assertRaises(exception.ConfigurationError, self.backend,
                                ceph_conf=conf)
        self.assertIn('[libvirt] images_rbd_ceph_conf=%s' % conf, str(err))
        down = exception.HypervisorUnavailable('unreachable', host='ceph')
        err = self.assertRaises(exception.HypervisorUnavailable, self.backend,
                                StubClient(fail=down))
        self.assertIn('images_rbd_ceph_conf', str(err))

    def test_needs_its_settings(self):
        err = self.assertRaises(exception.ConfigurationError, rbd.Rbd,
                                self.tmp, self.cache, base.BackendSettings())
        self.assertIn('images_rbd_pool', str(err))

    def test_nova_image_meta_asks_the_image_service_for_locations(self):
        url = 'rbd://%s/images/abc/snap' % FSID

        class Service:
            def show(self, context, image_id):
                return objects.ImageMeta(id=image_id, direct_url=url)

        class NovaImageMeta:     # Nova's ImageMeta has no locations
            id = 'abc'
            disk_format = 'raw'

        self.cache.image_service = Service()
        backend = self.backend()
        self.assertEqual([rbd_utils.parse_location(url)],
                         backend._locations(None, NovaImageMeta()))


class FakeSecret:
    def __init__(self):
        self.value = None

    def setValue(self, value):   # noqa: N802 (libvirt's name)
        self.value = value


class FakeHost:
    """Host.call over a connection with secrets."""

    uri = 'qemu:///system'

    def __init__(self, secrets=None):
        self.secrets = dict(secrets or {})
        self.defined = []

    def call(self, func, operation=None, **kwargs):
        return func(self)

    def secretLookupByUUIDString(self, secret_uuid):   # noqa: N802
        if secret_uuid not in self.secrets:
            raise exception.NotFound('no secret %s' % secret_uuid)
        return self.secrets[secret_uuid]

    def secretDefineXML(self, xml):   # noqa: N802
        self.defined.append(xml)
        secret = self.secrets[SECRET] = FakeSecret()
        return secret


class SecretTest(builder_base.BuilderTestCase):
    def test_secret_xml_is_valid_and_private(self):
        xml = rbd.secret_xml(SECRET, 'nova')
        self.assertValid(xml.to_xml(), 'secret')
        self.assertEqual((False, True, SECRET, 'ceph'),
                         (xml.ephemeral, xml.private, xml.uuid, xml.usage_type))
        self.assertIn('client.nova', xml.usage_name)

    def test_defined_when_missing_then_given_the_key(self):
        host = FakeHost()
        rbd.ensure_libvirt_secret(host, SECRET, 'nova', KEY)
        self.assertEqual(1, len(host.defined))
        self.assertEqual(base64.b64decode(KEY), host.secrets[SECRET].value)

    def test_existing_secret_only_gets_the_key(self):
        secret = FakeSecret()
        host = FakeHost({SECRET: secret})
        rbd.ensure_libvirt_secret(host, SECRET, 'nova', KEY)
        self.assertEqual([], host.defined)
        self.assertEqual(base64.b64decode(KEY), secret.value)

    def test_key_that_is_not_base64(self):
        self.assertRaises(exception.ConfigurationError,
                          rbd.ensure_libvirt_secret, FakeHost(), SECRET,
                          'nova', 'not base64!')
