"""Cold migration of a real QEMU guest (TCG) to another libvirtd host.

The source is the machine's libvirtd with ``qcow2`` disks; the destination
the peer libvirtd of ``tools/realhv/setup-peer-libvirt.sh`` with the
``pool`` backend. The source stops the guest, keeps a copy of its disks and
uploads them into the peer's disks pool (``virStorageVolUpload``); the peer
adopts the volumes, grows them to the new flavor and boots the guest.
Data the source wrote past the guest's file system arrives intact.
"""

import hashlib
import os

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers import virtapi
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import resize_stash
from virtdrivers.libvirt.builder import context
from virtdrivers.testing import realhv
from virtdrivers.testing import realhv_peer
from virtdrivers.tests.realhv import base

MiB = 1024 * 1024
GiB = 1024 * MiB


def digest(path, length):
    """SHA-256 of the first *length* bytes of *path*."""
    sha = hashlib.sha256()
    with open(path, 'rb') as f:
        while length > 0:
            chunk = f.read(min(length, 4 * MiB))
            if not chunk:
                break
            sha.update(chunk)
            length -= len(chunk)
    return sha.hexdigest()


class ColdMigrationTest(base.DriverTestCase):
    def setUp(self):
        super().setUp()
        self.peer_hv = realhv.use_or_skip(self, realhv_peer.PeerLibvirtFixture())

    def make_peer(self):
        conf = self.peer_hv.make_conf(self.workdir, images_type='default')
        os.makedirs(conf.instances_path, exist_ok=True)
        # The pools have their default names, as the source expects; they
        # are the peer daemon's own, over the peer's instances_path.
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                           image_service=self.images)
        drv.init_host(self.peer_hv.hostname)
        self.addCleanup(self._forget_pools, drv)
        self.addCleanup(drv.cleanup_host, self.peer_hv.hostname)
        self.addCleanup(self._destroy_ours, drv)
        return drv

    @staticmethod
    def _forget_pools(drv):
        for name in (drv.settings.pools.disks_pool, drv.settings.pools.base_pool):
            conn = drv.host.get_connection()
            try:
                pool = conn.storagePoolLookupByName(name)
            except Exception:   # noqa: BLE001 - gone already
                continue
            for vol in pool.listAllVolumes() if pool.isActive() else ():
                vol.delete(0)
            if pool.isActive():
                pool.destroy()
            pool.undefine()

    def migration(self, instance):
        return objects.Migration(
            instance_uuid=instance.uuid, source_compute='realhv-host',
            dest_compute=self.peer_hv.hostname, migration_type='migration')

    def test_disks_travel_through_the_peer_pool_and_the_guest_boots(self):
        peer = self.make_peer()
        instance = self.spawn(self.new_instance())
        self.wait_boot(instance)
        disk = os.path.join(self.instances_path, instance.uuid, 'disk')
        bigger = objects.Flavor(**dict(self.flavor, name='realhv.bigger',
                                       root_gb=2))

        disk_info = self.timed(
            'migrate_disk_and_power_off (upload)',
            self.driver.migrate_disk_and_power_off, self.ctx, instance,
            self.peer_hv.address, bigger, None, timeout=30)
        self.assertEqual(power_state.SHUTDOWN, self.state(instance))
        left = os.path.join(self.workdir, 'left.raw')
        self.driver.storage.backend.snapshot_extract(instance, context.ROOT,
                                                     left, 'raw')
        instance.flavor = bigger
        migration = self.migration(instance)
        self.timed('finish_migration (peer)', peer.finish_migration, self.ctx,
                   migration, instance, disk_info, None, self.image, True, {})
        self.wait_boot(instance, driver=peer)
        self.assertEqual(power_state.RUNNING, self.state(instance, peer))
        disks = peer.host.get_guest(instance).get_config().devices.disks
        self.assertEqual([('volume', '%s_disk' % instance.uuid)],
                         [(d.type, d.source_volume) for d in disks])

        self.driver.confirm_migration(self.ctx, migration, instance, None)
        self.assertNotIn(instance.uuid, self.driver.list_instance_uuids())
        self.assertFalse(os.path.exists(disk))
        self.assertIsNone(resize_stash.load(self.instances_path, instance))

        extracted = os.path.join(self.workdir, 'arrived.raw')
        peer.power_off(instance)
        peer.storage.backend.snapshot_extract(instance, context.ROOT, extracted,
                                              'raw')
        self.assertEqual(2 * GiB, os.path.getsize(extracted))
        self.assertEqual(digest(left, GiB), digest(extracted, GiB),
                         'the disk that arrived is not the one that left')
        peer.destroy(self.ctx, instance, None)
        self.assertEqual([], peer.storage.backend.disks_pool.volumes(
            instance.uuid))

    def test_revert_keeps_the_source_disks(self):
        peer = self.make_peer()
        instance = self.spawn(self.new_instance())
        self.wait_boot(instance)
        disk_info = self.driver.migrate_disk_and_power_off(
            self.ctx, instance, self.peer_hv.address,
            objects.Flavor(**self.flavor), None, timeout=30)
        migration = self.migration(instance)
        peer.finish_migration(self.ctx, migration, instance, disk_info, None,
                              self.image, False, {}, power_on=False)
        # Nova: the destination destroys its copy, the source starts again.
        peer.destroy(self.ctx, instance, None)
        seen = len(self.output(instance))
        self.driver.finish_revert_migration(self.ctx, instance, None, migration)
        self.wait_boot(instance, after=seen)
        self.assertEqual([], peer.storage.backend.disks_pool.volumes(
            instance.uuid))

    def test_a_peer_without_the_pool_is_refused_before_the_guest_stops(self):
        instance = self.spawn(self.new_instance())
        err = self.assertRaises(
            exception.MigrationPreCheckError,
            self.driver.migrate_disk_and_power_off, self.ctx, instance,
            self.peer_hv.address, objects.Flavor(**self.flavor), None)
        self.assertIn('nova-disks-pool', str(err))
        self.assertEqual(power_state.RUNNING, self.state(instance))
        self.assertIsNone(resize_stash.load(self.instances_path, instance))
