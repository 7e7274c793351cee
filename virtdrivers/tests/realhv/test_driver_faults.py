"""The real LibvirtDriver when libvirtd goes away, and guests that ignore ACPI.

libvirtd is stopped and started again (running guests survive it) between
two driver calls, while it is down, and in the middle of a spawn and of a
snapshot. Every driver call either works on a new connection or raises one
:class:`~virtdrivers.exception.HypervisorUnavailable` (never a raw
libvirtError), and a failed operation leaves no domain, disk, instance file
or cache reference behind (the leak check of ``base.DriverTestCase``).

A guest booted with ``realhv_noacpid`` ignores the ACPI power button:
``power_off`` with a timeout ends with it off (forced), and a soft reboot
falls back to a hard one.
"""

import os
import time

import libvirt

from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers.testing import realhv
from virtdrivers.tests.realhv import base

RUNNING, SHUTDOWN = power_state.RUNNING, power_state.SHUTDOWN


class TestLibvirtdRestart(base.DriverTestCase):

    def setUp(self):
        super().setUp()
        # After the driver: libvirtd runs again before the driver cleans up.
        self.libvirtd = self.useFixture(realhv.LibvirtdRestartFixture(self.hv.uri))

    def instance_dir(self, instance):
        return os.path.join(self.instances_path, instance.uuid)

    def assertGone(self, instance):
        """Neither a domain nor files of *instance* exist."""
        self.assertNotIn(instance.uuid, self.driver.list_instance_uuids())
        self.assertFalse(os.path.exists(self.instance_dir(instance)))

    def test_restart_between_calls(self):
        instance = self.spawn(self.new_instance())
        booted = self.wait_boot(instance)
        self.timed('restart libvirtd', self.libvirtd.restart)

        # The Host reconnects: nothing to see for the caller.
        self.assertEqual(RUNNING, self.timed('get_info after restart',
                                             self.state, instance))
        self.driver.pause(instance)
        self.assertEqual(power_state.PAUSED, self.state(instance))
        self.driver.unpause(instance)
        self.assertEqual(RUNNING, self.state(instance))
        # The guest itself ran on through the restart.
        alive = self.wait_for(instance, self.guest.alive_marker, booted.end)
        self.assertNotIn(self.guest.boot_marker,
                         self.output(instance)[booted.end:alive.end])
        self.driver.destroy(self.ctx, instance, None)
        self.assertGone(instance)

    def test_calls_while_libvirtd_is_down(self):
        instance = self.spawn(self.new_instance())
        self.timed('stop libvirtd', self.libvirtd.stop)

        unavailable = exception.HypervisorUnavailable
        self.timed('get_info while down', self.assertRaises, unavailable,
                   self.driver.get_info, instance)
        self.assertRaises(unavailable, self.driver.pause, instance)
        self.assertRaises(unavailable, self.driver.list_instance_uuids)
        refused = self.new_instance()
        err = self.timed('spawn while down', self.assertRaises, unavailable,
                         self.spawn, refused)
        self.assertIn(self.hv.uri, str(err))
        # Nothing of the refused spawn stays behind.
        self.assertFalse(os.path.exists(self.instance_dir(refused)))

        self.timed('start libvirtd', self.libvirtd.start)
        self.assertEqual(RUNNING, self.state(instance))
        self.assertGone(refused)
        self.driver.destroy(self.ctx, instance, None)
        self.assertGone(instance)

    def test_restart_between_define_and_start(self):
        """libvirtd restarts after spawn defined the domain: the connection
        that defined it is gone when the domain is started."""
        host = self.driver.host
        define = host.write_instance_config

        def define_then_restart(xml):
            guest = define(xml)
            self.timed('restart libvirtd', self.libvirtd.restart)
            return guest

        self.patch(host, 'write_instance_config', define_then_restart)
        instance = self.new_instance()
        try:
            self.spawn(instance)
        except exception.HypervisorUnavailable:
            self.timings.append('spawn: HypervisorUnavailable')
            self.assertGone(instance)
            return
        self.timings.append('spawn: succeeded')
        self.assertEqual(RUNNING, self.state(instance))
        self.wait_boot(instance)
        self.driver.destroy(self.ctx, instance, None)
        self.assertGone(instance)

    def test_stopped_between_define_and_start(self):
        """libvirtd stops after spawn defined the domain and is back only
        after spawn gave up: the compute service destroys the instance (as
        Nova does after a failed spawn), and nothing is left."""
        host = self.driver.host
        define = host.write_instance_config

        def define_then_stop(xml):
            guest = define(xml)
            self.libvirtd.stop()
            return guest

        self.patch(host, 'write_instance_config', define_then_stop)
        instance = self.new_instance()
        self.assertRaises(exception.HypervisorUnavailable, self.spawn, instance)
        self.timed('start libvirtd', self.libvirtd.start)
        try:
            self.driver.destroy(self.ctx, instance, None)
        except exception.InstanceNotFound:
            pass
        self.assertGone(instance)

    def test_restart_during_spawn(self):
        """libvirtd restarts while spawn fetches the image."""
        download = self.images.download

        def download_and_restart(*args, **kwargs):
            self.libvirtd.in_background(self.libvirtd.restart)
            return download(*args, **kwargs)

        self.patch(self.images, 'download', download_and_restart)
        instance = self.new_instance()
        try:
            self.timed('spawn during restart', self.spawn, instance)
        except exception.HypervisorUnavailable:
            self.libvirtd.join()
            self.assertGone(instance)
            return
        self.libvirtd.join()
        self.assertEqual(RUNNING, self.state(instance))
        self.wait_boot(instance)
        self.driver.destroy(self.ctx, instance, None)
        self.assertGone(instance)

    def test_restart_during_snapshot(self):
        instance = self.spawn(self.new_instance())
        booted = self.wait_boot(instance)
        record = self.images.create(self.ctx, {'name': 'realhv-snapshot'})

        def update_task_state(task_state, expected_state=None):
            if task_state == 'image_pending_upload':
                self.libvirtd.in_background(self.libvirtd.restart, delay=0.2)

        try:
            self.timed('snapshot during restart', self.driver.snapshot,
                       self.ctx, instance, record.id, update_task_state)
        except exception.HypervisorUnavailable:
            outcome = 'HypervisorUnavailable'
        else:
            outcome = 'snapshot uploaded'
        self.timings.append('snapshot: %s' % outcome)
        self.libvirtd.join()

        status = self.images.show(self.ctx, record.id).status
        self.assertEqual('active' if outcome == 'snapshot uploaded'
                         else 'queued', status)
        # No temporary snapshot files stay in the instance directory.
        self.assertEqual([], [n for n in os.listdir(self.instance_dir(instance))
                              if n.startswith('.')])
        if self.state(instance) != RUNNING:
            mark = len(self.output(instance))
            self.driver.power_on(self.ctx, instance, None)
            self.wait_boot(instance, mark, 'power on')
        self.assertEqual(RUNNING, self.state(instance))
        self.wait_for(instance, self.guest.alive_marker, booted.end)
        # Nothing of the interrupted snapshot (a block job, a managed save)
        # is in the way of the next one.
        again = self.images.create(self.ctx, {'name': 'realhv-snapshot-2'})
        self.driver.snapshot(self.ctx, instance, again.id, lambda **kw: None)
        self.assertEqual('active', self.images.show(self.ctx, again.id).status)
        self.assertEqual(RUNNING, self.state(instance))
        self.driver.destroy(self.ctx, instance, None)
        self.assertGone(instance)


