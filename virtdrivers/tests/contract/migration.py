"""Contract: resize, cold migration and live migration."""

import json

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers.tests.contract.base import ContractBase


class MigrationContract(ContractBase):
    def _migration(self, instance):
        return objects.Migration(instance_uuid=instance.uuid,
                                 source_compute=self.host, dest_compute=self.host,
                                 migration_type='resize')

    def _resize(self):
        instance = self.spawn()
        if not self.declared('resize', instance):
            self.assert_not_supported('resize', instance)
            return None, None
        bigger = self.make_flavor(name='contract.bigger', root_gb=2, vcpus=2)
        disk_info = self.driver.migrate_disk_and_power_off(
            self.ctx, instance, self.host, bigger, None, timeout=self.timeout)
        self.assertIsInstance(json.loads(disk_info), list)
        self.assertState(power_state.SHUTDOWN, instance)
        return instance, bigger

    def test_op_resize(self):
        instance, bigger = self._resize()
        if instance is None:
            return
        old_flavor, instance.flavor = instance.flavor, bigger
        migration = self._migration(instance)
        self.driver.finish_migration(self.ctx, migration, instance, '[]', None,
                                     self.image, True, {})
        self.assertState(power_state.RUNNING, instance)
        self.driver.confirm_migration(self.ctx, migration, instance, None)
        self.assertState(power_state.RUNNING, instance)
        self.assertEqual(1, self.driver.list_instance_uuids().count(instance.uuid))
        self.assertIsNot(old_flavor, instance.flavor)

    def test_resize_revert(self):
        instance, bigger = self._resize()
        if instance is None:
            return
        migration = self._migration(instance)
        self.driver.finish_revert_migration(self.ctx, instance, None, migration)
        self.assertState(power_state.RUNNING, instance)

    def test_resize_cannot_shrink_root_disk(self):
        instance = self.spawn(instance=self.new_instance(
            flavor=self.make_flavor(root_gb=2)))
        if not self.declared('resize', instance):
            self.skipTest('resize is not declared')
        self.assertRaises(exception.VirtDriverError,
                          self.driver.migrate_disk_and_power_off, self.ctx,
                          instance, self.host, self.make_flavor(root_gb=1), None)
        self.assertState(power_state.RUNNING, instance)

    def test_op_live_migrate(self):
        instance = self.spawn()
        if not self.declared('live-migrate', instance):
            return self.assert_not_supported('live-migrate', instance)
        peer = self.make_peer_driver()
        if peer is None:
            self.skipTest('this setup has no second host to migrate to')
        peer_host = peer.get_available_nodes()[0]
        self.addCleanup(self._cleanup_instances, peer)
        data = peer.check_can_live_migrate_destination(self.ctx, instance, {}, {})
        data = self.driver.check_can_live_migrate_source(self.ctx, instance, data)
        peer.pre_live_migration(self.ctx, instance, None, None, None, data)
        done = []
        self.driver.live_migration(
            self.ctx, instance, peer_host,
            lambda *a: done.append('post'), lambda *a: done.append('recover'),
            migrate_data=data)
        self.assertEqual(['post'], done)
        self.driver.post_live_migration_at_source(self.ctx, instance, None)
        peer.post_live_migration_at_destination(self.ctx, instance, None)
        self.assertNotIn(instance.uuid, self.driver.list_instance_uuids())
        self.assertEqual(power_state.RUNNING, self.state(instance, peer))
        return None

    def test_live_migrate_to_unknown_host_recovers(self):
        instance = self.spawn()
        if not self.declared('live-migrate', instance):
            self.skipTest('live-migrate is not declared')
        done = []
        self.assertRaises(exception.VirtDriverError, self.driver.live_migration,
                          self.ctx, instance, 'no-such-host.invalid',
                          lambda *a: done.append('post'),
                          lambda *a: done.append('recover'))
        self.assertEqual(['recover'], done)
        self.assertState(power_state.RUNNING, instance)

    def _running_migration_op(self, operation):
        instance = self.spawn()
        if not self.declared(operation, instance):
            return self.assert_not_supported(operation, instance)
        self.fail('no contract test for %s yet: write one first' % operation)
        return None

    def test_op_live_migrate_force_complete(self):
        self._running_migration_op('live-migrate-force-complete')

    def test_op_live_migrate_abort(self):
        self._running_migration_op('live-migrate-abort')
