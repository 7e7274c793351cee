"""The ``pool`` image backend over a real RBD storage pool.

libvirtd (``qemu:///system``, with Debian's rbd storage backend,
``libvirt-daemon-driver-storage-rbd``) defines the disks pool over the RBD
pool of the real single-node Ceph cluster (:mod:`virtdrivers.testing.ceph`),
as ``[libvirt] images_type = pool``, ``storage_pool_type = rbd``,
``storage_pool_source = MONITOR:POOL``, ``rbd_user``, ``rbd_secret_uuid``
and ``images_rbd_ceph_conf`` describe it; the cephx secret is defined in
libvirt first (private, as the rbd backend defines it).

libvirt cannot copy a file into an RBD pool (``createXMLFrom``), and
libvirt 9.0 (Debian 12) has neither upload nor download for rbd volumes:
start-up probes what libvirt can do, and where it cannot stream, volumes
are made by libvirt (``createXML``) and their data written and read with
librbd (:class:`~.pool_rbd.RbdCopier`).

Checked: the shared backend suite, that disks are the RBD images
``{uuid}_{name}`` of the Ceph pool (listed and read with librbd, not
through libvirt) holding the image's data, snapshot extraction, that a
write failing half-way leaves no RBD image, start-up errors naming the
options, the key read from a non-private secret, and a guest that boots
from volumes of the pool, whose images its destruction removes. The guest
gets them as network disks of their RBD images: libvirt's QEMU driver
refuses ``<disk type='volume'>`` of an rbd pool ("using 'rbd' pools for
backing 'volume' disks isn't yet supported", libvirt 9.0).

Pools have names of their own per test; the host's
``nova-*-pool`` are never touched.
"""

import dataclasses
import os
import uuid

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import rbd_utils
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base as backend_base
from virtdrivers.libvirt.imagebackend import pool
from virtdrivers.libvirt.imagebackend import rbd_secret
from virtdrivers.testing import ceph
from virtdrivers.testing import realhv
from virtdrivers.tests.realhv import base
from virtdrivers.tests.realhv import test_pool
from virtdrivers.tests.unit.libvirt.imagebackend import helpers
from virtdrivers.tests.unit.libvirt.imagebackend import suite

MiB = helpers.MiB


def undefine_secret(conn, secret_uuid):
    import libvirt

    try:
        conn.secretLookupByUUIDString(secret_uuid).undefine()
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SECRET:
            raise


class RbdPoolMixin:
    """Ceph, libvirt's rbd pools and the cephx secret; ``rbd_options()``."""

    def use_rbd(self):
        self.hv = realhv.use_or_skip(self, realhv.RealLibvirtFixture())
        realhv.use_or_skip(self, ceph.LibvirtRbdStorageFixture())
        self.ceph = realhv.use_or_skip(self, ceph.CephClusterFixture())
        self.admin = self.ceph.client(user='admin')
        self.conn = self.hv.connect()
        self.secret_uuid = str(uuid.uuid4())
        # Registered first: runs after the pools are gone.
        self.addCleanup(undefine_secret, self.conn, self.secret_uuid)

    def rbd_options(self, **overrides):
        options = {'storage_pool_type': 'rbd',
                   'storage_pool_source': '%s:%s' % (self.ceph.monitor,
                                                     self.ceph.pool),
                   'rbd_user': self.ceph.user,
                   'rbd_secret_uuid': self.secret_uuid,
                   # The keyring librbd finds the user's key in (the
                   # secret is private).
                   'images_rbd_ceph_conf': self.ceph.conf}
        options.update(overrides)
        return options

    def define_secret(self, host):
        rbd_secret.ensure_libvirt_secret(host, self.secret_uuid,
                                         self.ceph.user, self.ceph.key)

    def rbd_images(self, instance):
        return sorted(self.admin.list_images(self.ceph.pool,
                                             instance.uuid + '_'))

    def probes_left(self):
        return [name for name in self.admin.list_images(self.ceph.pool)
                if name.startswith(storagepools.PROBE_PREFIX)]


