"""The ``pool`` backend's way into RBD pools, without Ceph: which copier
start-up chooses from what libvirt streams, the librbd client made from
the pool's options, the guest's network disk, and the copier's writes and
reads (a stub client; volumes on a private libvirt test-driver host).

On a real Ceph cluster and libvirtd: ``tests/realhv/test_pool_rbd.py``.
"""

import base64
import contextlib
import os

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt import rbd_utils
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import pool_copiers
from virtdrivers.libvirt.imagebackend import pool_rbd
from virtdrivers.testing import libvirt_test
from virtdrivers.tests.unit.libvirt.imagebackend import helpers

MiB = helpers.MiB
SECRET = '3d1ebba2-4b0c-4c7e-9d9a-7b1d6c0f2a11'
KEY = 'AQBsaAFr0ltiDhAAG9f8MbyrZe8bWrluE/ndeA=='
NONE = storagepools.StreamSupport(
    False, False, 'upload: storage pool doesn\'t support volume upload')


def rbd_pools(**kwargs):
    kwargs.setdefault('source', '192.0.2.1:6789,[2001:db8::2]:3300:vms')
    return storagepools.PoolSettings(type='rbd', **kwargs)


class StubClient:
    """The RbdClient calls the copier and the start-up check make."""

    def __init__(self, pools=('vms',), fail=None, write_fails=None):
        self.pools = pools
        self.fail = fail
        self.write_fails = write_fails
        self.images = {}
        self.removed = []
        self.closed = False

    def pool_exists(self, pool):
        if self.fail:
            raise self.fail
        return pool in self.pools

    def write_file(self, path, pool, name):
        with open(path, 'rb') as f:
            self.images[(pool, name)] = f.read()
        if self.write_fails:
            raise self.write_fails

    def export(self, pool, name, path):
        with open(path, 'xb') as f:
            f.write(self.images[(pool, name)])

    def remove(self, pool, name):
        self.removed.append((pool, name))
        return self.images.pop((pool, name), None) is not None

    def close(self):
        self.closed = True


class StubHost:
    """A Host whose libvirt gives *secret_value* for any secret."""

    def __init__(self, secret_value=None):
        self.secret_value = secret_value

    def call(self, func, operation=None):
        if self.secret_value is None:
            raise exception.NotSupported(operation=operation,
                                         reason='no secrets here')
        host = self

        class Conn:
            def secretLookupByUUIDString(self, uuid):
                class Secret:
                    def value(self, flags=0):
                        return host.secret_value
                return Secret()
        return func(Conn())

    def get_version(self):
        return (9, 0, 0)


class ChooseCopierTest(testtools.TestCase):
    def choose(self, pools, streams, client=None):
        self.made = []

        def factory(host, settings):
            self.made.append(settings)
            return client or StubClient()
        return pool_rbd.choose_copier(StubHost(), pools, '/nowhere', streams,
                                      client_factory=factory)

    def test_pools_libvirt_copies_into_use_create_xml_from(self):
        copier = self.choose(storagepools.PoolSettings(target='/p'), NONE)
        self.assertIs(pool_copiers.LibvirtCopier, type(copier))

    def test_streams_both_ways_are_used_without_ceph(self):
        copier = self.choose(rbd_pools(),
                             storagepools.StreamSupport(True, True))
        self.assertIs(pool_copiers.UploadCopier, type(copier))
        self.assertEqual([], self.made)

    def test_rbd_without_streams_uses_librbd_both_ways(self):
        client = StubClient()
        copier = self.choose(rbd_pools(), NONE, client)
        self.assertIsInstance(copier, pool_rbd.RbdCopier)
        self.assertEqual((False, False, 'vms'),
                         (copier.upload, copier.download, copier.ceph_pool))
        self.assertIs(client, copier.client)

    def test_rbd_streams_libvirt_has_are_still_used(self):
        copier = self.choose(rbd_pools(), storagepools.StreamSupport(
            True, False, 'download: not supported'))
        self.assertEqual((True, False), (copier.upload, copier.download))

    def test_other_pools_without_streams_are_refused_naming_the_option(self):
        pools = storagepools.PoolSettings(target='/p', copy_by_upload=True)
        err = self.assertRaises(exception.ConfigurationError, self.choose,
                                pools, NONE)
        self.assertIn('[libvirt] storage_pool_type=dir', str(err))
        self.assertIn('libvirt 9.0.0', str(err))
        self.assertIn('doesn\'t support volume upload', str(err))

    def test_unreachable_cluster_fails_naming_the_options(self):
        client = StubClient(fail=exception.HypervisorUnavailable(
            'The Ceph cluster is unreachable', host='ceph:x'))
        err = self.assertRaises(exception.ConfigurationError, self.choose,
                                rbd_pools(auth_user='nova'), NONE, client)
        for text in ('[libvirt] storage_pool_source=192.0.2.1', 'client.nova',
                     'images_rbd_ceph_conf', 'unreachable'):
            self.assertIn(text, str(err))
        self.assertTrue(client.closed)

    def test_missing_ceph_pool_is_named(self):
        err = self.assertRaises(exception.ConfigurationError, self.choose,
                                rbd_pools(), NONE, StubClient(pools=()))
        self.assertIn('no pool vms', str(err))