class TestGuestIgnoringACPI(base.DriverTestCase):
    """A guest whose kernel runs with ``realhv_noacpid`` (no acpid)."""

    images_type = 'flat'
    image_file = ('disk_raw', 'raw')
    SOFT_REBOOT_SECONDS = 5
    libvirt_options = {'wait_soft_reboot_seconds': SOFT_REBOOT_SECONDS}

    def setUp(self):
        super().setUp()
        try:
            disk = self.guest.noacpid_disk(self.workdir)
        except realhv.RealHVUnavailable as err:
            self.skipTest(str(err))
        self.image = self.upload('noacpid_disk', 'raw', path=disk)
        self.instance = self.spawn(self.new_instance())
        self.booted = self.wait_boot(self.instance)
        self.assertIn(self.guest.noacpid_arg, self.booted.line)

    def test_power_off_is_forced_after_the_timeout(self):
        timeout = 5
        start = time.monotonic()
        self.driver.power_off(self.instance, timeout=timeout)
        took = time.monotonic() - start
        self.timings.append('power_off(timeout=%d): %.2f s' % (timeout, took))
        self.assertEqual(SHUTDOWN, self.state(self.instance))
        self.assertGreaterEqual(took, timeout)
        self.assertLess(took, timeout + 30)
        # The guest did not shut itself down: it was forced off.
        self.assertNotIn(self.guest.poweroff_marker, self.output(self.instance))
        self.assertEqual(
            (libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_DESTROYED),
            tuple(self.conn.lookupByUUIDString(self.instance.uuid).state()))

    def test_soft_reboot_falls_back_to_hard(self):
        start = time.monotonic()
        self.driver.reboot(self.ctx, self.instance, None, 'SOFT')
        took = time.monotonic() - start
        self.timings.append('reboot SOFT: %.2f s' % took)
        self.assertGreaterEqual(took, self.SOFT_REBOOT_SECONDS)
        self.assertEqual(RUNNING, self.state(self.instance))
        again = self.wait_boot(self.instance, self.booted.end, 'hard reboot')
        self.assertNotIn(self.guest.poweroff_marker,
                         self.output(self.instance)[:again.start])
