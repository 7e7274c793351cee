"""Host: the connection to one libvirt daemon, and what it knows.

* The connection opens lazily, on first use, after the event loop
  (:mod:`virtdrivers.libvirt.eventloop`) is running. A close callback (libvirtd
  restarted, socket lost) or a call failing with a connection error marks it
  broken; the next use opens a new one, retrying with exponential backoff and
  raising :class:`~virtdrivers.exception.HypervisorUnavailable` when that
  fails. Reads are retried once on the fresh connection (:meth:`Host.call`).
* Domain lifecycle events become :class:`virtdrivers.events.LifecycleEvent`
  and reach ``lifecycle_callback`` from a dispatch thread fed by a queue
  (:class:`virtdrivers.libvirt.eventloop.LifecycleDispatcher`), so a slow
  listener never blocks libvirt's event loop.
* Capabilities and domain capabilities are parsed into
  :mod:`virtdrivers.libvirt.xml` objects once and cached.
* Listing and statistics cost one libvirt call whatever the number of
  domains (``listAllDomains``, ``getAllDomainStats``).
"""

import contextlib
import logging
import threading
import time
import urllib.parse
import weakref

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.libvirt import errors
from virtdrivers.libvirt import eventloop
from virtdrivers.libvirt import guest as libvirt_guest
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.binding import libvirt

LOG = logging.getLogger(__name__)

# Xen's control domain (dom0, the host's own OS) is listed like a guest; it
# is not an instance.
DOM0_UUID = "00000000-0000-0000-0000-000000000000"
_QEMU_SCHEMES = frozenset({"qemu", "kvm"})
# getAllDomainStats flags that are also listAllDomains filters.
_LIST_FLAGS_MASK = 0xFF