class CephClientTest(testtools.TestCase):
    def test_monitors_user_and_conf_from_the_pool_options(self):
        pools = rbd_pools(auth_user='nova', secret_uuid=SECRET,
                          ceph_conf='/etc/ceph/other.conf')
        client = pool_rbd.ceph_client(StubHost(), pools)
        self.assertIsInstance(client, rbd_utils.RbdClient)
        options = client._options()
        self.assertEqual(('/etc/ceph/other.conf', 'nova', True),
                         (client.conffile, client.user, client.read_conf))
        self.assertEqual('192.0.2.1:6789,[2001:db8::2]:3300',
                         options['mon_host'])
        # A private secret: the key comes from the keyring.
        self.assertNotIn('key', options)

    def test_key_of_a_readable_secret_and_no_conf_needed(self):
        pools = rbd_pools(auth_user='nova', secret_uuid=SECRET)
        client = pool_rbd.ceph_client(
            StubHost(base64.b64decode(KEY)), pools)
        self.assertEqual(KEY, client._options()['key'])
        self.assertFalse(client.read_conf)
        self.assertIn('192.0.2.1:6789', client._conf_name())

    def test_no_monitors_reads_the_default_conf(self):
        pools = rbd_pools(source='vms', auth_user='nova', secret_uuid=SECRET)
        client = pool_rbd.ceph_client(StubHost(base64.b64decode(KEY)), pools)
        self.assertNotIn('mon_host', client._options())
        self.assertTrue(client.read_conf)

    def test_settings_from_conf(self):
        conf = vconf.new_conf()
        conf([], project='virtdrivers-test')
        conf.set_override('images_rbd_ceph_conf', '/etc/ceph/c.conf',
                          group='libvirt')
        conf.set_override('storage_pool_type', 'rbd', group='libvirt')
        conf.set_override('storage_pool_source', 'mon1:6789:vms',
                          group='libvirt')
        pools = storagepools.PoolSettings.from_conf(conf)
        self.assertEqual(('/etc/ceph/c.conf', 'vms', [('mon1', 6789)]),
                         (pools.ceph_conf, pools.ceph_pool, pools.ceph_hosts))
        conf.set_override('storage_pool_type', 'dir', group='libvirt')
        pools = storagepools.PoolSettings.from_conf(conf)
        self.assertEqual(('', None, [], ''), (
            pools.ceph_conf, pools.ceph_pool, pools.ceph_hosts,
            pools.ceph_monitors))


class DiskSourceTest(testtools.TestCase):
    def test_network_disk_of_the_volume_image(self):
        source = pool_rbd.disk_source(
            rbd_pools(auth_user='nova', secret_uuid=SECRET), 'u_disk')
        self.assertEqual(
            ('network', 'rbd', 'vms/u_disk',
             (('192.0.2.1', 6789), ('2001:db8::2', 3300)), 'raw',
             context.DiskAuth('nova', SECRET, 'ceph')),
            (source.type, source.protocol, source.name, source.hosts,
             source.format, source.auth))

    def test_no_auth_without_user_and_secret(self):
        source = pool_rbd.disk_source(rbd_pools(source='vms',
                                                auth_user='nova'), 'u_disk')
        self.assertEqual(((), None), (source.hosts, source.auth))


