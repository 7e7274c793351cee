"""Power states, with Nova's values (``nova.compute.power_state``).

Drivers report one of these in :class:`virtdrivers.objects.InstanceInfo`.
"""

NOSTATE = 0x00
RUNNING = 0x01
PAUSED = 0x03
# The VM is powered off, but its memory and device state may be saved
# (libvirt managed save, XenAPI suspend).
SHUTDOWN = 0x04
CRASHED = 0x06
SUSPENDED = 0x07

STATE_MAP = {
    NOSTATE: 'pending',
    RUNNING: 'running',
    PAUSED: 'paused',
    SHUTDOWN: 'shutdown',
    CRASHED: 'crashed',
    SUSPENDED: 'suspended',
}


def name(state):
    """Return the human name of a power state value ('running', ...)."""
    return STATE_MAP.get(state, 'unknown(%r)' % (state,))