def version_tuple(number):
    """Turn libvirt's ``major * 1000000 + minor * 1000 + micro`` into a tuple."""
    return (number // 1000000, number // 1000 % 1000, number % 1000)


def _dotted(version):
    return ".".join(str(part) for part in version)


class Host:
    """One libvirt connection and the questions asked of it.

    :param uri: the libvirt URI (``qemu:///system``, ``test:///default``...).
    :param lifecycle_callback: called with each
        :class:`~virtdrivers.events.LifecycleEvent`, in a dispatch thread.
    :param read_only: open a read-only connection.
    :param lifecycle_delay: seconds to hold STOPPED events back (Nova: 15).
    :param connect_attempts: tries to open a connection before giving up.
    :param retry_interval: first wait between tries; doubles each time, up
        to ``max_retry_interval``.
    """

    def __init__(self, uri, lifecycle_callback=None, read_only=False,
                 lifecycle_delay=0, connect_attempts=6, retry_interval=0.5,
                 max_retry_interval=8.0):
        self._uri = uri
        self._read_only = read_only
        self._connect_attempts = max(1, connect_attempts)
        self._retry_interval = retry_interval
        self._max_retry_interval = max_retry_interval
        self._lock = threading.RLock()
        self._conn = None
        self._broken = False
        # Bumped per connection; callbacks carry it so that late calls from
        # an old connection are recognised and ignored.
        self._generation = 0
        self._callback_ids = []
        self._dispatcher = None
        if lifecycle_callback is not None:
            self._dispatcher = eventloop.LifecycleDispatcher(
                lifecycle_callback, lifecycle_delay)
        self._caps = None
        self._domain_caps = {}
        self._node = None
        self._hostname = None

    @property
    def uri(self):
        return self._uri

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.cleanup()

    # Connection ------------------------------------------------------------

    def get_connection(self):
        """Return the open ``virConnect``, opening or re-opening it first.

        :raises HypervisorUnavailable: when every attempt to connect failed.
        """
        with self._lock:
            if self._conn is not None and not self._broken:
                return self._conn
            reconnect = self._conn is not None
            self._drop_connection()
            conn = self._connect_with_retry()
            try:
                self._register_callbacks(conn)
            except BaseException as err:
                self._close_quietly(conn, self._callback_ids)
                self._callback_ids = []
                if isinstance(err, libvirt.libvirtError):
                    raise errors.translate(
                        err, operation="register callbacks", host=self._uri
                    ) from err
                raise
            self._conn, self._broken = conn, False
            if reconnect:
                # The daemon may have been upgraded while we were away.
                self._caps, self._domain_caps, self._node = None, {}, None
                LOG.info("Reconnected to %s", self._uri)
            return conn

    def call(self, func, retry=False, instance_id=None, operation=None):
        """Return ``func(conn)``, translating libvirt errors.

        When the call fails because the connection broke, the connection is
        marked broken (the next use opens a new one) and, with ``retry``, the
        call is made once more on a fresh connection. Retry only what is safe
        to repeat: reads, and writes that are idempotent.

        :raises VirtDriverError: the translation of the libvirt error.
        """
        conn = self.get_connection()
        try:
            return func(conn)
        except libvirt.libvirtError as err:
            broken = errors.is_connection_error(err)
            if broken:
                self._mark_broken(conn)
            if not (broken and retry):
                raise errors.translate(
                    err, instance_id, operation, host=self._uri) from err
            LOG.warning("Connection to %s lost during %s; retrying on a new "
                        "connection", self._uri, operation or "a call")
        return self.call(func, retry=False, instance_id=instance_id,
                         operation=operation)

    def read(self, func, instance_id=None, operation=None):
        """:meth:`call` with one retry on a new connection."""
        return self.call(func, retry=True, instance_id=instance_id,
                         operation=operation)

    def is_connected(self):
        """Return True when a connection is open and not known to be broken."""
        return self._conn is not None and not self._broken

    def cleanup(self):
        """Stop event dispatch, deregister callbacks and close the connection.

        The Host may be used again afterwards; it then reconnects.
        """
        if self._dispatcher is not None:
            self._dispatcher.stop()
        with self._lock:
            self._drop_connection()
            self._caps, self._domain_caps, self._node = None, {}, None

    def _open_connection(self):
        """Open a new ``virConnect`` (the one seam tests replace)."""
        auth = [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_ECHOPROMPT,
                 libvirt.VIR_CRED_REALM, libvirt.VIR_CRED_PASSPHRASE,
                 libvirt.VIR_CRED_NOECHOPROMPT, libvirt.VIR_CRED_EXTERNAL],
                _refuse_credentials, None]
        flags = libvirt.VIR_CONNECT_RO if self._read_only else 0
        return libvirt.openAuth(self._uri, auth, flags)

    def _connect_with_retry(self):
        # Events only reach connections opened after the loop is registered.
        eventloop.start()
        # Errors are raised as exceptions; libvirt's default handler would
        # also print each one to stderr (process-wide, as Nova does).
        libvirt.registerErrorHandler(_ignore_error, None)
        delay = self._retry_interval
        for attempt in range(1, self._connect_attempts + 1):
            try:
                return self._open_connection()
            except libvirt.libvirtError as err:
                last = err
                LOG.warning("Connecting to %s failed (attempt %d of %d): %s",
                            self._uri, attempt, self._connect_attempts, err)
            if attempt < self._connect_attempts:
                time.sleep(delay)
                delay = min(delay * 2, self._max_retry_interval)
        raise exception.HypervisorUnavailable(host=self._uri) from last

    def _register_callbacks(self, conn):
        # libvirt-python never releases what registerCloseCallback was
        # given, even after unregisterCloseCallback: hand it a weak
        # reference, not the Host, so that a Host can be freed.
        opaque = (weakref.ref(self), self._generation)
        conn.registerCloseCallback(_on_close, opaque)
        self._callback_ids = []
        if self._dispatcher is not None:
            self._dispatcher.start()
            self._callback_ids.append(conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, _on_lifecycle,
                opaque))

    def _drop_connection(self):
        conn, self._conn, self._broken = self._conn, None, False
        # Late events and close notices of the old connection are ignored.
        self._generation += 1
        if conn is not None:
            self._close_quietly(conn, self._callback_ids)
        self._callback_ids = []

    @staticmethod
    def _close_quietly(conn, callback_ids):
        # A broken connection fails all of these; there is nothing to undo
        # then, and the error that broke it was reported already.
        for callback_id in callback_ids:
            with contextlib.suppress(libvirt.libvirtError):
                conn.domainEventDeregisterAny(callback_id)
        with contextlib.suppress(libvirt.libvirtError):
            conn.unregisterCloseCallback()
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()

    def _mark_broken(self, conn):
        with self._lock:
            if conn is self._conn:
                self._broken = True

    # Called in the libvirt event loop thread: quick, no locks, no libvirt
    # calls that could wait for the loop itself.
    def _connection_closed(self, generation, reason):
        if generation == self._generation:
            self._broken = True
            LOG.warning("Connection to %s closed (reason %s)", self._uri, reason)

    def _lifecycle_event(self, generation, domain, event, detail):
        if generation == self._generation and self._dispatcher is not None:
            self._dispatcher.put(domain, event, detail)

    # Capabilities and versions -----------------------------------------------

    def get_capabilities(self):
        """Return the host :class:`~virtdrivers.libvirt.xml.Capabilities`.

        Cached until reconnect; the object is shared: do not modify it.
        """
        if self._caps is None:
            text = self.read(lambda conn: conn.getCapabilities(),
                             operation="get capabilities")
            self._caps = vxml.Capabilities.from_xml(text)
        return self._caps

    def get_domain_capabilities(self, virt_type, arch=None, machine=None,
                                emulator=None):
        """Return :class:`~virtdrivers.libvirt.xml.DomainCapabilities`.

        ``None`` lets libvirt choose (host arch, default machine and
        emulator). Cached per argument tuple; the object is shared.

        :raises NotSupported: when the driver has no domain capabilities
            (the test driver, for one); remembered too.
        """
        key = (virt_type, arch, machine, emulator)
        cached = self._domain_caps.get(key)
        if cached is None:
            try:
                text = self.read(
                    lambda conn: conn.getDomainCapabilities(
                        emulator, arch, machine, virt_type, 0),
                    operation="get domain capabilities")
                cached = vxml.DomainCapabilities.from_xml(text)
            except exception.NotSupported as err:
                cached = err.kwargs["reason"]
            self._domain_caps[key] = cached
        if isinstance(cached, str):
            raise exception.NotSupported(
                operation="get domain capabilities", reason=cached)
        return cached

    def get_version(self):
        """Return the libvirt (daemon) version as ``(major, minor, micro)``."""
        return version_tuple(self.read(lambda conn: conn.getLibVersion(),
                                       operation="get libvirt version"))

    def get_hv_version(self):
        """Return the hypervisor (QEMU, Xen...) version as a tuple."""
        return version_tuple(self.read(lambda conn: conn.getVersion(),
                                       operation="get hypervisor version"))

    def get_hv_type(self):
        """Return the hypervisor type libvirt reports ("QEMU", "Xen", "TEST")."""
        return self.read(lambda conn: conn.getType(),
                         operation="get hypervisor type")

    def get_hostname(self):
        """Return the hypervisor host name (read once, then cached)."""
        if self._hostname is None:
            self._hostname = self.read(lambda conn: conn.getHostname(),
                                       operation="get host name")
        return self._hostname

    def check_versions(self, min_libvirt=(7, 0, 0), min_qemu=(5, 2, 0)):
        """Refuse a libvirt (and, for qemu URIs, QEMU) older than required.

        :raises ConfigurationError: naming the version found and the one
            required, e.g. "libvirt 6.0.0 is older than the required 7.0.0".
        """
        found = self.get_version()
        if found < tuple(min_libvirt):
            raise exception.ConfigurationError(
                reason="libvirt %s is older than the required %s"
                % (_dotted(found), _dotted(min_libvirt)))
        if min_qemu is None or not self._is_qemu():
            return
        found = self.get_hv_version()
        if found < tuple(min_qemu):
            raise exception.ConfigurationError(
                reason="QEMU %s is older than the required %s"
                % (_dotted(found), _dotted(min_qemu)))

    def _is_qemu(self):
        scheme = urllib.parse.urlsplit(self._uri).scheme
        return scheme.split("+", 1)[0] in _QEMU_SCHEMES

    # Guests ------------------------------------------------------------------

    def list_guests(self, only_running=False, only_guests=True):
        """Return a :class:`~virtdrivers.libvirt.guest.Guest` per domain.

        One ``listAllDomains`` call. ``only_guests`` leaves out Xen's dom0.
        """
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE if only_running else 0
        domains = self.read(lambda conn: conn.listAllDomains(flags),
                            operation="list guests")
        guests = [libvirt_guest.Guest(domain, self._uri) for domain in domains]
        if only_guests:
            guests = [guest for guest in guests if guest.uuid != DOM0_UUID]
        return guests

    def get_guest(self, instance):
        """Return the Guest of ``instance`` (anything with a ``uuid``).

        :raises InstanceNotFound: when libvirt has no such domain.
        """
        return self.get_guest_by_uuid(instance.uuid)

    def get_guest_by_uuid(self, uuid):
        """Return the Guest with domain uuid ``uuid``.

        :raises InstanceNotFound: when libvirt has no such domain.
        """
        domain = self.read(lambda conn: conn.lookupByUUIDString(uuid),
                           instance_id=uuid, operation="look up instance")
        return libvirt_guest.Guest(domain, self._uri)

    def write_instance_config(self, xml):
        """Define (or redefine) a domain from XML text or a Domain object.

        :returns: its :class:`~virtdrivers.libvirt.guest.Guest`.
        :raises InstanceExists: when another domain has its name or uuid.
        """
        text = xml.to_xml() if hasattr(xml, "to_xml") else xml
        domain = self.call(lambda conn: conn.defineXML(text),
                           operation="define instance")
        return libvirt_guest.Guest(domain, self._uri)

    def get_all_domain_stats(self, stats_flags=0, flags=0):
        """Return ``{uuid: stats}`` for all domains in one call.

        :param stats_flags: ``VIR_DOMAIN_STATS_*`` groups (0: all).
        :param flags: ``VIR_CONNECT_GET_ALL_DOMAINS_STATS_*`` filters.

        Where ``getAllDomainStats`` is not supported, falls back to one
        ``info()`` per domain, reported with the same key names
        (``state.state``, ``balloon.maximum``, ``balloon.current``,
        ``vcpu.current``, ``cpu.time``).
        """
        try:
            pairs = self.read(
                lambda conn: conn.getAllDomainStats(stats_flags, flags),
                operation="get domain statistics")
        except exception.NotSupported:
            return self._domain_stats_from_info(flags & _LIST_FLAGS_MASK)
        # The domain ID (no round trip) tells one run of a guest from the
        # next: it changes whenever the domain starts.
        return {domain.UUIDString(): dict(stats, **{'domain.id': domain.ID()})
                for domain, stats in pairs}

    def _domain_stats_from_info(self, list_flags):
        stats = {}
        for guest in self.list_guests(only_guests=False):
            if list_flags and not self._matches(guest, list_flags):
                continue
            with errors.translated(instance_id=guest.uuid, operation="get info"):
                state, max_mem, mem, vcpus, cpu_time = guest.domain.info()
            stats[guest.uuid] = {
                "state.state": state, "balloon.maximum": max_mem,
                "balloon.current": mem, "vcpu.current": vcpus,
                "cpu.time": cpu_time,
            }
        return stats

    @staticmethod
    def _matches(guest, list_flags):
        active = guest.is_active()
        if list_flags & libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE and not active:
            return False
        return not (list_flags & libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE
                    and active)

    def get_instance_infos(self, only_running=False):
        """Return ``{uuid: InstanceInfo}`` for all domains in one call."""
        flags = (libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE
                 if only_running else 0)
        stats = self.get_all_domain_stats(libvirt.VIR_DOMAIN_STATS_STATE, flags)
        return {
            uuid: objects.InstanceInfo(
                state=libvirt_guest.to_power_state(values["state.state"]))
            for uuid, values in stats.items() if uuid != DOM0_UUID
        }

    # Host resources ----------------------------------------------------------

    def get_cpu_count(self):
        """Return the number of active host CPUs."""
        return self._node_info()[2]

    def get_memory_mb_total(self):
        """Return the host memory in MiB."""
        return self._node_info()[1]

    def get_memory_mb_used(self, from_hypervisor=False):
        """Return the host memory in use, in MiB (free, buffers and page
        cache do not count).

        :param from_hypervisor: count what the hypervisor has handed out
            (its total less its free memory) instead of the host kernel's
            statistics: on Xen the host OS is dom0, a domain whose memory
            statistics describe dom0 alone, and dom0's memory is the host's.
        """
        kib = None if from_hypervisor else self._node_memory_stats()
        if kib is None:
            free = self.read(lambda conn: conn.getFreeMemory(),
                             operation="get free memory")
            return self.get_memory_mb_total() - free // (1024 * 1024)
        unused = sum(kib.get(key, 0) for key in ("free", "buffers", "cached"))
        return (kib["total"] - unused) // 1024

    def _node_memory_stats(self):
        """The host kernel's memory statistics (KiB), or None when the
        hypervisor has none (libvirt's test driver)."""
        try:
            return self.read(
                lambda conn: conn.getMemoryStats(
                    libvirt.VIR_NODE_MEMORY_STATS_ALL_CELLS, 0),
                operation="get memory statistics")
        except exception.NotSupported:
            return None

    def get_cpu_stats(self):
        """Return host CPU times in ns (``kernel``, ``user``, ``idle``,
        ``iowait``) and ``frequency`` in MHz."""
        stats = dict(self.read(
            lambda conn: conn.getCPUStats(libvirt.VIR_NODE_CPU_STATS_ALL_CPUS, 0),
            operation="get CPU statistics"))
        stats["frequency"] = self._node_info()[3]
        return stats

    @staticmethod
    def get_uptime():
        """Return the uptime of the machine this process runs on, in seconds.

        libvirt has no uptime call; like Nova (which runs ``uptime``), this is
        only meaningful for a local hypervisor.
        """
        with open("/proc/uptime") as uptime:
            return float(uptime.read().split()[0])

    def _node_info(self):
        # CPU count, memory size and frequency do not change while a daemon
        # runs: read once per connection.
        if self._node is None:
            self._node = self.read(lambda conn: conn.getInfo(),
                                   operation="get host info")
        return self._node


def _on_close(_conn, reason, opaque):
    host_ref, generation = opaque
    host = host_ref()
    if host is not None:
        host._connection_closed(generation, reason)


def _on_lifecycle(_conn, domain, event, detail, opaque):
    host_ref, generation = opaque
    host = host_ref()
    if host is not None:
        host._lifecycle_event(generation, domain, event, detail)


def _refuse_credentials(credentials, _opaque):
    if not credentials:
        return 0
    raise exception.ConfigurationError(
        reason="libvirt asked for %d credentials; interactive authentication "
        "is not supported" % len(credentials))


def _ignore_error(_context, _error):
    """libvirt error handler: errors are raised as exceptions; print nothing."""
