"""The real LibvirtDriver through a whole instance lifecycle, per backend.

A tiny real guest is uploaded to a LocalImageStore and spawned through the
driver on the real libvirtd (TCG). After each step the power state the
driver reports is checked, and the guest's own serial console output, read
through ``get_console_output``, shows what really happened: it booted, it
was not rebooted across a suspend, it came back after a reboot, power on,
rescue and unrescue. A snapshot is uploaded and a second instance boots
from it. At the end nothing of either instance is left: no domain, no
instance directory or disk, no cache reference, no managed save, no libvirt
runtime state (cached base images may stay: that is the cache's job).
"""

from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers.testing import realhv
from virtdrivers.tests.realhv import base

RUNNING, PAUSED, SHUTDOWN = (power_state.RUNNING, power_state.PAUSED,
                             power_state.SHUTDOWN)


class LifecycleTestMixin:
    """The lifecycle, run by one subclass per image backend."""

    def assertState(self, expected, instance):
        self.assertEqual(power_state.name(expected),
                         power_state.name(self.state(instance)))

    def domain(self, instance):
        return self.conn.lookupByUUIDString(instance.uuid)

    def test_lifecycle(self):
        instance = self.new_instance()
        self.timed('spawn', self.spawn, instance)
        self.assertState(RUNNING, instance)
        booted = self.wait_boot(instance)
        self.assertIn('disks=[vda ]', booted.line)

        self._pause_unpause(instance)
        mark = self._suspend_resume(instance)
        mark = self._soft_reboot(instance, mark)
        mark = self._snapshot_and_boot_it(instance, mark)
        mark = self._power_off_on(instance, mark)
        self._rescue_unrescue(instance, mark)

        self.timed('destroy', self.driver.destroy, self.ctx, instance, None)
        self.assertRaises(exception.InstanceNotFound, self.driver.get_info,
                          instance)
        self.assertNotIn(instance.uuid, self.driver.list_instance_uuids())
        # The leak check (base.DriverTestCase) runs at clean-up.

    def _pause_unpause(self, instance):
        self.timed('pause', self.driver.pause, instance)
        self.assertState(PAUSED, instance)
        # A paused guest is snapshotted cold: managed save, copy, restore.
        record = self.images.create(self.ctx, {'name': 'realhv-paused'})
        self.timed('snapshot paused', self.driver.snapshot, self.ctx, instance,
                   record.id, lambda **kw: None)
        self.assertEqual('active', self.images.show(self.ctx, record.id).status)
        self.assertState(PAUSED, instance)
        self.assertFalse(self.domain(instance).hasManagedSaveImage(0))
        self.timed('unpause', self.driver.unpause, instance)
        self.assertState(RUNNING, instance)

    def _suspend_resume(self, instance):
        """Managed save and restore: the guest keeps its uptime."""
        before = self.wait_for(instance, self.guest.alive_marker)
        self.timed('suspend', self.driver.suspend, self.ctx, instance)
        self.assertState(SHUTDOWN, instance)
        self.assertTrue(self.domain(instance).hasManagedSaveImage(0))
        self.timed('resume', self.driver.resume, self.ctx, instance, None)
        self.assertState(RUNNING, instance)
        self.assertFalse(self.domain(instance).hasManagedSaveImage(0))
        after = self.wait_for(instance, self.guest.alive_marker, before.end)
        self.assertNotIn(self.guest.boot_marker,
                         self.output(instance)[before.end:after.end])
        # A rebooted guest would count from 0 again.
        self.assertGreater(realhv.uptimes(after.line)[0],
                           realhv.uptimes(before.line)[0])
        return after.end

    def _soft_reboot(self, instance, mark):
        self.timed('reboot SOFT', self.driver.reboot, self.ctx, instance, None,
                   'SOFT')
        self.assertState(RUNNING, instance)
        booted = self.wait_boot(instance, mark, 'soft reboot')
        # ACPI: the guest shut itself down before it booted again.
        self.assertIn(self.guest.poweroff_marker,
                      self.output(instance)[mark:booted.start])
        return booted.end

    def _snapshot_and_boot_it(self, instance, mark):
        record = self.images.create(self.ctx, {'name': 'realhv-snapshot'})
        task_states = []
        self.timed('snapshot', self.driver.snapshot, self.ctx, instance,
                   record.id, lambda **kw: task_states.append(kw['task_state']))
        self.assertEqual(['image_pending_upload', 'image_uploading'],
                         task_states)
        self.assertState(RUNNING, instance)
        snap = self.images.show(self.ctx, record.id)
        self.assertEqual('active', snap.status)
        self.assertGreater(snap.size, 0)
        self.assertEqual(instance.uuid, snap.properties.get('instance_uuid'))

        second = self.new_instance(image=snap)
        self.timed('spawn from snapshot', self.spawn, second, snap)
        self.assertState(RUNNING, second)
        booted = self.wait_boot(second, label='snapshot instance')
        self.assertIn('disks=[vda ]', booted.line)
        self.timed('destroy snapshot instance', self.driver.destroy, self.ctx,
                   second, None)
        self.assertNotIn(second.uuid, self.driver.list_instance_uuids())

        # The snapshot did not reboot the first guest.
        alive = self.wait_for(instance, self.guest.alive_marker, mark)
        self.assertNotIn(self.guest.boot_marker,
                         self.output(instance)[mark:alive.end])
        return alive.end

    def _power_off_on(self, instance, mark):
        self.timed('power_off', self.driver.power_off, instance, timeout=60)
        self.assertState(SHUTDOWN, instance)
        self.assertIn(self.guest.poweroff_marker, self.output(instance)[mark:])
        mark = len(self.output(instance))
        self.timed('power_on', self.driver.power_on, self.ctx, instance, None)
        self.assertState(RUNNING, instance)
        return self.wait_boot(instance, mark, 'power on').end

    def _rescue_unrescue(self, instance, mark):
        # Rescue boots the rescue image (here the same image) with the
        # instance's own root disk as the second disk.
        self.timed('rescue', self.driver.rescue, self.ctx, instance, None,
                   self.image, 'rescue-password', None, None)
        self.assertState(RUNNING, instance)
        booted = self.wait_boot(instance, mark, 'rescue')
        self.assertIn('disks=[vda vdb ]', booted.line)
        self.timed('unrescue', self.driver.unrescue, self.ctx, instance)
        self.assertState(RUNNING, instance)
        booted = self.wait_boot(instance, booted.end, 'unrescue')
        self.assertIn('disks=[vda ]', booted.line)
        return booted.end


