"""Host against libvirt's test driver (test:///default).

The one fake is around the connection: ``Host._open_connection`` is patched
to wrap a real test:///default connection in :class:`CountingConnection`,
which counts calls (listing must cost one call for any number of domains) and
can replace a method the test driver lacks.

Tests that close a connection underneath the Host use a private test driver
(``test:///<dir>/node.xml``, its own state per open) instead: a virConnect
closed from Python cannot deregister the callbacks registered on it, so it
stays alive for the rest of the process, and with it the process-wide state
of test:///default, which other tests expect to be reset between them.
"""

import collections
import gc
import queue
import threading
import uuid
import weakref

import fixtures

from virtdrivers import events
from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers.libvirt import eventloop
from virtdrivers.libvirt import host as libvirt_host
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.binding import libvirt
from virtdrivers.tests.unit.libvirt import test_errors
from virtdrivers.tests.unit.libvirt.xml import xmltest

URI = test_errors.URI
TIMEOUT = 5


class CountingConnection:
    """A virConnect that counts the calls made on it.

    ``overrides`` maps a method name to ``func(real_conn, *args)`` called
    instead of the real method (still counted).
    """

    def __init__(self, conn, overrides=None):
        self.real = conn
        self.calls = collections.Counter()
        self.args = collections.defaultdict(list)
        self._overrides = overrides or {}

    def __getattr__(self, name):
        attr = getattr(self.real, name)
        if not callable(attr):
            return attr
        override = self._overrides.get(name)

        def counted(*args, **kwargs):
            self.calls[name] += 1
            self.args[name].append(args)
            if override is not None:
                return override(self.real, *args, **kwargs)
            return attr(*args, **kwargs)

        return counted

    def total(self):
        return sum(self.calls.values())


class Instance:
    def __init__(self, instance_uuid):
        self.uuid = instance_uuid


def real_no_support(conn, *_args):
    """Raise the real VIR_ERR_NO_SUPPORT error of the test driver."""
    conn.getDomainCapabilities()


class HostCase(test_errors.TestDriverCase):

    def setUp(self):
        super().setUp()
        self.opened = []
        self.overrides = {}
        self.open_uri = URI

        def open_connection(_host):
            conn = CountingConnection(libvirt.open(self.open_uri), self.overrides)
            self.opened.append(conn)
            return conn

        self.useFixture(fixtures.MockPatchObject(
            libvirt_host.Host, "_open_connection", open_connection))

    def use_private_driver(self):
        """Open an empty test driver of our own on each (re)connect."""
        path = self.useFixture(fixtures.TempDir()).join("node.xml")
        with open(path, "w") as node:
            node.write("<node/>")
        self.open_uri = "test://" + path

    def make_host(self, uri=URI, **kwargs):
        host = libvirt_host.Host(uri, **kwargs)
        self.addCleanup(host.cleanup)
        return host

    def make_listening_host(self, **kwargs):
        received = queue.Queue()
        return self.make_host(lifecycle_callback=received.put, **kwargs), received

    def expect_events(self, received, domain_uuid, transitions):
        """Wait for ``transitions`` of ``domain_uuid``, in order."""
        seen = []
        while len(seen) < len(transitions):
            try:
                event = received.get(timeout=TIMEOUT)
            except queue.Empty:
                self.fail("got %s, expected %s" % (seen, transitions))
            if event.uuid == domain_uuid:
                seen.append(event.transition)
        self.assertEqual(transitions, seen)

    def assertNoMoreEvents(self, received, domain_uuid, wait=0.3):
        try:
            while True:
                event = received.get(timeout=wait)
                self.assertNotEqual(domain_uuid, event.uuid, event)
        except queue.Empty:
            pass