class RealRbdPoolBackendMixin(RbdPoolMixin):
    """``self.backend``: a Pool whose disks pool is RBD."""

    def make_backend(self, cache, **options):
        self.use_rbd()
        self.host = vhost.Host(self.hv.uri)
        self.addCleanup(self.host.cleanup)
        self.define_secret(self.host)
        self.backend = self.backend_for(cache, **options)
        self.assertEqual(frozenset(), self.backend.start())
        return self.backend

    def backend_for(self, cache, **options):
        """A Pool over this test's rbd pool (not started)."""
        conf = base.make_conf(self.tmp, self.hv.virt_type, self.hv.uri,
                              'pool', **self.rbd_options(**options))
        # One pair of pool names per test (libvirt allows one pool per
        # directory), forgotten after everything else.
        first = '_pool_names' not in self.__dict__
        names = self.__dict__.setdefault('_pool_names',
                                         test_pool.unique_pools())
        self.pools = dataclasses.replace(
            storagepools.PoolSettings.from_conf(conf),
            base_dir=cache.base_dir, **names)
        if first:
            self.addCleanup(test_pool.forget_pools, self.host, self.pools)
        return pool.Pool(self.instances, cache, backend_base.BackendSettings(
            use_cow=conf.use_cow_images), host=self.host, pools=self.pools)

    def storage_left(self, instance):
        # What Ceph holds, not what libvirt's pool remembers.
        return self.rbd_images(instance)


class RealRbdPoolSuiteTest(RealRbdPoolBackendMixin, suite.BackendSuite,
                           testtools.TestCase):
    """The shared backend suite on RBD volumes."""


