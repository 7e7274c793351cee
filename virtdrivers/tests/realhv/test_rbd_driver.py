"""The real LibvirtDriver with ``images_type = rbd`` on the real libvirtd:
the tiny guest boots from an RBD image in the real Ceph cluster, which
QEMU opens with librbd (qemu-block-extra) as the cephx user of
``rbd_user``, whose key is in the libvirt secret ``rbd_secret_uuid``.

The driver does not define that secret yet; the test does it with the
helper the driver is to call (``Rbd.ensure_secret(host)``).
"""

import os
import uuid

import fixtures

from virtdrivers import exception
from virtdrivers import virtapi
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import rbd_utils
from virtdrivers.testing import ceph
from virtdrivers.testing import realhv
from virtdrivers.tests.realhv import base


class RbdDriverTest(base.DriverTestCase):
    images_type = 'rbd'
    image_file = ('disk_raw', 'raw')

    def make_driver(self):
        self.ceph = realhv.use_or_skip(self, ceph.CephClusterFixture())
        self.admin = self.ceph.client(user='admin')
        self.secret_uuid = str(uuid.uuid4())
        # Before the driver's clean-up is registered: runs after it.
        self.addCleanup(self._undefine_secret)
        conf = base.make_conf(
            self.workdir, self.hv.virt_type, self.hv.uri, self.images_type,
            images_rbd_pool=self.ceph.pool,
            images_rbd_ceph_conf=self.ceph.conf, rbd_user=self.ceph.user,
            rbd_secret_uuid=self.secret_uuid)
        drv = libvirt_driver.LibvirtDriver(
            virtapi.LocalVirtAPI(), conf=conf, image_service=self.images)
        drv.init_host('realhv-host')
        self.addCleanup(drv.cleanup_host, 'realhv-host')
        self.addCleanup(self._destroy_ours, drv)
        self.assertTrue(drv.storage.backend.ensure_secret(drv.host))
        return drv

    def _undefine_secret(self):
        import libvirt

        try:
            self.conn.secretLookupByUUIDString(self.secret_uuid).undefine()
        except libvirt.libvirtError as err:
            # Never defined: the test failed before.
            if err.get_error_code() != libvirt.VIR_ERR_NO_SECRET:
                raise

    def rbd_images(self, instance):
        return self.admin.list_images(self.ceph.pool, instance.uuid + '_')

    def domain_disk(self, instance):
        guest = self.driver.host.get_guest(instance)
        return guest.get_config().devices.disks[0]

    def test_boots_from_rbd_and_destroy_removes_its_images(self):
        instance = self.new_instance()
        self.timed('spawn', self.spawn, instance)
        disk = self.domain_disk(instance)
        self.assertEqual(('network', 'rbd', '%s/%s_disk'
                          % (self.ceph.pool, instance.uuid)),
                         (disk.type, disk.source_protocol, disk.source_name))
        self.assertEqual((self.ceph.user, self.secret_uuid),
                         (disk.auth.username, disk.auth.secret_uuid))
        booted = self.wait_boot(instance)
        self.assertIn('disks=[vda ]', booted.line)
        self.assertEqual(['%s_disk' % instance.uuid], self.rbd_images(instance))

        self.timed('snapshot', self._snapshot, instance)
        self.timed('destroy', self.driver.destroy, self.ctx, instance, None)
        self.assertEqual([], self.rbd_images(instance))

    def _snapshot(self, instance):
        """The driver's snapshot of a running guest on RBD (cold: a network
        disk has no live block copy here) gives a bootable raw image."""
        snap = self.images.create(self.ctx, {'name': 'rbd-snapshot'})
        backend = self.driver.storage.backend
        extract = backend.snapshot_extract
        self.useFixture(fixtures.MonkeyPatch(
            'virtdrivers.libvirt.imagebackend.rbd.Rbd.snapshot_extract',
            lambda _self, *args: self.timed('  of which RBD export', extract,
                                            *args)))
        self.driver.snapshot(self.ctx, instance, snap.id, lambda **kw: None)
        meta = self.images.show(self.ctx, snap.id)
        self.assertEqual(('raw', self.flavor['root_gb'] * 1024 ** 3),
                         (meta.disk_format, meta.size))
        with open(self.guest.disk_raw, 'rb') as f, \
                open(os.path.join(self.images.directory, snap.id), 'rb') as g:
            # The partition table and boot loader came through.
            self.assertEqual(f.read(1024 * 1024), g.read(1024 * 1024))

    def test_boots_from_a_clone_of_an_image_in_the_cluster(self):
        # The image as a Glance backed by this cluster keeps it.
        pool = self.ceph.images_pool
        self.admin.import_file(self.guest.disk_raw, pool, self.image.id)
        self.addCleanup(self.admin.remove, pool, self.image.id)
        self.admin.create_snapshot(pool, self.image.id, 'snap', protect=True)
        self.image.direct_url = rbd_utils.Location(
            self.ceph.fsid, pool, self.image.id, 'snap').url
        instance = self.new_instance()
        self.timed('spawn (clone)', self.spawn, instance)
        name = '%s_disk' % instance.uuid
        self.assertEqual((pool, self.image.id, 'snap'),
                         self.admin.parent(self.ceph.pool, name))
        cache = self.driver.storage.backend.cache
        self.assertFalse(os.path.exists(cache.path_for(self.image.id)))
        self.wait_boot(instance)
        self._direct_snapshot(instance, pool)
        self.timed('destroy', self.driver.destroy, self.ctx, instance, None)
        self.assertEqual([], self.rbd_images(instance))
        self.assertRaises(exception.NotFound, self.admin.size, self.ceph.pool,
                          name)

    def _direct_snapshot(self, instance, pool):
        """An instance whose image lives in the cluster is snapshotted inside
        Ceph: no data is uploaded, the image record gets the RBD location of
        a flattened clone."""
        snap = self.images.create(self.ctx, {'name': 'rbd-direct-snapshot'})
        states = []
        self.timed('direct snapshot', self.driver.snapshot, self.ctx, instance,
                   snap.id, lambda **kw: states.append(kw['task_state']))
        self.assertEqual(['image_pending_upload', 'image_uploading'], states)
        meta = self.images.show(self.ctx, snap.id)
        url = rbd_utils.Location(self.ceph.fsid, pool, snap.id, 'snap').url
        self.assertEqual([url], [loc['url'] for loc in meta.locations])
        self.addCleanup(self.admin.remove, pool, snap.id)
        self.assertIsNone(self.admin.parent(pool, snap.id))
        self.assertEqual(self.flavor['root_gb'] * 1024 ** 3,
                         self.admin.size(pool, snap.id))
