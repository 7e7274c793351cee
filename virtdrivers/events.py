"""Lifecycle events a driver emits, shaped like ``nova.virt.event``.

The transition values are Nova's, so a Nova compute manager that receives
our events through ``register_event_listener`` handles them unchanged.
"""

import time

EVENT_LIFECYCLE_STARTED = 0
EVENT_LIFECYCLE_STOPPED = 1
EVENT_LIFECYCLE_PAUSED = 2
EVENT_LIFECYCLE_RESUMED = 3
EVENT_LIFECYCLE_SUSPENDED = 4
EVENT_LIFECYCLE_POSTCOPY_STARTED = 5
EVENT_LIFECYCLE_MIGRATION_COMPLETED = 6

NAMES = {
    EVENT_LIFECYCLE_STARTED: 'Started',
    EVENT_LIFECYCLE_STOPPED: 'Stopped',
    EVENT_LIFECYCLE_PAUSED: 'Paused',
    EVENT_LIFECYCLE_RESUMED: 'Resumed',
    EVENT_LIFECYCLE_SUSPENDED: 'Suspended',
    EVENT_LIFECYCLE_POSTCOPY_STARTED: 'Postcopy Started',
    EVENT_LIFECYCLE_MIGRATION_COMPLETED: 'Migration Completed',
}


class Event:
    """Base of all driver events; records when it happened."""

    def __init__(self, timestamp=None):
        self.timestamp = timestamp if timestamp is not None else time.time()

    def __repr__(self):
        return '<%s: %s>' % (self.__class__.__name__, self.timestamp)


class InstanceEvent(Event):
    """An event about one instance, named by its uuid."""

    def __init__(self, uuid, timestamp=None):
        super().__init__(timestamp)
        self.uuid = uuid


class LifecycleEvent(InstanceEvent):
    """An instance changed power state (started, stopped, paused, ...)."""

    def __init__(self, uuid, transition, timestamp=None):
        super().__init__(uuid, timestamp)
        if transition not in NAMES:
            raise ValueError('unknown lifecycle transition %r' % (transition,))
        self.transition = transition

    def get_name(self):
        return NAMES[self.transition]

    def __eq__(self, other):
        return (isinstance(other, LifecycleEvent) and self.uuid == other.uuid
                and self.transition == other.transition)

    def __hash__(self):
        return hash((self.uuid, self.transition))

    def __repr__(self):
        return '<LifecycleEvent: %s, %s => %s>' % (
            self.timestamp, self.uuid, self.get_name())