class RealRbdPoolTest(RealRbdPoolBackendMixin, testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.images = self.useFixture(helpers.ImageStore())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'))
        self.make_backend(self.cache)
        self.instance = objects.Instance()
        self.addCleanup(self.backend.delete_all, self.instance)

    def test_pool_is_rbd_with_monitor_and_cephx_auth(self):
        desc = self.backend.disks_pool.describe()
        host, _, port = self.ceph.monitor.rpartition(':')
        self.assertEqual(('rbd', self.ceph.pool, [(host, int(port))],
                          self.ceph.user, self.secret_uuid),
                         (desc.type, desc.source.name,
                          [(h.name, h.port) for h in desc.source.hosts],
                          desc.source.auth.username,
                          desc.source.auth.secret_uuid))
        self.assertEqual('raw', self.backend.disk_format)
        self.assertEqual([], self.probes_left())

    def test_copier_follows_what_libvirt_streams(self):
        streams = storagepools.stream_support(self.backend.disks_pool,
                                              self.tmp)
        copier = self.backend.copier
        if streams.upload and streams.download:
            self.assertIsInstance(copier, pool.UploadCopier)
            self.assertNotIsInstance(copier, pool.RbdCopier)
        else:
            # libvirt 9.0: "storage pool doesn't support volume upload".
            self.assertIn('support', streams.missing)
            self.assertIsInstance(copier, pool.RbdCopier)
            self.assertEqual((streams.upload, streams.download),
                             (copier.upload, copier.download))
        self.assertEqual([], self.probes_left())

    def test_disks_are_rbd_images_with_the_image_data(self):
        image = self.images.qcow2_image()
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       image, 64 * MiB)
        self.backend.create_blank(self.instance, context.EPHEMERAL, 16 * MiB)
        self.assertEqual(sorted(['%s_%s' % (self.instance.uuid, name)
                                 for name in (context.ROOT,
                                              context.EPHEMERAL)]),
                         self.rbd_images(self.instance))
        name = '%s_%s' % (self.instance.uuid, context.ROOT)
        self.assertEqual(64 * MiB, self.admin.size(self.ceph.pool, name))
        # Converted to raw on the way in: the guest's marker, read by librbd.
        with self.admin.image(self.ceph.pool, name, read_only=True) as img:
            self.assertEqual(helpers.MARKER, img.read(helpers.MARKER_OFFSET,
                                                      len(helpers.MARKER)))
            # Sparse: only the marker's object was written.
            self.assertLessEqual(_allocated(img), rbd_utils.CHUNK)
        source = self.backend.source(self.instance, context.ROOT)
        self.assertEqual(('network', 'rbd', '%s/%s' % (self.ceph.pool, name),
                          'raw'), (source.type, source.protocol, source.name,
                                   source.format))
        # libvirt sees the volume it made, with the size it was given.
        vol = self.backend.disks_pool.lookup(name)
        self.assertEqual(64 * MiB, vol.describe().capacity)
        self.backend.delete_all(self.instance)
        self.assertEqual([], self.rbd_images(self.instance))

    def test_cache_manager_keeps_the_base_of_a_disk_until_it_goes(self):
        image = self.images.raw_image()
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       image, 16 * MiB)
        base = self.backend.cache.path_for(image.id)
        removed, kept = self.backend.cache.manage(0)
        self.assertEqual(([], [base]), (removed, kept))
        self.backend.delete_all(self.instance)
        removed, _kept = self.backend.cache.manage(0)
        self.assertEqual([base], removed)
        self.assertFalse(os.path.exists(base))

    def test_snapshot_extract_reads_the_volume(self):
        image = self.images.raw_image()
        self.backend.create_from_image(None, self.instance, context.ROOT,
                                       image, 16 * MiB)
        # What the guest wrote since, written straight into the image.
        name = '%s_%s' % (self.instance.uuid, context.ROOT)
        with self.admin.image(self.ceph.pool, name) as img:
            img.write(b'guest-wrote-this', 12 * MiB)
        target = os.path.join(self.tmp, 'snap.qcow2')
        self.backend.snapshot_extract(self.instance, context.ROOT, target,
                                      'qcow2')
        raw = os.path.join(self.tmp, 'snap.raw')
        helpers.qemu_img('convert', '-q', '-f', 'qcow2', '-O', 'raw', target,
                         raw)
        self.assertEqual(16 * MiB, os.path.getsize(raw))
        self.assertEqual(helpers.MARKER, helpers.read_at(raw))
        self.assertEqual(b'guest-wrote-this',
                         helpers.read_at(raw, 12 * MiB, 16))
        self.assertEqual(['snap.qcow2', 'snap.raw'], sorted(
            n for n in os.listdir(self.tmp) if n.startswith('snap')))

    def test_failed_write_leaves_no_rbd_image(self):
        copier = self.backend.copier
        if not isinstance(copier, pool.RbdCopier) or copier.upload:
            self.skipTest('libvirt uploads into rbd volumes here')
        real_write = copier.client._write

        def fail_after_writing(image, data, offset):
            real_write(image, data, offset)     # half-way: data went in
            raise exception.InsufficientStorage(
                what='write', path='rbd:%s' % self.ceph.pool,
                reason='cluster full (injected)')

        self.useFixture(fixtures.MockPatchObject(copier.client, '_write',
                                                 fail_after_writing))
        self.assertRaises(exception.InsufficientStorage,
                          self.backend.create_from_image, None, self.instance,
                          context.ROOT, self.images.raw_image(), 16 * MiB)
        self.assertEqual([], self.rbd_images(self.instance))
        self.assertEqual([], [v.name for v in self.backend.disks_pool.volumes(
            self.instance.uuid)])
        self.assertFalse(self.backend.exists(self.instance, context.ROOT))

    def test_unreachable_ceph_pool_fails_start_naming_the_options(self):
        # libvirt reaches the pool with its secret, librbd finds no key.
        bare = os.path.join(self.tmp, 'bare.conf')
        with open(bare, 'w') as f:
            f.write('[global]\nmon host = %s\nkeyring = %s\n'
                    % (self.ceph.monitor, os.path.join(self.tmp, 'none')))
        backend = self.backend_for(self.cache, images_rbd_ceph_conf=bare)
        err = self.assertRaises(exception.ConfigurationError, backend.start)
        self.assertIn('[libvirt] storage_pool_source', str(err))
        self.assertIn('images_rbd_ceph_conf', str(err))
        self.assertEqual([], self.probes_left())

    def test_missing_ceph_pool_fails_start_naming_the_options(self):
        backend = self.backend_for(self.cache, storage_pool_source='%s:%s' % (
            self.ceph.monitor, 'no-such-pool'))
        err = self.assertRaises(exception.ConfigurationError, backend.start)
        self.assertIn('storage_pool_source', str(err))
        self.assertIn('no-such-pool', str(err))
        # The options set back, it starts again.
        self.assertEqual(frozenset(), self.backend.start())


