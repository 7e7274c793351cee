"""The libvirt event loop thread and the lifecycle dispatcher."""

import queue
import threading

import fixtures
import testtools

from virtdrivers import events
from virtdrivers.libvirt import eventloop
from virtdrivers.libvirt.binding import libvirt

TIMEOUT = 5


class TestEventLoop(testtools.TestCase):

    def test_start_is_idempotent_and_runs_one_daemon_thread(self):
        first = eventloop.start()
        self.assertIs(first, eventloop.start())
        self.assertTrue(first.daemon)
        self.assertEqual("libvirt-event-loop", first.name)
        self.assertEqual(1, sum(1 for t in threading.enumerate()
                                if t.name == "libvirt-event-loop"))

    def test_ping_proves_the_loop_runs_callbacks(self):
        eventloop.start()
        self.assertTrue(eventloop.is_running())
        self.assertTrue(eventloop.ping(timeout=TIMEOUT))

    def test_ping_is_false_without_a_loop(self):
        self.useFixture(fixtures.MonkeyPatch(
            "virtdrivers.libvirt.eventloop._thread", None))
        self.assertFalse(eventloop.is_running())
        self.assertFalse(eventloop.ping(timeout=0.1))


class FakeDomain:
    """What the dispatcher reads of a virDomain: its uuid."""

    def __init__(self, domain_uuid):
        self._uuid = domain_uuid

    def UUIDString(self):
        return self._uuid


class TestLifecycleTransition(testtools.TestCase):

    def transition(self, event, detail, completed=None):
        return eventloop.lifecycle_transition(event, detail, completed)

    def test_nova_mapping(self):
        cases = [
            (libvirt.VIR_DOMAIN_EVENT_STARTED,
             libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED,
             events.EVENT_LIFECYCLE_STARTED),
            (libvirt.VIR_DOMAIN_EVENT_STARTED,
             libvirt.VIR_DOMAIN_EVENT_STARTED_RESTORED,
             events.EVENT_LIFECYCLE_STARTED),
            (libvirt.VIR_DOMAIN_EVENT_STOPPED,
             libvirt.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN,
             events.EVENT_LIFECYCLE_STOPPED),
            (libvirt.VIR_DOMAIN_EVENT_STOPPED,
             libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED,
             events.EVENT_LIFECYCLE_STOPPED),
            # managed save
            (libvirt.VIR_DOMAIN_EVENT_STOPPED,
             libvirt.VIR_DOMAIN_EVENT_STOPPED_SAVED,
             events.EVENT_LIFECYCLE_STOPPED),
            (libvirt.VIR_DOMAIN_EVENT_SUSPENDED,
             libvirt.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED,
             events.EVENT_LIFECYCLE_PAUSED),
            (libvirt.VIR_DOMAIN_EVENT_SUSPENDED,
             libvirt.VIR_DOMAIN_EVENT_SUSPENDED_IOERROR,
             events.EVENT_LIFECYCLE_PAUSED),
            (libvirt.VIR_DOMAIN_EVENT_SUSPENDED,
             libvirt.VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY,
             events.EVENT_LIFECYCLE_POSTCOPY_STARTED),
            (libvirt.VIR_DOMAIN_EVENT_RESUMED,
             libvirt.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED,
             events.EVENT_LIFECYCLE_RESUMED),
            (libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED,
             libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY,
             events.EVENT_LIFECYCLE_SUSPENDED),
            (libvirt.VIR_DOMAIN_EVENT_DEFINED, 0, None),
            (libvirt.VIR_DOMAIN_EVENT_UNDEFINED, 0, None),
            (libvirt.VIR_DOMAIN_EVENT_SHUTDOWN, 0, None),
            (libvirt.VIR_DOMAIN_EVENT_CRASHED, 0, None),
        ]
        for event, detail, expected in cases:
            self.assertEqual(expected, self.transition(event, detail),
                             (event, detail))

    def test_suspended_by_migration_asks_whether_it_completed(self):
        migrated = (libvirt.VIR_DOMAIN_EVENT_SUSPENDED,
                    libvirt.VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED)
        self.assertEqual(events.EVENT_LIFECYCLE_MIGRATION_COMPLETED,
                         self.transition(*migrated, completed=lambda: True))
        self.assertEqual(events.EVENT_LIFECYCLE_PAUSED,
                         self.transition(*migrated, completed=lambda: False))


