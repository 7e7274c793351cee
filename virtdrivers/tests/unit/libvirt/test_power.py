"""Graceful power transitions: ACPI requests, timeouts, then force."""

from unittest import mock

import testtools

from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers.libvirt import power


class FakeClock:
    """``time.monotonic`` and ``time.sleep`` without waiting."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeGuest:
    """A guest that stops once it has seen *needed* shutdown requests.

    Requests made before *deaf_until* seconds are lost, as they are on a
    guest still in its firmware or early boot.
    """

    uuid = 'fake-uuid'

    def __init__(self, clock, deaf_until=0.0, needed=1):
        self.clock = clock
        self.deaf_until = deaf_until
        self.needed = needed
        self.requests = []
        self.active = True

    def get_power_state(self):
        return power_state.RUNNING if self.active else power_state.SHUTDOWN

    def shutdown(self):
        self.requests.append(self.clock.now)
        heard = [t for t in self.requests if t >= self.deaf_until]
        if len(heard) >= self.needed:
            self.active = False

    def is_active(self):
        return self.active

    def poweroff(self):
        if not self.active:
            raise exception.InstanceInvalidState(
                instance_uuid=self.uuid, attr='state', state='shut off',
                method='power off')
        self.active = False


class TestCleanShutdown(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = FakeClock()
        patcher = mock.patch.object(power, 'time', self.clock)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_request_is_repeated_while_the_guest_boots(self):
        # Without an interval the request used to be sent once: a guest
        # that missed it ran until the timeout and was then forced off.
        guest = FakeGuest(self.clock, deaf_until=3.0)
        self.assertTrue(power.clean_shutdown(guest, timeout=60))
        self.assertLess(self.clock.now, 3.0 + power.DEFAULT_RETRY_INTERVAL + 1)
        self.assertGreater(len(guest.requests), 1)

    def test_given_interval_is_kept(self):
        guest = FakeGuest(self.clock, deaf_until=3.0)
        self.assertTrue(power.clean_shutdown(guest, timeout=60,
                                             retry_interval=10))
        first, second = guest.requests
        self.assertEqual(0.0, first)
        self.assertTrue(10.0 <= second < 10.5, second)

    def test_guest_ignoring_requests_times_out(self):
        guest = FakeGuest(self.clock, deaf_until=float('inf'))
        self.assertFalse(power.clean_shutdown(guest, timeout=5))
        self.assertTrue(guest.active)
        self.assertGreaterEqual(self.clock.now, 5)

    def test_power_off_forces_a_guest_ignoring_requests(self):
        guest = FakeGuest(self.clock, deaf_until=float('inf'))
        power.power_off(guest, timeout=5)
        self.assertFalse(guest.active)

    def test_stopped_guest_needs_no_request(self):
        guest = FakeGuest(self.clock)
        guest.active = False
        self.assertTrue(power.clean_shutdown(guest, timeout=5))
        self.assertEqual([], guest.requests)
