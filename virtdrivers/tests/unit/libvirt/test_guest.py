"""Guest against real domains of libvirt's test driver (test:///default)."""

import time
import uuid

import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers.libvirt import guest as libvirt_guest
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.binding import libvirt
from virtdrivers.tests.unit.libvirt import test_errors

DISK = ("<disk type='file' device='disk'><source file='/guest/extra.img'/>"
        "<target dev='vdb' bus='virtio'/></disk>")


class GuestCase(test_errors.TestDriverCase):

    def new_guest(self, start=False):
        return libvirt_guest.Guest(self.define(start=start))


class TestIdentity(GuestCase):

    def test_uuid_name_id(self):
        domain = self.define(start=True)
        guest = libvirt_guest.Guest(domain)
        self.assertEqual(domain.UUIDString(), guest.uuid)
        self.assertEqual(domain.name(), guest.name)
        self.assertEqual(domain.ID(), guest.id)
        self.assertGreater(guest.id, 0)
        self.assertIs(domain, guest.domain)
        self.assertIn(guest.uuid, repr(guest))

    def test_stopped_domain_has_no_id(self):
        self.assertEqual(-1, self.new_guest().id)


class TestPower(GuestCase):

    def assertState(self, expected, guest):
        self.assertEqual(power_state.name(expected),
                         power_state.name(guest.get_power_state()))

    def test_launch_pause_resume_poweroff(self):
        guest = self.new_guest()
        self.assertState(power_state.SHUTDOWN, guest)
        guest.launch()
        self.assertState(power_state.RUNNING, guest)
        guest.pause()
        self.assertState(power_state.PAUSED, guest)
        guest.resume()
        self.assertState(power_state.RUNNING, guest)
        guest.poweroff()
        self.assertState(power_state.SHUTDOWN, guest)
        self.assertFalse(guest.is_active())
        self.assertTrue(guest.is_persistent())

    def test_launch_paused_without_start_paused_support(self):
        # The test driver refuses VIR_DOMAIN_START_PAUSED: start, then pause.
        guest = self.new_guest()
        guest.launch(pause=True)
        self.assertState(power_state.PAUSED, guest)
        self.assertIn("start paused is not supported", self.logger.output)

    def test_shutdown_reboot_reset(self):
        guest = self.new_guest(start=True)
        guest.reboot()
        guest.reset()
        self.assertState(power_state.RUNNING, guest)
        guest.shutdown()
        self.assertState(power_state.SHUTDOWN, guest)

    def test_pause_of_shut_off_guest_is_invalid_state(self):
        guest = self.new_guest()
        err = self.assertRaises(exception.InstanceInvalidState, guest.pause)
        self.assertIn(guest.uuid, str(err))
        self.assertIsInstance(err.__cause__, libvirt.libvirtError)

    def test_starting_a_running_guest_is_invalid_state(self):
        guest = self.new_guest(start=True)
        self.assertRaises(exception.InstanceInvalidState, guest.create)

    def test_managed_save_and_restore(self):
        guest = self.new_guest(start=True)
        self.assertFalse(guest.has_managed_save())
        guest.managed_save()
        self.assertTrue(guest.has_managed_save())
        self.assertState(power_state.SHUTDOWN, guest)
        guest.create()
        self.assertState(power_state.RUNNING, guest)
        self.assertFalse(guest.has_managed_save())

    def test_remove_managed_save(self):
        guest = self.new_guest(start=True)
        guest.managed_save()
        guest.remove_managed_save()
        self.assertFalse(guest.has_managed_save())

    def test_get_info(self):
        guest = self.new_guest(start=True)
        self.assertEqual(objects.InstanceInfo(state=power_state.RUNNING,
                                              internal_id=guest.id),
                         guest.get_info())


class TestPowerStateMap(testtools.TestCase):

    def test_libvirt_states_map_like_nova(self):
        expected = {
            libvirt.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
            libvirt.VIR_DOMAIN_RUNNING: power_state.RUNNING,
            libvirt.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
            libvirt.VIR_DOMAIN_PAUSED: power_state.PAUSED,
            libvirt.VIR_DOMAIN_SHUTDOWN: power_state.SHUTDOWN,
            libvirt.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
            libvirt.VIR_DOMAIN_CRASHED: power_state.CRASHED,
            libvirt.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
        }
        self.assertEqual(
            expected, {s: libvirt_guest.to_power_state(s) for s in expected})

    def test_unknown_state_is_nostate(self):
        self.assertEqual(power_state.NOSTATE, libvirt_guest.to_power_state(99))


