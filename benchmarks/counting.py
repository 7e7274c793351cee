"""A counting proxy over a ``virConnect`` and the ``virDomain`` it returns.

This is measurement, not a fake: every call reaches the real libvirt
object. The driver's Host gets the proxy through its connection seam
(``Host._open_connection``), so every libvirt call the driver makes goes
through it.

Domain methods that only read the ``virDomain`` object itself (its uuid,
name and id, which libvirt's public API returns from the object without
asking the hypervisor driver) are counted apart as *accessors*: they cost
no round trip, but they are still calls and the report shows them.
"""

import collections

from virtdrivers.libvirt.binding import libvirt

# virDomainGetUUID/UUIDString/Name/ID/Connect read fields of the virDomain
# object (libvirt's src/libvirt-domain.c); they never reach the driver.
DOMAIN_ACCESSORS = frozenset({'UUID', 'UUIDString', 'name', 'ID', 'connect'})


class CallCounter:
    """Counts of libvirt calls, by level and method name.

    :ivar active: count (and wrap returned domains) only while True; when
        False the proxy hands out the real objects, so timing is not
        slowed by the proxy.
    :ivar recorded: ``{method: args of its last call}`` for the methods
        named in *record*.
    """

    def __init__(self, record=()):
        self.active = True
        self.record = frozenset(record)
        self.recorded = {}
        self.connection = collections.Counter()
        self.domain = collections.Counter()
        self.accessor = collections.Counter()

    def reset(self):
        self.connection.clear()
        self.domain.clear()
        self.accessor.clear()

    def snapshot(self):
        """The counts so far: totals and per-method detail."""
        return {
            'connection': sum(self.connection.values()),
            'domain': sum(self.domain.values()),
            'domain_accessors': sum(self.accessor.values()),
            'detail': {
                'connection': dict(sorted(self.connection.items())),
                'domain': dict(sorted(self.domain.items())),
                'domain_accessors': dict(sorted(self.accessor.items())),
            },
        }

    def count_domain(self, name):
        if name in DOMAIN_ACCESSORS:
            self.accessor[name] += 1
        else:
            self.domain[name] += 1


class _Proxy:
    __slots__ = ('_real', '_counter')

    def __init__(self, real, counter):
        self._real = real
        self._counter = counter

    def _count(self, name):
        raise NotImplementedError

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        counter = self._counter
        if not counter.active or not callable(attr) or name.startswith('_'):
            return attr

        def counted(*args, **kwargs):
            self._count(name)
            if name in counter.record:
                counter.recorded[name] = args
            result = attr(*_unwrap(args), **kwargs)
            return _wrap(result, counter)

        return counted

    def __repr__(self):
        return '<counting %r>' % (self._real,)


class CountingConnection(_Proxy):
    """A ``virConnect`` whose calls are counted as connection-level."""

    __slots__ = ()

    def _count(self, name):
        self._counter.connection[name] += 1


class CountingDomain(_Proxy):
    """A ``virDomain`` whose calls are counted as domain-level."""

    __slots__ = ()

    def _count(self, name):
        self._counter.count_domain(name)


def _wrap(value, counter):
    """Wrap the domains in a result (alone, in lists, in stats pairs)."""
    if isinstance(value, libvirt.virDomain):
        return CountingDomain(value, counter)
    if isinstance(value, libvirt.virConnect):
        return CountingConnection(value, counter)
    if isinstance(value, list):
        return [_wrap(item, counter) for item in value]
    if isinstance(value, tuple):
        return tuple(_wrap(item, counter) for item in value)
    return value


def _unwrap(args):
    return tuple(a._real if isinstance(a, _Proxy) else a for a in args)


def install(host, counter):
    """Make *host* (a virtdrivers Host, not yet connected) open counting
    connections."""
    open_real = host._open_connection

    def open_counting():
        return CountingConnection(open_real(), counter)

    host._open_connection = open_counting