class TestConnection(HostCase):

    def test_opens_lazily_and_once(self):
        host = self.make_host()
        self.assertEqual([], self.opened)
        self.assertFalse(host.is_connected())
        host.get_hv_type()
        host.list_guests()
        self.assertEqual(1, len(self.opened))
        self.assertIs(self.opened[0], host.get_connection())
        self.assertTrue(host.is_connected())

    def test_opening_starts_the_event_loop_and_a_close_callback(self):
        host = self.make_host()
        host.get_connection()
        self.assertTrue(eventloop.is_running())
        self.assertEqual(1, self.opened[0].calls["registerCloseCallback"])

    def test_reopens_after_the_connection_is_closed_underneath(self):
        self.use_private_driver()
        host = self.make_host()
        host.get_connection().close()
        self.assertEqual([], host.list_guests())
        self.assertEqual(2, len(self.opened))
        # Failed on the closed one, then succeeded on a new one.
        self.assertEqual([1, 1], [conn.calls["listAllDomains"]
                                  for conn in self.opened])
        self.assertIn("Reconnected to test:///default", self.logger.output)

    def test_a_write_is_not_retried_but_the_next_call_reconnects(self):
        self.use_private_driver()
        host = self.make_host()
        host.get_connection().close()
        _name, _uuid, xml = self.new_domain_xml()
        err = self.assertRaises(exception.HypervisorUnavailable,
                                host.write_instance_config, xml)
        self.assertIn(URI, str(err))
        self.assertEqual(1, len(self.opened))
        host.write_instance_config(xml)
        self.assertEqual(2, len(self.opened))

    def test_guests_name_the_host_when_the_connection_is_lost(self):
        host = self.make_host()
        _name, _uuid, xml = self.new_domain_xml()
        guest = host.write_instance_config(xml)

        def lost(*args):
            # What a call says when libvirtd went away under it.
            raise test_errors.fake_error(
                libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_RPC,
                "client socket is closed")

        guest.domain.state = lost
        err = self.assertRaises(exception.HypervisorUnavailable,
                                guest.get_power_state)
        self.assertIn(URI, str(err))
        self.assertNotIn("(unknown)", str(err))

    def test_close_callback_marks_broken_and_next_call_reconnects(self):
        host = self.make_host()
        first = host.get_connection()
        (callback, opaque), = first.args["registerCloseCallback"]
        # What libvirt does when the daemon goes away (the test driver has
        # no daemon, so it never calls the callback itself).
        callback(first.real, libvirt.VIR_CONNECT_CLOSE_REASON_EOF, opaque)
        self.assertFalse(host.is_connected())
        self.assertIn("closed (reason %d)" % libvirt.VIR_CONNECT_CLOSE_REASON_EOF,
                      self.logger.output)
        second = host.get_connection()
        self.assertIsNot(first, second)
        self.assertEqual(1, first.calls["close"])
        self.assertEqual(1, first.calls["unregisterCloseCallback"])
        # A late call from the old connection does not break the new one.
        callback(first.real, libvirt.VIR_CONNECT_CLOSE_REASON_EOF, opaque)
        self.assertTrue(host.is_connected())

    def test_other_errors_are_not_retried(self):
        host = self.make_host()
        missing = str(uuid.uuid4())
        err = self.assertRaises(exception.InstanceNotFound,
                                host.get_guest_by_uuid, missing)
        self.assertIn(missing, str(err))
        self.assertEqual(1, self.opened[0].calls["lookupByUUIDString"])
        self.assertEqual(1, len(self.opened))

    def test_cleanup_closes_and_deregisters(self):
        host, received = self.make_listening_host()
        conn = host.get_connection()
        host.cleanup()
        self.assertEqual(
            (1, 1, 1),
            (conn.calls["domainEventDeregisterAny"],
             conn.calls["unregisterCloseCallback"], conn.calls["close"]))
        self.assertRaises(libvirt.libvirtError, conn.real.getType)
        self.assertFalse(host.is_connected())
        domain = self.define(start=True)
        self.assertNoMoreEvents(received, domain.UUIDString())

    def test_a_cleaned_up_host_can_be_freed(self):
        # libvirt-python keeps what registerCloseCallback was given forever;
        # that must not be the Host (nor, through it, queued domains and
        # their connection).
        host = libvirt_host.Host(URI, lifecycle_callback=lambda _event: None)
        host.write_instance_config(self.new_domain_xml()[2]).launch()
        host.cleanup()
        host_ref = weakref.ref(host)
        del host
        gc.collect()
        self.assertIsNone(host_ref())

    def test_usable_again_after_cleanup(self):
        host = self.make_host()
        host.get_hv_type()
        host.cleanup()
        self.assertEqual("TEST", host.get_hv_type())
        self.assertEqual(2, len(self.opened))

    def test_context_manager_cleans_up(self):
        with libvirt_host.Host(URI) as host:
            host.get_hv_type()
        self.assertEqual(1, self.opened[0].calls["close"])