class TestWaitForState(GuestCase):

    def test_returns_the_state_reached(self):
        guest = self.new_guest(start=True)
        self.assertEqual(power_state.RUNNING, guest.wait_for_state(
            [power_state.RUNNING, power_state.PAUSED], timeout=1))

    def test_times_out(self):
        guest = self.new_guest()
        start = time.monotonic()
        err = self.assertRaises(
            exception.InstanceEventTimeout, guest.wait_for_state,
            [power_state.RUNNING], timeout=0.2, interval=0.05)
        self.assertGreaterEqual(time.monotonic() - start, 0.2)
        self.assertIn(guest.uuid, str(err))
        self.assertIn("running", str(err))


class TestDefinition(GuestCase):

    def test_xml_and_config(self):
        guest = self.new_guest(start=True)
        config = guest.get_config()
        self.assertIsInstance(config, vxml.Domain)
        self.assertEqual((guest.name, guest.uuid, guest.id),
                         (config.name, config.uuid, config.id))
        inactive = vxml.Domain.from_xml(guest.get_xml_desc(dump_inactive=True))
        self.assertIsNone(inactive.id)
        self.assertIn("<domain", guest.get_xml_desc(dump_sensitive=True,
                                                    dump_migratable=True))

    def test_undefine_removes_managed_save_and_snapshots(self):
        guest = self.new_guest(start=True)
        guest.domain.snapshotCreateXML("<domainsnapshot/>", 0)
        guest.managed_save()
        guest.undefine()
        self.assertRaises(libvirt.libvirtError,
                          self.conn.lookupByUUIDString, guest.uuid)
        # The test driver knows neither the checkpoint nor the NVRAM flag.
        self.assertIn("undefine flags 0x17 not supported", self.logger.output)

    def test_undefine_running_guest_leaves_it_transient(self):
        guest = self.new_guest(start=True)
        guest.undefine()
        self.assertFalse(guest.is_persistent())
        self.assertTrue(guest.is_active())
        guest.poweroff()

    def test_calls_on_an_undefined_guest_are_instance_not_found(self):
        guest = self.new_guest()
        guest.undefine()
        err = self.assertRaises(exception.InstanceNotFound, guest.get_power_state)
        self.assertEqual("Instance %s could not be found." % guest.uuid, str(err))


class TestDevicesAndAgent(GuestCase):

    def test_attach_and_detach_are_not_supported_by_the_test_driver(self):
        guest = self.new_guest(start=True)
        err = self.assertRaises(exception.NotSupported, guest.attach_device,
                                DISK, persistent=True, live=True)
        self.assertEqual("attach device", err.operation)
        disk = vxml.Disk.from_xml(DISK)
        err = self.assertRaises(exception.NotSupported, guest.detach_device,
                                disk, live=True)
        self.assertEqual("detach device", err.operation)

    def test_set_user_password_never_logs_the_password(self):
        guest = self.new_guest(start=True)
        secret = "s3cret-%s" % uuid.uuid4().hex
        guest.set_user_password("root", secret)
        self.assertIn("root", self.logger.output)
        self.assertNotIn(secret, self.logger.output)

    def test_freeze_and_thaw(self):
        guest = self.new_guest(start=True)
        self.assertGreater(guest.freeze_filesystems(), 0)
        self.assertGreater(guest.thaw_filesystems(), 0)

    def test_inject_nmi(self):
        self.new_guest(start=True).inject_nmi()

    def test_vcpus_info(self):
        guest = self.new_guest(start=True)
        vcpus = guest.get_vcpus_info()
        self.assertEqual([0, 1], [vcpu.id for vcpu in vcpus])
        number, state, _cpu_time, cpu = guest.domain.vcpus()[0][-1]
        self.assertEqual((number, cpu, state), tuple(vcpus[-1])[:3])
        self.assertEqual(libvirt.VIR_VCPU_RUNNING, vcpus[0].state)

    def test_vcpus_of_a_stopped_guest_is_invalid_state(self):
        guest = self.new_guest()
        self.assertRaises(exception.InstanceInvalidState, guest.get_vcpus_info)

    def test_console_is_not_supported_by_the_test_driver(self):
        guest = self.new_guest(start=True)
        err = self.assertRaises(exception.NotSupported, guest.open_console_stream)
        self.assertEqual("open console", err.operation)
