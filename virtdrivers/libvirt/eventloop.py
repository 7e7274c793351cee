"""libvirt's default event loop, run in one daemon thread.

libvirt delivers domain events, close callbacks and keepalives only while an
event loop runs, and the loop implementation must be registered *before* the
first connection is opened: a connection opened earlier never gets events.
:class:`virtdrivers.libvirt.host.Host` calls :func:`start` before it opens
one; calling it again is harmless.

Callbacks run in the loop thread. They must be quick and must not block on
anything that itself waits for libvirt events, or every connection in the
process stalls: :class:`LifecycleDispatcher` takes raw domain events off the
loop thread through a queue and hands :class:`virtdrivers.events.LifecycleEvent`
to a listener from its own thread.
"""

import logging
import queue
import threading
import time

from virtdrivers import events
from virtdrivers import exception
from virtdrivers.libvirt import errors
from virtdrivers.libvirt.binding import libvirt

LOG = logging.getLogger(__name__)

_lock = threading.Lock()
_thread = None
_STOP = object()


def start():
    """Register libvirt's default event loop and run it in a daemon thread.

    Idempotent and thread-safe: the loop is registered and started once per
    process; later calls return at once.

    :returns: the loop thread.
    """
    global _thread
    with _lock:
        if _thread is None:
            libvirt.virEventRegisterDefaultImpl()
            thread = threading.Thread(
                target=_run, name="libvirt-event-loop", daemon=True
            )
            thread.start()
            _thread = thread
        return _thread


def is_running():
    """Return True once :func:`start` has started the loop thread."""
    thread = _thread
    return thread is not None and thread.is_alive()


def ping(timeout=5.0):
    """Return True when the loop runs a callback within ``timeout`` seconds.

    A liveness probe for tests and health checks: it schedules a one-shot
    libvirt timer and waits for the loop thread to fire it. Returns False
    when the loop was never started or is stuck.
    """
    if not is_running():
        return False
    fired = threading.Event()

    def _tick(timer_id, _opaque):
        fired.set()
        libvirt.virEventRemoveTimeout(timer_id)

    timer_id = libvirt.virEventAddTimeout(0, _tick, None)
    if fired.wait(timeout):
        return True
    # Never fired: remove it so it cannot fire later, at a surprising time.
    libvirt.virEventRemoveTimeout(timer_id)
    return False


def _run():
    while True:
        try:
            libvirt.virEventRunDefaultImpl()
        except libvirt.libvirtError:
            # One failed poll must not end event delivery for the process.
            LOG.exception("libvirt event loop iteration failed")
            # ...nor spin when polling keeps failing.
            time.sleep(0.1)


def lifecycle_transition(event, detail, migration_completed=None):
    """Map a libvirt lifecycle event to an ``events.EVENT_LIFECYCLE_*``.

    Nova's mapping: any STOPPED (shutdown, destroy, managed save, migration)
    is STOPPED; SUSPENDED is PAUSED except post-copy (POSTCOPY_STARTED) and a
    migration that completed (``migration_completed()`` says so:
    MIGRATION_COMPLETED); PMSUSPENDED is SUSPENDED. Other events (defined,
    undefined, shutdown requested, crashed) give None.
    """
    if event == libvirt.VIR_DOMAIN_EVENT_STOPPED:
        return events.EVENT_LIFECYCLE_STOPPED
    if event == libvirt.VIR_DOMAIN_EVENT_STARTED:
        return events.EVENT_LIFECYCLE_STARTED
    if event == libvirt.VIR_DOMAIN_EVENT_RESUMED:
        return events.EVENT_LIFECYCLE_RESUMED
    if event == libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED:
        return events.EVENT_LIFECYCLE_SUSPENDED
    if event != libvirt.VIR_DOMAIN_EVENT_SUSPENDED:
        return None
    if detail == libvirt.VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY:
        return events.EVENT_LIFECYCLE_POSTCOPY_STARTED
    # SUSPENDED_MIGRATED also comes when a migration fails: ask the job.
    if (detail == libvirt.VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED
            and migration_completed is not None and migration_completed()):
        return events.EVENT_LIFECYCLE_MIGRATION_COMPLETED
    return events.EVENT_LIFECYCLE_PAUSED


def _migration_completed(domain):
    # Nova's logic: no job left means completed if the source domain is
    # gone or no longer active, failed otherwise.
    try:
        with errors.translated():
            job_type = domain.jobStats(0).get("type", libvirt.VIR_DOMAIN_JOB_NONE)
            if job_type == libvirt.VIR_DOMAIN_JOB_NONE:
                return not domain.isActive()
    except exception.InstanceNotFound:
        return True
    except exception.VirtDriverError:
        return False
    return job_type == libvirt.VIR_DOMAIN_JOB_COMPLETED


class LifecycleDispatcher:
    """A thread that turns queued libvirt events into lifecycle callbacks.

    STOPPED may be held back ``delay`` seconds and is dropped when another
    event for the same domain comes first: a reboot is STOPPED then STARTED,
    and the listener should not power off a guest that is rebooting.
    """

    def __init__(self, callback, delay=0):
        self._callback = callback
        self._delay = delay
        self._queue = queue.Queue()
        self._pending = {}
        self._thread = None

    def start(self):
        if self._thread is None or not self._thread.is_alive():
            self._drain()
            self._thread = threading.Thread(
                target=self._run, name="libvirt-event-dispatch", daemon=True)
            self._thread.start()

    def stop(self, timeout=5.0):
        for timer in self._pending.values():
            timer.cancel()
        self._pending.clear()
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            # A listener may clean up its Host from within the callback.
            if thread is not threading.current_thread():
                thread.join(timeout)
        self._drain()

    def _drain(self):
        # Queued events hold virDomain objects, and each of those its
        # connection: drop them rather than keep a closed connection alive.
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def put(self, domain, event, detail):
        """Queue a raw event; called in the libvirt loop thread, never blocks.

        Events are dropped while the dispatcher is stopped.
        """
        if self._thread is not None:
            self._queue.put((domain, event, detail))

    def _run(self):
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                self._handle(item)
            except Exception:
                LOG.exception("Dispatching libvirt event %r failed", item)

    def _handle(self, item):
        if isinstance(item[0], threading.Timer):
            timer, event = item
            if self._pending.get(event.uuid) is timer:
                del self._pending[event.uuid]
                self._callback(event)
            return
        domain, vir_event, detail = item
        transition = lifecycle_transition(
            vir_event, detail, lambda: _migration_completed(domain))
        if transition is None:
            return
        event = events.LifecycleEvent(domain.UUIDString(), transition)
        stale = self._pending.pop(event.uuid, None)
        if stale is not None:
            stale.cancel()
            LOG.debug("Dropped a delayed stop event of %s", event.uuid)
        if self._delay and transition == events.EVENT_LIFECYCLE_STOPPED:
            # The timer only queues the event: callbacks stay in this thread.
            timer = threading.Timer(self._delay, self._queue.put)
            timer.args = ((timer, event),)
            timer.daemon = True
            self._pending[event.uuid] = timer
            timer.start()
        else:
            self._callback(event)
