"""Live migration of a real QEMU guest (TCG) between two libvirtd hosts.

The source is the machine's libvirtd (``qemu:///system``), the destination
the peer libvirtd of ``tools/realhv/setup-peer-libvirt.sh`` (another
hostname and host UUID, reached over TCP at a 127.0.0.0/8 address). Each
test drives Nova's sequence through two LibvirtDrivers: the destination's
check, the source's check, ``pre_live_migration`` on the destination,
``live_migration`` on the source, then the post (or recover) steps. The
guest's own console shows it kept running: its uptime keeps growing after
the move, and no second boot marker appears.
"""

import os
import time

from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers import virtapi
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import xml as vxml
from virtdrivers.testing import realhv
from virtdrivers.testing import realhv_peer
from virtdrivers.tests.realhv import base


class LiveMigrationTest(base.DriverTestCase):
    """qcow2 disks: on shared storage (one instances_path for both hosts)
    and block-migrated (an instances_path of each host's own)."""

    def setUp(self):
        super().setUp()
        self.peer_hv = realhv.use_or_skip(self, realhv_peer.PeerLibvirtFixture())
        self.peer_conn = self.peer_hv.connect()

    def make_peer(self, instances_path=None, **libvirt_options):
        """A driver on the peer host; its own instances_path by default."""
        conf = self.peer_hv.make_conf(self.workdir, instances_path=instances_path,
                                      **libvirt_options)
        os.makedirs(conf.instances_path, exist_ok=True)
        # Before the driver: its clean-up runs after the driver's. A shared
        # instances_path is the source's, checked after both drivers'.
        dirs = () if instances_path else (conf.instances_path,)
        self.useFixture(realhv.LeakCheckFixture(
            self.peer_hv.uri, dirs, match=self.prefix))
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                           image_service=self.images)
        drv.init_host(self.peer_hv.hostname)
        self.addCleanup(drv.cleanup_host, self.peer_hv.hostname)
        self.addCleanup(self._destroy_ours, drv)
        return drv

    def source_info(self):
        return self.driver.get_available_resource('realhv-host')

    def prepare(self, instance, peer, block_migration=None, peer_info=None):
        """Nova's checks on both hosts and ``pre_live_migration``; the
        migrate data."""
        data = peer.check_can_live_migrate_destination(
            self.ctx, instance, self.source_info(),
            peer_info if peer_info is not None else
            peer.get_available_resource(self.peer_hv.hostname),
            block_migration=block_migration)
        try:
            data = self.driver.check_can_live_migrate_source(
                self.ctx, instance, data)
        finally:
            peer.cleanup_live_migration_destination_check(self.ctx, data)
        return peer.pre_live_migration(self.ctx, instance, None, None, None,
                                       data)

    def migrate(self, instance, peer, block_migration=None):
        """Nova's sequence; the migrate data and the calls made back."""
        data = self.prepare(instance, peer, block_migration)
        calls = []
        self.timed('live_migration', self.driver.live_migration, self.ctx,
                   instance, self.peer_hv.hostname,
                   lambda *args: calls.append('post'),
                   lambda *args: calls.append('recover'), migrate_data=data)
        self.assertEqual(['post'], calls)
        self.driver.post_live_migration_at_source(self.ctx, instance, None)
        if not data['is_shared_instance_path']:
            # What Nova's compute manager does on the source.
            self.driver.cleanup(self.ctx, instance, None, destroy_disks=True,
                                migrate_data=data)
        peer.post_live_migration_at_destination(self.ctx, instance, None,
                                                data['block_migration'])
        return data

    def assertMovedAlive(self, instance, peer, before):
        """Gone from the source, running on the peer, not rebooted."""
        self.assertNotIn(instance.uuid, self.driver.list_instance_uuids())
        self.assertRaises(exception.InstanceNotFound, self.driver.get_info,
                          instance)
        self.assertEqual(power_state.RUNNING, peer.get_info(instance).state)
        dom = self.peer_conn.lookupByUUIDString(instance.uuid)
        self.assertTrue(dom.isPersistent())
        self.wait_uptime_beyond(instance, peer, realhv.uptimes(before.line)[0])
        return dom

    def wait_uptime_beyond(self, instance, drv, uptime):
        """The guest (on *drv*) reports an uptime past *uptime*, and booted
        once at most in what *drv* logged: it was not restarted."""
        deadline = time.monotonic() + 4 * self.guest.alive_period + 30
        while True:
            text = self.output(instance, drv)
            if max(realhv.uptimes(text), default=0) > uptime:
                break
            if time.monotonic() > deadline:
                self.fail('no uptime past %.1f s in the console:\n%s'
                          % (uptime, text[-600:]))
            time.sleep(0.5)
        self.assertLessEqual(text.count(self.guest.boot_marker), 1)

    @staticmethod
    def disk_path(dom):
        return vxml.Domain.from_xml(dom.XMLDesc(0)).devices.disks[0].source_file

    def test_shared_storage(self):
        peer = self.make_peer(instances_path=self.instances_path)
        instance = self.spawn(self.new_instance())
        before = self.wait_for(instance, self.guest.alive_marker)
        data = self.migrate(instance, peer)
        self.assertEqual((True, False), (data['is_shared_instance_path'],
                                         data['block_migration']))
        dom = self.assertMovedAlive(instance, peer, before)
        self.assertEqual(os.path.join(self.instances_path, instance.uuid, 'disk'),
                         self.disk_path(dom))
        self.assertTrue(os.path.isfile(self.disk_path(dom)))

    def test_block_migration(self):
        peer = self.make_peer()
        instance = self.spawn(self.new_instance())
        before = self.wait_for(instance, self.guest.alive_marker)
        data = self.migrate(instance, peer)
        self.assertEqual((False, True), (data['is_shared_instance_path'],
                                         data['block_migration']))
        dom = self.assertMovedAlive(instance, peer, before)
        peer_dir = peer.storage.instance_dir(instance)
        self.assertEqual(os.path.join(peer_dir, 'disk'), self.disk_path(dom))
        self.assertTrue(os.path.isfile(os.path.join(peer_dir, 'disk')))
        # The source's copy is gone; the peer boots it again from its own.
        self.assertFalse(os.path.exists(
            self.driver.storage.instance_dir(instance)))
        peer.reboot(self.ctx, instance, None, 'HARD')
        self.wait_boot(instance, driver=peer)

    def test_shared_storage_refuses_block_migration(self):
        peer = self.make_peer(instances_path=self.instances_path)
        instance = self.spawn(self.new_instance())
        data = peer.check_can_live_migrate_destination(
            self.ctx, instance, self.source_info(), {}, block_migration=True)
        self.addCleanup(peer.cleanup_live_migration_destination_check,
                        self.ctx, data)
        err = self.assertRaises(exception.MigrationPreCheckError,
                                self.driver.check_can_live_migrate_source,
                                self.ctx, instance, data)
        self.assertIn('storage both hosts share', str(err))
        self.assertEqual(power_state.RUNNING, self.state(instance))

    def _migration_fails(self, instance, dest, data):
        calls = []
        err = self.assertRaises(
            exception.MigrationError, self.driver.live_migration, self.ctx,
            instance, dest, lambda *args: calls.append('post'),
            lambda *args: calls.append('recover'), migrate_data=data)
        self.assertEqual(['recover'], calls)
        self.assertEqual(power_state.RUNNING, self.state(instance))
        self.assertEqual([], self.peer_conn.listAllDomains())
        return err

    def test_unreachable_host_recovers(self):
        instance = self.spawn(self.new_instance())
        before = self.wait_for(instance, self.guest.alive_marker)
        err = self._migration_fails(instance, 'realhv-unreachable.invalid',
                                    None)
        self.assertIn('realhv-unreachable.invalid', str(err))
        self.wait_uptime_beyond(instance, self.driver,
                                realhv.uptimes(before.line)[0])

    def test_completion_timeout_aborts(self):
        # 1 MiB/s for 128 MiB of memory: far beyond the 2 s allowed
        # (1 s per GiB, at least 2 GiB counted).
        self.driver = self.make_driver_with(live_migration_bandwidth=1,
                                            live_migration_completion_timeout=1)
        peer = self.make_peer(instances_path=self.instances_path)
        instance = self.spawn(self.new_instance())
        data = self.prepare(instance, peer, peer_info={})
        err = self._migration_fails(instance, self.peer_hv.hostname, data)
        self.assertIn('aborted', str(err))
        peer.rollback_live_migration_at_destination(
            self.ctx, instance, None, None, migrate_data=data)
        self.assertTrue(os.path.isfile(os.path.join(
            self.driver.storage.instance_dir(instance), 'disk')))

    def make_driver_with(self, **libvirt_options):
        self.libvirt_options = libvirt_options
        return self.make_driver()
