"""The ``pool`` image backend over a real RBD storage pool.

libvirtd (``qemu:///system``, with Debian's rbd storage backend,
``libvirt-daemon-driver-storage-rbd``) defines the disks pool over the RBD
pool of the real single-node Ceph cluster (:mod:`virtdrivers.testing.ceph`),
as ``[libvirt] images_type = pool``, ``storage_pool_type = rbd``,
``storage_pool_source = MONITOR:POOL``, ``rbd_user`` and
``rbd_secret_uuid`` describe it; the cephx secret is defined in libvirt
first. libvirt cannot copy a volume into an RBD pool (``createXMLFrom``),
so base images are uploaded (:class:`~.pool_copiers.UploadCopier`).

Checked: the shared backend suite, that disks are the RBD images
``{uuid}_{name}`` of the Ceph pool (listed with librbd, not through
libvirt) holding the image's data, and a guest that boots from
``<disk type='volume'>`` disks of the pool, whose images its destruction
removes.

libvirt 9.0 (Debian 12) has no volume upload in its rbd storage backend
("storage pool doesn't support volume upload"), so the pool backend cannot
put data into RBD volumes there: every test that needs data skips saying
so (a probe upload decides), and only the pool definition is checked.

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
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt import xml as vxml
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

    def rbd_options(self):
        return {'storage_pool_type': 'rbd',
                'storage_pool_source': '%s:%s' % (self.ceph.monitor,
                                                  self.ceph.pool),
                'rbd_user': self.ceph.user,
                'rbd_secret_uuid': self.secret_uuid}

    def define_secret(self, host):
        rbd_secret.ensure_libvirt_secret(host, self.secret_uuid,
                                         self.ceph.user, self.ceph.key)

    def skip_without_upload(self, disks_pool):
        """Skip unless libvirt uploads into volumes of *disks_pool*: how
        the pool backend puts every byte into an RBD volume."""
        name = 'vdtest-upload-probe-%s' % uuid.uuid4().hex[:8]
        vol = disks_pool.create(vxml.StorageVolume.new(
            name=name, capacity=MiB, format='raw'))
        try:
            data = os.path.join(self.useFixture(fixtures.TempDir()).path, 'd')
            with open(data, 'wb') as f:
                f.write(b'x' * 4096)
            storagepools.upload_volume(data, vol)
        except exception.VirtDriverError as err:
            if 'support' not in str(err):
                raise
            v = self.conn.getLibVersion()
            self.skipTest('libvirt %d.%d.%d cannot upload into rbd pool '
                          'volumes (virStorageVolUpload unsupported), the '
                          'only way the pool backend fills them'
                          % (v // 1000000, v // 1000 % 1000, v % 1000))
        finally:
            vol.delete()

    def rbd_images(self, instance):
        return sorted(self.admin.list_images(self.ceph.pool,
                                             instance.uuid + '_'))


class RealRbdPoolBackendMixin(RbdPoolMixin):
    """``self.backend``: a Pool whose disks pool is RBD."""

    needs_upload = True

    def make_backend(self, cache):
        self.use_rbd()
        self.host = vhost.Host(self.hv.uri)
        self.addCleanup(self.host.cleanup)
        self.define_secret(self.host)
        conf = base.make_conf(self.tmp, self.hv.virt_type, self.hv.uri,
                              'pool', **self.rbd_options())
        self.pools = dataclasses.replace(
            storagepools.PoolSettings.from_conf(conf),
            base_dir=cache.base_dir, **test_pool.unique_pools())
        self.addCleanup(test_pool.forget_pools, self.host, self.pools)
        backend = pool.Pool(self.instances, cache, backend_base.BackendSettings(
            use_cow=conf.use_cow_images), host=self.host, pools=self.pools)
        self.upload_refused = None
        try:
            self.assertEqual(frozenset(), backend.start())
        except exception.ConfigurationError as err:
            # libvirt 9.0's rbd pools take no uploads: start-up says so.
            if 'cannot upload' not in str(err):
                raise
            self.upload_refused = err
            if self.needs_upload:
                self.skipTest(str(err).split(': ', 1)[-1].split(' (')[0])
        return backend

    def storage_left(self, instance):
        # What Ceph holds, not what libvirt's pool remembers.
        return self.rbd_images(instance)


class RealRbdPoolSuiteTest(RealRbdPoolBackendMixin, suite.BackendSuite,
                           testtools.TestCase):
    """The shared backend suite on RBD volumes."""


class RealRbdPoolTest(RealRbdPoolBackendMixin, testtools.TestCase):
    needs_upload = False

    def setUp(self):
        super().setUp()
        self.images = self.useFixture(helpers.ImageStore())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'))
        self.backend = self.make_backend(self.cache)
        self.instance = objects.Instance()
        self.addCleanup(self.backend.delete_all, self.instance)

    def test_start_refuses_a_pool_libvirt_cannot_upload_into(self):
        if self.upload_refused is None:
            self.skipTest('libvirt uploads into rbd pool volumes here')
        self.assertIn('[libvirt] storage_pool_type=rbd', str(self.upload_refused))
        self.assertIn('cannot upload', str(self.upload_refused))
        # The probe volume is gone again.
        self.assertEqual([], [v for v in self.admin.list_images(self.ceph.pool)
                              if 'upload-probe' in v])

    def test_pool_is_rbd_with_monitor_and_cephx_auth(self):
        desc = self.backend.disks_pool.describe()
        host, _, port = self.ceph.monitor.rpartition(':')
        self.assertEqual(('rbd', self.ceph.pool, [(host, int(port))],
                          self.ceph.user, self.secret_uuid),
                         (desc.type, desc.source.name,
                          [(h.name, h.port) for h in desc.source.hosts],
                          desc.source.auth.username,
                          desc.source.auth.secret_uuid))
        self.assertIsInstance(self.backend.copier, pool.UploadCopier)
        self.assertEqual('raw', self.backend.disk_format)

    def test_disks_are_rbd_images_with_the_image_data(self):
        self.skip_without_upload(self.backend.disks_pool)
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
        source = self.backend.source(self.instance, context.ROOT)
        self.assertEqual('raw', source.format)
        self.backend.delete_all(self.instance)
        self.assertEqual([], self.rbd_images(self.instance))


class RbdPoolDriverTest(RbdPoolMixin, base.DriverTestCase):
    """A guest booting from ``<disk type='volume'>`` disks of an RBD pool
    (QEMU opens them with librbd, qemu-block-extra)."""

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
        try:
            drv.init_host('realhv-host')
        except exception.ConfigurationError as err:
            if 'cannot upload' not in str(err):
                raise
            self.skipTest(str(err).split(': ', 1)[-1].split(' (')[0])
        self.addCleanup(self._destroy_ours, drv)
        return drv

    def test_boots_from_rbd_volumes_and_destroy_removes_them(self):
        self.assertIsInstance(self.driver.storage.backend, pool.Pool)
        self.skip_without_upload(self.driver.storage.backend.disks_pool)
        instance = self.new_instance()
        self.timed('spawn', self.spawn, instance)
        disks = self.driver.host.get_guest(instance).get_config().devices.disks
        self.assertEqual([('volume', '%s_disk' % instance.uuid)],
                         [(d.type, d.source_volume) for d in disks])
        self.wait_boot(instance)
        self.assertEqual(['%s_disk' % instance.uuid], self.rbd_images(instance))
        self.timed('destroy', self.driver.destroy, self.ctx, instance, None)
        self.assertEqual([], self.rbd_images(instance))