class TestLifecycleDispatcher(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.received = queue.Queue()

    def dispatcher(self, callback=None, delay=0):
        dispatcher = eventloop.LifecycleDispatcher(
            callback or self.received.put, delay)
        dispatcher.start()
        self.addCleanup(dispatcher.stop)
        return dispatcher

    def next_event(self):
        return self.received.get(timeout=TIMEOUT)

    def test_delivers_from_its_own_thread(self):
        threads = queue.Queue()

        def callback(event):
            threads.put(threading.current_thread().name)
            self.received.put(event)

        dispatcher = self.dispatcher(callback)
        dispatcher.put(FakeDomain("u1"), libvirt.VIR_DOMAIN_EVENT_STARTED, 0)
        self.assertEqual(events.LifecycleEvent("u1", events.EVENT_LIFECYCLE_STARTED),
                         self.next_event())
        self.assertEqual("libvirt-event-dispatch", threads.get(timeout=TIMEOUT))

    def test_ignored_events_are_not_delivered(self):
        dispatcher = self.dispatcher()
        dispatcher.put(FakeDomain("u1"), libvirt.VIR_DOMAIN_EVENT_DEFINED, 0)
        dispatcher.put(FakeDomain("u1"), libvirt.VIR_DOMAIN_EVENT_RESUMED, 0)
        self.assertEqual(events.EVENT_LIFECYCLE_RESUMED,
                         self.next_event().transition)

    def test_a_failing_listener_does_not_stop_dispatch(self):
        def callback(event):
            self.received.put(event)
            raise RuntimeError("listener bug")

        self.useFixture(fixtures.FakeLogger())
        dispatcher = self.dispatcher(callback)
        for name in ("u1", "u2"):
            dispatcher.put(FakeDomain(name), libvirt.VIR_DOMAIN_EVENT_STARTED, 0)
        self.assertEqual(["u1", "u2"],
                         [self.next_event().uuid, self.next_event().uuid])

    def test_delayed_stop_is_dropped_when_the_guest_starts_again(self):
        dispatcher = self.dispatcher(delay=0.3)
        dispatcher.put(FakeDomain("u1"), libvirt.VIR_DOMAIN_EVENT_STOPPED, 0)
        dispatcher.put(FakeDomain("u1"), libvirt.VIR_DOMAIN_EVENT_STARTED, 0)
        self.assertEqual(events.EVENT_LIFECYCLE_STARTED,
                         self.next_event().transition)
        self.assertRaises(queue.Empty, self.received.get, timeout=0.6)

    def test_delayed_stop_is_delivered_after_the_delay(self):
        dispatcher = self.dispatcher(delay=0.2)
        dispatcher.put(FakeDomain("u1"), libvirt.VIR_DOMAIN_EVENT_STOPPED, 0)
        self.assertRaises(queue.Empty, self.received.get, timeout=0.1)
        self.assertEqual(events.EVENT_LIFECYCLE_STOPPED,
                         self.next_event().transition)

    def test_stop_ends_the_thread_and_drops_later_events(self):
        dispatcher = self.dispatcher()
        thread = dispatcher._thread
        dispatcher.stop()
        self.assertFalse(thread.is_alive())
        dispatcher.put(FakeDomain("u1"), libvirt.VIR_DOMAIN_EVENT_STARTED, 0)
        dispatcher.start()
        dispatcher.put(FakeDomain("u2"), libvirt.VIR_DOMAIN_EVENT_STARTED, 0)
        self.assertEqual("u2", self.next_event().uuid)
