"""The driver contract suite with ``[libvirt] images_type = rbd``: the
LibvirtDriver on a private libvirt test-driver host (which accepts network
disks in domain XML and runs nothing), its disks RBD images in the real
Ceph cluster of testing.ceph.

Every test checks at clean-up that the pool holds no image it did not
hold before: destroy removes each disk and its snapshots.
"""

from virtdrivers.testing import ceph
from virtdrivers.testing import realhv
from virtdrivers.tests.functional import test_libvirt_contract as functional

SECRET = '3d1ebba2-4b0c-4c7e-9d9a-7b1d6c0f2a11'


class RbdContractTest(functional.LibvirtQemuContractTest):
    def make_conf(self):
        self.ceph = realhv.use_or_skip(self, ceph.CephClusterFixture())
        self.admin = self.ceph.client(user='admin')
        before = self.admin.list_images(self.ceph.pool)
        # Registered first, so it runs after the driver's own clean-up.
        self.addCleanup(self._check_no_image_left, before)
        conf = super().make_conf()
        for name, value in (('images_type', 'rbd'),
                            ('images_rbd_pool', self.ceph.pool),
                            ('images_rbd_ceph_conf', self.ceph.conf),
                            ('rbd_user', self.ceph.user),
                            ('rbd_secret_uuid', SECRET)):
            conf.set_override(name, value, group='libvirt')
        return conf

    def _check_no_image_left(self, before):
        left = sorted(set(self.admin.list_images(self.ceph.pool)) - set(before))
        self.assertEqual([], left, 'RBD images left in pool %s'
                         % self.ceph.pool)

    def test_disks_are_rbd_images(self):
        instance = self.spawn()
        disk = self.driver.host.get_guest(instance).get_config().devices.disks[0]
        name = '%s_disk' % instance.uuid
        self.assertEqual(('network', 'rbd', '%s/%s' % (self.ceph.pool, name)),
                         (disk.type, disk.source_protocol, disk.source_name))
        self.assertEqual([name], self.admin.list_images(self.ceph.pool,
                                                        instance.uuid))
        self.driver.destroy(self.ctx, instance, None)
        self.assertEqual([], self.admin.list_images(self.ceph.pool,
                                                    instance.uuid))