class TestConnectionOpen(test_errors.TestDriverCase):
    """The real open path: libvirt.openAuth, retries, backoff."""

    def test_opens_with_open_auth(self):
        host = libvirt_host.Host(URI)
        self.addCleanup(host.cleanup)
        self.assertEqual("TEST", host.get_hv_type())
        self.assertEqual(URI, host.get_connection().getURI())

    def test_gives_up_after_bounded_exponential_backoff(self):
        sleeps = []
        self.useFixture(fixtures.MockPatch(
            "virtdrivers.libvirt.host.time.sleep", sleeps.append))
        uri = "test:///vdtest-no-such-directory/node.xml"
        host = libvirt_host.Host(uri, connect_attempts=4, retry_interval=0.25,
                                 max_retry_interval=0.6)
        err = self.assertRaises(exception.HypervisorUnavailable,
                                host.get_connection)
        self.assertIn(uri, str(err))
        self.assertIsInstance(err.__cause__, libvirt.libvirtError)
        self.assertEqual([0.25, 0.5, 0.6], sleeps)
        self.assertIn("attempt 4 of 4", self.logger.output)
        self.assertFalse(host.is_connected())


class TestListing(HostCase):

    def define_some(self, running, stopped):
        domains = [self.define(start=True) for _ in range(running)]
        domains += [self.define() for _ in range(stopped)]
        return ([d.UUIDString() for d in domains[:running]],
                [d.UUIDString() for d in domains[running:]])

    def test_list_guests_is_one_call(self):
        running, stopped = self.define_some(3, 2)
        host = self.make_host()
        conn = host.get_connection()
        before = conn.total()
        listed = [guest.uuid for guest in host.list_guests()]
        self.assertEqual(1, conn.total() - before)
        self.assertEqual(1, conn.calls["listAllDomains"])
        for domain_uuid in running + stopped:
            self.assertIn(domain_uuid, listed)

    def test_list_running_guests(self):
        running, stopped = self.define_some(2, 2)
        host = self.make_host()
        listed = [guest.uuid for guest in host.list_guests(only_running=True)]
        self.assertTrue(set(running) <= set(listed))
        self.assertFalse(set(stopped) & set(listed))

    def test_all_domain_stats_is_one_call(self):
        running, stopped = self.define_some(2, 1)
        host = self.make_host()
        conn = host.get_connection()
        before = conn.total()
        stats = host.get_all_domain_stats(libvirt.VIR_DOMAIN_STATS_STATE)
        self.assertEqual(1, conn.total() - before)
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING,
                         stats[running[0]]["state.state"])
        self.assertEqual(libvirt.VIR_DOMAIN_SHUTOFF,
                         stats[stopped[0]]["state.state"])

    def test_instance_infos_is_one_call(self):
        running, stopped = self.define_some(2, 1)
        host = self.make_host()
        conn = host.get_connection()
        before = conn.total()
        infos = host.get_instance_infos()
        self.assertEqual(1, conn.total() - before)
        self.assertEqual(power_state.RUNNING, infos[running[1]].state)
        self.assertEqual(power_state.SHUTDOWN, infos[stopped[0]].state)
        only_running = host.get_instance_infos(only_running=True)
        self.assertNotIn(stopped[0], only_running)

    def test_stats_fall_back_to_info_when_unsupported(self):
        running, stopped = self.define_some(1, 1)
        self.overrides["getAllDomainStats"] = real_no_support
        host = self.make_host()
        stats = host.get_all_domain_stats(
            0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
        self.assertEqual(
            {"state.state": libvirt.VIR_DOMAIN_RUNNING, "balloon.maximum": 65536,
             "vcpu.current": 2},
            {key: stats[running[0]][key]
             for key in ("state.state", "balloon.maximum", "vcpu.current")})
        self.assertNotIn(stopped[0], stats)

    def test_get_guest(self):
        domain = self.define()
        host = self.make_host()
        guest = host.get_guest(Instance(domain.UUIDString()))
        self.assertEqual(domain.name(), guest.name)
        self.assertRaises(exception.InstanceNotFound, host.get_guest,
                          Instance(str(uuid.uuid4())))

    def test_write_instance_config(self):
        name, domain_uuid, xml = self.new_domain_xml()
        host = self.make_host()
        guest = host.write_instance_config(vxml.Domain.from_xml(xml))
        self.assertEqual((name, domain_uuid), (guest.name, guest.uuid))
        self.assertEqual(power_state.SHUTDOWN, guest.get_power_state())
        duplicate = test_errors.domain_xml(name, str(uuid.uuid4()))
        self.assertRaises(exception.InstanceExists,
                          host.write_instance_config, duplicate)


class TestCapabilities(HostCase):

    def test_capabilities_are_parsed_and_cached(self):
        host = self.make_host()
        caps = host.get_capabilities()
        self.assertIsInstance(caps, vxml.Capabilities)
        self.assertEqual(self.conn.getInfo()[0], caps.host.cpu.arch)
        self.assertIs(caps, host.get_capabilities())
        self.assertEqual(1, self.opened[0].calls["getCapabilities"])

    def test_unsupported_domain_capabilities_are_remembered(self):
        host = self.make_host()
        for _ in range(2):
            err = self.assertRaises(exception.NotSupported,
                                    host.get_domain_capabilities, "test")
            self.assertEqual("get domain capabilities", err.operation)
        self.assertEqual(1, self.opened[0].calls["getDomainCapabilities"])

    def test_domain_capabilities_are_parsed_and_cached_per_key(self):
        text = xmltest.load("qemu_domcaps.xml")
        self.overrides["getDomainCapabilities"] = lambda _conn, *args: text
        host = self.make_host()
        kvm = host.get_domain_capabilities("kvm", arch="x86_64")
        self.assertIsInstance(kvm, vxml.DomainCapabilities)
        self.assertIs(kvm, host.get_domain_capabilities("kvm", arch="x86_64"))
        host.get_domain_capabilities("qemu", machine="q35")
        conn = self.opened[0]
        self.assertEqual(
            [(None, "x86_64", None, "kvm", 0), (None, None, "q35", "qemu", 0)],
            conn.args["getDomainCapabilities"])

    def test_caches_are_dropped_on_reconnect(self):
        self.use_private_driver()
        host = self.make_host()
        caps = host.get_capabilities()
        host.get_connection().close()
        host.list_guests()
        self.assertIsNot(caps, host.get_capabilities())
        self.assertEqual(1, self.opened[1].calls["getCapabilities"])


class TestVersions(HostCase):

    def test_versions_type_and_hostname(self):
        host = self.make_host()
        self.assertEqual(libvirt_host.version_tuple(self.conn.getLibVersion()),
                         host.get_version())
        self.assertEqual(libvirt_host.version_tuple(self.conn.getVersion()),
                         host.get_hv_version())
        self.assertEqual("TEST", host.get_hv_type())
        self.assertEqual(self.conn.getHostname(), host.get_hostname())
        host.get_hostname()
        self.assertEqual(1, self.opened[0].calls["getHostname"])

    def test_version_tuple(self):
        self.assertEqual((7, 10, 2), libvirt_host.version_tuple(7010002))
        self.assertEqual((6, 0, 0), libvirt_host.version_tuple(6000000))

    def test_recent_enough_libvirt_passes(self):
        host = self.make_host()
        found = host.get_version()
        host.check_versions(min_libvirt=found, min_qemu=(99, 0, 0))
        # Not a qemu URI: the hypervisor version is not even asked.
        self.assertEqual(0, self.opened[0].calls["getVersion"])

    def test_old_libvirt_names_both_versions(self):
        host = self.make_host()
        found = ".".join(map(str, host.get_version()))
        err = self.assertRaises(exception.ConfigurationError,
                                host.check_versions, min_libvirt=(99, 0, 0))
        self.assertEqual(
            "Configuration error: libvirt %s is older than the required 99.0.0"
            % found, str(err))

    def test_old_qemu_on_a_qemu_uri(self):
        # The test driver reports hypervisor version 0.0.2.
        host = self.make_host("qemu+ssh://compute1/system")
        err = self.assertRaises(exception.ConfigurationError, host.check_versions)
        self.assertIn("QEMU 0.0.2 is older than the required 5.2.0", str(err))


class TestLifecycleEvents(HostCase):

    def test_events_from_the_test_driver(self):
        host, received = self.make_listening_host()
        _name, domain_uuid, xml = self.new_domain_xml()
        guest = host.write_instance_config(xml)
        guest.launch()
        guest.pause()
        guest.resume()
        guest.managed_save()
        guest.create()
        guest.poweroff()
        self.expect_events(received, domain_uuid, [
            events.EVENT_LIFECYCLE_STARTED, events.EVENT_LIFECYCLE_PAUSED,
            events.EVENT_LIFECYCLE_RESUMED, events.EVENT_LIFECYCLE_STOPPED,
            events.EVENT_LIFECYCLE_STARTED, events.EVENT_LIFECYCLE_STOPPED,
        ])

    def test_a_slow_listener_does_not_block_the_event_loop(self):
        release = threading.Event()
        received = queue.Queue()

        def slow(event):
            release.wait(TIMEOUT)
            received.put(event)

        host = self.make_host(lifecycle_callback=slow)
        self.addCleanup(release.set)
        _name, domain_uuid, xml = self.new_domain_xml()
        guest = host.write_instance_config(xml)
        guest.launch()
        guest.pause()
        self.assertTrue(eventloop.ping(timeout=TIMEOUT))
        self.assertTrue(received.empty())
        release.set()
        self.expect_events(received, domain_uuid, [
            events.EVENT_LIFECYCLE_STARTED, events.EVENT_LIFECYCLE_PAUSED])

    def test_events_are_registered_again_after_reconnect(self):
        self.use_private_driver()
        host, received = self.make_listening_host()
        host.get_connection().close()
        host.list_guests()
        _name, domain_uuid, xml = self.new_domain_xml()
        guest = host.write_instance_config(xml)
        guest.launch()
        guest.poweroff()
        self.expect_events(received, domain_uuid, [
            events.EVENT_LIFECYCLE_STARTED, events.EVENT_LIFECYCLE_STOPPED])
        self.assertEqual(1, self.opened[1].calls["domainEventRegisterAny"])

    def test_events_from_an_old_connection_are_ignored(self):
        # A connection that could not be deregistered (closed underneath)
        # may still deliver; its events must not arrive twice.
        host, received = self.make_listening_host()
        first = host.get_connection()
        host.cleanup()
        second = host.get_connection()
        domain = self.define()
        for conn in (first, second):
            (_dom, _event_id, callback, opaque), = conn.args[
                "domainEventRegisterAny"]
            callback(conn.real, domain, libvirt.VIR_DOMAIN_EVENT_STARTED,
                     libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED, opaque)
        self.expect_events(received, domain.UUIDString(),
                           [events.EVENT_LIFECYCLE_STARTED])
        self.assertNoMoreEvents(received, domain.UUIDString())

    def test_stopped_is_held_back_and_dropped_on_restart(self):
        host, received = self.make_listening_host(lifecycle_delay=0.3)
        domain = self.define(start=True)
        host.get_connection()
        domain.destroy()
        domain.create()
        self.expect_events(received, domain.UUIDString(),
                           [events.EVENT_LIFECYCLE_STARTED])
        self.assertNoMoreEvents(received, domain.UUIDString(), wait=0.6)


class TestResources(HostCase):

    def test_cpu_and_memory(self):
        model, memory_mb, cpus, mhz = self.conn.getInfo()[:4]
        host = self.make_host()
        self.assertEqual(cpus, host.get_cpu_count())
        self.assertEqual(memory_mb, host.get_memory_mb_total())
        stats = host.get_cpu_stats()
        self.assertEqual(mhz, stats["frequency"])
        self.assertIn("idle", stats)
        self.assertIsInstance(model, str)

    def test_memory_used_without_node_memory_stats(self):
        # The test driver has no virNodeGetMemoryStats: total - free.
        host = self.make_host()
        expected = (self.conn.getInfo()[1]
                    - self.conn.getFreeMemory() // (1024 * 1024))
        self.assertEqual(expected, host.get_memory_mb_used())

    def test_memory_used_leaves_out_buffers_and_cache(self):
        self.overrides["getMemoryStats"] = lambda _conn, *args: {
            "total": 4194304, "free": 1048576, "buffers": 524288,
            "cached": 524288}
        host = self.make_host()
        self.assertEqual(2048, host.get_memory_mb_used())

    def test_uptime(self):
        self.assertGreater(libvirt_host.Host.get_uptime(), 0)
