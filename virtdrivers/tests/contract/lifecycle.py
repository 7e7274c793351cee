"""Contract: lifecycle and power operations."""

import time

from virtdrivers import events
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers.tests.contract.base import ContractBase

RUNNING, SHUTDOWN, PAUSED = (power_state.RUNNING, power_state.SHUTDOWN,
                             power_state.PAUSED)
# A managed save (libvirt) shows as shut off; Nova maps both to suspended.
SUSPENDED_STATES = (power_state.SUSPENDED, power_state.SHUTDOWN)


class LifecycleContract(ContractBase):
    def test_op_launch(self):
        instance = self.spawn()
        self.assertState(RUNNING, instance)
        self.assertIn(instance.uuid, self.driver.list_instance_uuids())
        self.assertIn(instance.name, self.driver.list_instances())
        self.assertTrue(self.driver.instance_exists(instance))

    def test_launch_powered_off(self):
        instance = self.spawn(power_on=False)
        self.assertState(SHUTDOWN, instance)

    def test_launch_twice_is_refused(self):
        instance = self.spawn()
        self.assertRaises(exception.InstanceExists, self.spawn, instance)
        self.assertEqual(1, self.driver.list_instance_uuids().count(instance.uuid))

    def test_launch_emits_started_event(self):
        instance = self.spawn()
        self.assertState(RUNNING, instance)
        self.wait_for_event(instance, events.EVENT_LIFECYCLE_STARTED)

    def wait_for_event(self, instance, transition):
        deadline = time.monotonic() + self.timeout
        wanted = events.LifecycleEvent(instance.uuid, transition)
        while wanted not in self.events:
            if time.monotonic() > deadline:
                self.fail('no %s event for %s; got %s' % (
                    wanted.get_name(), instance.uuid, self.events))
            time.sleep(0.05)

    def test_op_terminate(self):
        instance = self.spawn()
        self.driver.destroy(self.ctx, instance, None)
        self.assertNotIn(instance.uuid, self.driver.list_instance_uuids())
        self.assertFalse(self.driver.instance_exists(instance))
        self.assertRaises(exception.InstanceNotFound, self.driver.get_info, instance)

    def test_terminate_unknown_instance(self):
        self.assertRaises(exception.InstanceNotFound, self.driver.destroy,
                          self.ctx, objects.Instance(), None)

    def test_op_get_guest_info(self):
        first, second = self.spawn(), self.spawn(power_on=False)
        self.assertEqual(RUNNING, self.state(first))
        self.assertEqual(SHUTDOWN, self.state(second))
        self.assertLessEqual({first.uuid, second.uuid},
                             set(self.driver.list_instance_uuids()))
        self.assertEqual(len(self.driver.list_instances()),
                         self.driver.get_num_instances())
        self.assertRaises(exception.InstanceNotFound, self.driver.get_info,
                          objects.Instance())

    def test_op_reboot(self):
        instance = self.spawn()
        if not self.declared('reboot', instance):
            return self.assert_not_supported('reboot', instance)
        for kind in ('SOFT', 'HARD'):
            self.driver.reboot(self.ctx, instance, None, kind)
            self.assertState(RUNNING, instance)
        return None

    def test_op_power(self):
        instance = self.spawn()
        if not self.declared('power', instance):
            return self.assert_not_supported('power', instance)
        self.driver.power_off(instance, timeout=self.timeout)
        self.assertState(SHUTDOWN, instance)
        self.wait_for_event(instance, events.EVENT_LIFECYCLE_STOPPED)
        self.driver.power_on(self.ctx, instance, None)
        self.assertState(RUNNING, instance)
        return None

    def test_op_pause(self):
        instance = self.spawn()
        if not self.declared('pause', instance):
            return self.assert_not_supported('pause', instance)
        self.driver.pause(instance)
        self.assertState(PAUSED, instance)
        self.assertRaises(exception.InstanceInvalidState, self.driver.pause, instance)
        self.driver.unpause(instance)
        self.assertState(RUNNING, instance)
        self.assertRaises(exception.InstanceInvalidState, self.driver.unpause,
                          instance)
        stopped = self.spawn(power_on=False)
        self.assertRaises(exception.InstanceInvalidState, self.driver.pause, stopped)
        self.assertEqual(SHUTDOWN, self.state(stopped))
        return None

    def test_op_suspend(self):
        instance = self.spawn()
        if not self.declared('suspend', instance):
            return self.assert_not_supported('suspend', instance)
        self.driver.suspend(self.ctx, instance)
        self.assertState(SUSPENDED_STATES, instance)
        self.driver.resume(self.ctx, instance, None)
        self.assertState(RUNNING, instance)
        self.assertRaises(exception.InstanceInvalidState, self.driver.resume,
                          self.ctx, instance, None)
        return None

    def test_op_resume_state_on_host_boot(self):
        instance = self.spawn()
        if not self.declared('resume-state-on-host-boot', instance):
            return self.assert_not_supported('resume-state-on-host-boot', instance)
        self.driver.power_off(instance, timeout=self.timeout)
        self.assertState(SHUTDOWN, instance)
        self.driver.resume_state_on_host_boot(self.ctx, instance, None, None)
        self.assertState(RUNNING, instance)
        return None

    def test_op_rescue(self):
        instance = self.spawn()
        if not self.declared('rescue', instance):
            return self.assert_not_supported('rescue', instance)
        self.assertRaises(exception.InstanceInvalidState, self.driver.unrescue,
                          self.ctx, instance)
        self.driver.rescue(self.ctx, instance, None, self.image, 'rescue-pw',
                           None, None)
        self.assertState(RUNNING, instance)
        self.assertRaises(exception.InstanceInvalidState, self.driver.rescue,
                          self.ctx, instance, None, self.image, 'pw', None, None)
        self.driver.unrescue(self.ctx, instance)
        self.assertState(RUNNING, instance)
        self.assertEqual(1, self.driver.list_instance_uuids().count(instance.uuid))
        return None

    def test_op_rebuild(self):
        instance = self.spawn()
        if not self.declared('rebuild', instance):
            return self.assert_not_supported('rebuild', instance)
        self.driver.rebuild(self.ctx, instance, self.image, [], None, {}, [],
                            None, None)
        self.assertState(RUNNING, instance)
        return None

    def test_op_evacuate(self):
        if not self.declared('evacuate'):
            return self.assert_not_supported('evacuate')
        # Evacuation rebuilds an instance whose host died: this driver has
        # never seen it.
        self.assertTrue(self.declared('rebuild'), 'evacuate needs rebuild')
        instance = self.new_instance()
        self.driver.rebuild(self.ctx, instance, self.image, [], None, {}, [],
                            None, None, evacuate=True)
        self.assertState(RUNNING, instance)
        return None

    def test_op_soft_delete(self):
        instance = self.spawn()
        if not self.declared('soft-delete', instance):
            return self.assert_not_supported('soft-delete', instance)
        self.driver.soft_delete(instance)
        self.assertState(SHUTDOWN, instance)
        self.driver.restore(instance)
        self.assertState(RUNNING, instance)
        return None

    def test_op_set_admin_password(self):
        instance = self.spawn()
        if not self.declared('set-admin-password', instance):
            return self.assert_not_supported('set-admin-password', instance)
        self.driver.set_admin_password(instance, 's3cret-contract')
        stopped = self.spawn(power_on=False)
        self.assertRaises(exception.InstanceInvalidState,
                          self.driver.set_admin_password, stopped, 'x')
        return None

    def test_op_trigger_crash_dump(self):
        instance = self.spawn()
        if not self.declared('trigger-crash-dump', instance):
            return self.assert_not_supported('trigger-crash-dump', instance)
        self.driver.trigger_crash_dump(instance)
        stopped = self.spawn(power_on=False)
        self.assertRaises(exception.InstanceInvalidState,
                          self.driver.trigger_crash_dump, stopped)
        return None

    def test_op_quiesce(self):
        instance = self.spawn()
        if not self.declared('quiesce', instance):
            return self.assert_not_supported('quiesce', instance)
        self.driver.quiesce(self.ctx, instance, self.image)
        self.assertRaises(exception.InstanceInvalidState, self.driver.quiesce,
                          self.ctx, instance, self.image)
        self.driver.unquiesce(self.ctx, instance, self.image)
        self.assertRaises(exception.InstanceInvalidState, self.driver.unquiesce,
                          self.ctx, instance, self.image)
        return None

    def test_op_snapshot(self):
        instance = self.spawn()
        if not self.declared('snapshot', instance):
            return self.assert_not_supported('snapshot', instance)
        record = self.image_service.create(self.ctx, {'name': 'snap'})
        states = []
        self.driver.snapshot(self.ctx, instance, record.id,
                             lambda **kw: states.append(kw['task_state']))
        image = self.image_service.show(self.ctx, record.id)
        self.assertEqual('active', image.status)
        self.assertGreater(image.size, 0)
        self.assertEqual(['image_pending_upload', 'image_uploading'], states)
        self.assertState(RUNNING, instance)
        return None

    def test_snapshot_to_missing_image_record(self):
        instance = self.spawn()
        if not self.declared('snapshot', instance):
            self.skipTest('snapshot is not declared')
        self.assertRaises(exception.ImageNotFound, self.driver.snapshot, self.ctx,
                          instance, '00000000-0000-0000-0000-000000000000',
                          lambda **kw: None)