class TestQcow2Lifecycle(LifecycleTestMixin, base.DriverTestCase):
    """``images_type=qcow2``: overlays on the cached qcow2 image's base."""

    images_type = 'qcow2'
    image_file = ('disk_qcow2', 'qcow2')


class TestFlatLifecycle(LifecycleTestMixin, base.DriverTestCase):
    """``images_type=flat``: full copies of the cached raw image."""

    images_type = 'flat'
    image_file = ('disk_raw', 'raw')


class TestDestroyInAnyState(base.DriverTestCase):
    """destroy removes an instance whatever state it is in: its managed
    save, rescue disk and saved definition go with it (the leak check)."""

    def test_destroy_suspended_paused_rescued_stopped(self):
        instances = {state: self.spawn(self.new_instance())
                     for state in ('suspended', 'paused', 'rescued', 'stopped')}
        self.driver.suspend(self.ctx, instances['suspended'])
        self.driver.pause(instances['paused'])
        self.driver.rescue(self.ctx, instances['rescued'], None, self.image,
                           'rescue-password', None, None)
        self.driver.power_off(instances['stopped'])
        self.assertTrue(self.conn.lookupByUUIDString(
            instances['suspended'].uuid).hasManagedSaveImage(0))
        for state, instance in instances.items():
            self.timed('destroy %s' % state, self.driver.destroy, self.ctx,
                       instance, None)
            self.assertRaises(exception.InstanceNotFound, self.driver.get_info,
                              instance)