class RbdCopierTest(testtools.TestCase):
    """The copier on volumes of a private test-driver pool (metadata only:
    libvirt makes and deletes them, the stub client holds the data)."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.host = vhost.Host(
            self.useFixture(libvirt_test.PrivateTestHost()).uri)
        self.addCleanup(self.host.cleanup)
        settings = storagepools.PoolSettings(
            target=os.path.join(self.tmp, 'pool'), use_cow=False,
            base_dir=os.path.join(self.tmp, 'base'))
        os.makedirs(settings.base_dir)
        _base, self.pool = storagepools.ensure_pools(self.host, settings)
        self.client = StubClient()
        self.copier = pool_rbd.RbdCopier(self.host, self.tmp, self.client,
                                         'vms')
        self.raw = helpers.write_raw(os.path.join(self.tmp, 'img.raw'))

    def spec(self, name='u_disk', size=8 * MiB):
        return vxml.StorageVolume.new(name=name, capacity=size)

    def test_raw_file_written_into_the_volume_libvirt_made(self):
        vol = self.copier.from_file(self.pool, self.spec(), self.raw, 'raw')
        self.assertEqual('u_disk', vol.name)
        self.assertIsNotNone(self.pool.lookup('u_disk'))
        data = self.client.images[('vms', 'u_disk')]
        self.assertEqual(helpers.MARKER, data[helpers.MARKER_OFFSET:][
            :len(helpers.MARKER)])

    def test_qcow2_is_converted_to_raw_first(self):
        qcow2 = os.path.join(self.tmp, 'img.qcow2')
        helpers.qemu_img('convert', '-q', '-f', 'raw', '-O', 'qcow2',
                         self.raw, qcow2)
        self.copier.from_file(self.pool, self.spec(), qcow2, 'qcow2')
        data = self.client.images[('vms', 'u_disk')]
        self.assertEqual(8 * MiB, len(data))
        self.assertEqual(helpers.MARKER, data[helpers.MARKER_OFFSET:][
            :len(helpers.MARKER)])
        # The raw staging copy is gone.
        self.assertEqual([], [n for n in os.listdir(self.tmp)
                              if n.startswith('.pool-')])

    def test_failed_write_removes_the_volume_and_the_image(self):
        self.client.write_fails = exception.InsufficientStorage(
            what='write', path='rbd:vms/u_disk', reason='full')
        self.assertRaises(exception.InsufficientStorage,
                          self.copier.from_file, self.pool, self.spec(),
                          self.raw, 'raw')
        self.assertIsNone(self.pool.lookup('u_disk'))
        self.assertEqual([('vms', 'u_disk')], self.client.removed)
        self.assertEqual({}, self.client.images)

    def test_extraction_reads_the_image_and_converts(self):
        vol = self.copier.from_file(self.pool, self.spec(), self.raw, 'raw')
        target = os.path.join(self.tmp, 'out', 'snap.qcow2')
        os.makedirs(os.path.dirname(target))
        self.copier.to_file(vol, 'raw', None, target, 'qcow2', 8 * MiB)
        back = os.path.join(self.tmp, 'back.raw')
        helpers.qemu_img('convert', '-q', '-f', 'qcow2', '-O', 'raw', target,
                         back)
        self.assertEqual(helpers.MARKER, helpers.read_at(back))
        # Only the result is left next to it.
        self.assertEqual(['snap.qcow2'], os.listdir(os.path.dirname(target)))

    def test_failed_extraction_leaves_nothing(self):
        vol = self.copier.from_file(self.pool, self.spec(), self.raw, 'raw')
        self.client.images.clear()      # the image is gone under us
        target = os.path.join(self.tmp, 'out', 'snap.raw')
        os.makedirs(os.path.dirname(target))
        self.assertRaises(KeyError, self.copier.to_file, vol, 'raw', None,
                          target, 'raw', 8 * MiB)
        self.assertEqual([], os.listdir(os.path.dirname(target)))


class StreamSupportTest(testtools.TestCase):
    def test_test_driver_streams_nothing_and_the_probe_goes(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        host = vhost.Host(self.useFixture(libvirt_test.PrivateTestHost()).uri)
        self.addCleanup(host.cleanup)
        settings = storagepools.PoolSettings(
            target=os.path.join(tmp, 'pool'), base_dir=os.path.join(tmp, 'b'))
        os.makedirs(settings.base_dir)
        _base, disks = storagepools.ensure_pools(host, settings)
        found = storagepools.stream_support(disks, os.path.join(tmp, 'work'))
        self.assertEqual((False, False), (found.upload, found.download))
        self.assertIn('upload: ', found.missing)
        self.assertIn('download: ', found.missing)
        self.assertEqual([], disks.volumes())
        self.assertEqual([], os.listdir(os.path.join(tmp, 'work')))


class WriteFileTest(testtools.TestCase):
    """RbdClient.write_file over a stand-in image (no Ceph)."""

    class Image:
        def __init__(self, size):
            self.capacity = size
            self.writes = []

        def size(self):
            return self.capacity

        def write(self, data, offset):
            self.writes.append((offset, bytes(data)))

        def flush(self):
            pass

    def client(self, image):
        class Client(rbd_utils.RbdClient):
            @contextlib.contextmanager
            def image(self, pool, name, snapshot=None, read_only=False,
                      what='access'):
                yield image
        return Client()

    def test_only_data_is_written_and_the_file_must_fit(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        raw = helpers.write_raw(os.path.join(tmp, 'img'), size=16 * MiB,
                                marker=b'DATA', offset=9 * MiB)
        image = self.Image(16 * MiB)
        self.client(image).write_file(raw, 'vms', 'u_disk')
        # One object: the one holding the data; holes are not written.
        self.assertEqual([8 * MiB], [offset for offset, _ in image.writes])
        self.assertEqual(b'DATA', image.writes[0][1][MiB:MiB + 4])
        err = self.assertRaises(exception.InvalidInput,
                                self.client(self.Image(8 * MiB)).write_file,
                                raw, 'vms', 'u_disk')
        self.assertIn('vms/u_disk', str(err))
