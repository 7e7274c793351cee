"""What a driver may ask of the compute service (Nova's ``VirtAPI``).

A Nova compute manager passes its own VirtAPI and it works unchanged.
:class:`LocalVirtAPI` is the in-process implementation for services that are
not Nova, for the command line and for tests: events are delivered by
calling :meth:`LocalVirtAPI.deliver` (for example from a network agent).
"""

import abc
import contextlib
import threading

from virtdrivers import exception


class VirtAPI(abc.ABC):
    @abc.abstractmethod
    def wait_for_instance_event(self, instance, event_names, deadline=300,
                                error_callback=None):
        """Context manager: run the body, then wait for *event_names*.

        :param event_names: ``[(name, tag)]`` such as
            ``('network-vif-plugged', vif_id)``.
        :param deadline: seconds to wait after the body finished.
        :param error_callback: ``f(event_name, instance)`` called for each
            event delivered with status ``failed``; it may raise. Without
            it, a failed event raises ``VirtDriverError``.
        :raises InstanceEventTimeout: not all events arrived in time.
        """

    @abc.abstractmethod
    def exit_wait_early(self, events):
        """Stop waiting for *events* (``[(name, tag)]``) of any instance."""

    @abc.abstractmethod
    def update_compute_provider_status(self, context, rp_uuid, enabled):
        """Mark this node's resource provider enabled or disabled."""


class LocalVirtAPI(VirtAPI):
    """In-process VirtAPI; thread-safe."""

    def __init__(self):
        self._lock = threading.Condition()
        self._delivered = {}   # (uuid, name, tag) -> status
        self._waiting = set()
        self.provider_status = {}

    def deliver(self, instance_uuid, name, tag=None, status='completed'):
        """Deliver an external event, as Neutron would to Nova."""
        with self._lock:
            self._delivered[(instance_uuid, name, tag)] = status
            self._lock.notify_all()

    @contextlib.contextmanager
    def wait_for_instance_event(self, instance, event_names, deadline=300,
                                error_callback=None):
        keys = {(instance.uuid, name, tag) for name, tag in event_names}
        with self._lock:
            self._waiting |= keys
        try:
            yield
            self._wait(instance, keys, deadline, error_callback)
        finally:
            with self._lock:
                self._waiting -= keys
                for key in keys:
                    self._delivered.pop(key, None)

    def _wait(self, instance, keys, deadline, error_callback):
        with self._lock:
            arrived = self._lock.wait_for(
                lambda: keys <= (self._delivered.keys() | (keys - self._waiting)),
                timeout=deadline)
            if not arrived:
                missing = sorted('%s:%s' % (k[1], k[2]) for k in
                                 keys - self._delivered.keys())
                raise exception.InstanceEventTimeout(
                    timeout=deadline, events=', '.join(missing),
                    instance_id=instance.uuid)
            failed = [k for k in keys if self._delivered.get(k) == 'failed']
        for _uuid, name, _tag in sorted(failed):
            if error_callback is None:
                raise exception.VirtDriverError(
                    'Event %s failed for instance %s' % (name, instance.uuid))
            error_callback(name, instance)

    def exit_wait_early(self, events):
        with self._lock:
            self._waiting = {k for k in self._waiting
                             if (k[1], k[2]) not in set(events)}
            self._lock.notify_all()

    def update_compute_provider_status(self, context, rp_uuid, enabled):
        self.provider_status[rp_uuid] = enabled