class ReadableSecretTest(RealRbdPoolBackendMixin, testtools.TestCase):
    """Without a ceph.conf, librbd takes the key from a secret libvirt
    lets read (``private='no'``) and the monitors from the pool."""

    def setUp(self):
        super().setUp()
        self.images = self.useFixture(helpers.ImageStore())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'))

    def define_secret(self, host):
        xml = rbd_secret.secret_xml(self.secret_uuid, self.ceph.user)
        xml.private = False
        self.conn.secretDefineXML(xml.to_xml())
        super().define_secret(host)

    def test_disk_written_with_the_secret_key(self):
        self.make_backend(self.cache, images_rbd_ceph_conf='')
        self.assertFalse(self.backend.pools.ceph_conf)
        instance = objects.Instance()
        self.addCleanup(self.backend.delete_all, instance)
        self.backend.create_from_image(None, instance, context.ROOT,
                                       self.images.raw_image(), 8 * MiB)
        name = '%s_%s' % (instance.uuid, context.ROOT)
        with self.admin.image(self.ceph.pool, name, read_only=True) as img:
            self.assertEqual(helpers.MARKER, img.read(helpers.MARKER_OFFSET,
                                                      len(helpers.MARKER)))


def _allocated(image):
    """Bytes of *image* that hold data (librbd's diff of the whole image)."""
    extents = []
    image.diff_iterate(0, image.size(), None,
                       lambda offset, length, exists: extents.append(
                           length if exists else 0))
    return sum(extents)


class RbdPoolDriverTest(RbdPoolMixin, base.DriverTestCase):
    """A guest booting from disks that are volumes of an RBD pool, given
    to it as the network disks of their RBD images (QEMU opens them with
    librbd, qemu-block-extra)."""

    images_type = 'pool'

    def make_driver(self):
        self.use_rbd()
        conf = base.make_conf(self.workdir, self.hv.virt_type, self.hv.uri,
                              self.images_type, **self.rbd_options())
        drv = libvirt_driver.LibvirtDriver(
            virtapi.LocalVirtAPI(), conf=conf, image_service=self.images)
        self.define_secret(drv.host)
        drv.settings = dataclasses.replace(
            drv.settings, pools=dataclasses.replace(
                drv.settings.pools, **test_pool.unique_pools()))
        self.addCleanup(test_pool.forget_pools, drv.host, drv.settings.pools)
        self.addCleanup(drv.cleanup_host, 'realhv-host')
        drv.init_host('realhv-host')
        self.addCleanup(self._destroy_ours, drv)
        return drv

    def test_boots_from_rbd_volumes_and_destroy_removes_them(self):
        self.assertIsInstance(self.driver.storage.backend, pool.Pool)
        instance = self.new_instance()
        self.timed('spawn', self.spawn, instance)
        name = '%s_disk' % instance.uuid
        # A volume of the pool (libvirt made it)...
        self.assertIsNotNone(self.driver.storage.backend.disks_pool.lookup(
            name))
        # ...which the guest opens as the RBD image it is: libvirt's QEMU
        # driver takes no <disk type='volume'> of an rbd pool.
        disks = self.driver.host.get_guest(instance).get_config().devices.disks
        host, _, port = self.ceph.monitor.rpartition(':')
        self.assertEqual(
            [('network', 'rbd', '%s/%s' % (self.ceph.pool, name),
              [(host, int(port))], self.ceph.user, self.secret_uuid)],
            [(d.type, d.source_protocol, d.source_name,
              [(h.name, h.port) for h in d.source_hosts], d.auth.username,
              d.auth.secret_uuid) for d in disks])
        self.wait_boot(instance)
        self.assertEqual(['%s_disk' % instance.uuid], self.rbd_images(instance))
        self.timed('destroy', self.driver.destroy, self.ctx, instance, None)
        self.assertEqual([], self.rbd_images(instance))
