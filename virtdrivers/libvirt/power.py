"""Graceful power transitions of a guest, with timeouts then force.

Kept apart from the driver because the waiting rules (ACPI first, then
hard) are the same for reboot, power off and rescue.
"""

import logging
import time

from virtdrivers import exception
from virtdrivers import power_state

LOG = logging.getLogger(__name__)

RUNNING_STATES = (power_state.RUNNING, power_state.PAUSED)
# Seconds between two ACPI shutdown requests when the caller gives no
# interval.
DEFAULT_RETRY_INTERVAL = 1.0


def expect(guest, method, *allowed):
    """Raise ``InstanceInvalidState`` unless *guest* is in *allowed*."""
    state = guest.get_power_state()
    if state not in allowed:
        raise exception.InstanceInvalidState(
            instance_uuid=guest.uuid, attr='power state',
            state=power_state.name(state), method=method)
    return state


def clean_shutdown(guest, timeout, retry_interval=0):
    """Ask the guest to shut down (ACPI) and wait up to *timeout* seconds.

    The request is repeated every *retry_interval* seconds, every
    :data:`DEFAULT_RETRY_INTERVAL` when it is 0 (as Nova does): a guest
    still in its firmware or early boot ignores the power button, and one
    request would leave it running until the timeout. Returns True when the
    guest stopped.
    """
    if guest.get_power_state() == power_state.SHUTDOWN:
        return True
    deadline = time.monotonic() + timeout
    next_request = 0.0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_request:
            try:
                guest.shutdown()
            except exception.InstanceInvalidState:
                pass    # stopped between our check and the request
            next_request = now + (retry_interval or DEFAULT_RETRY_INTERVAL)
        if guest.get_power_state() == power_state.SHUTDOWN:
            return True
        time.sleep(0.2)
    LOG.info('Instance %s did not shut down within %ss', guest.uuid, timeout)
    return guest.get_power_state() == power_state.SHUTDOWN


def force_off(guest):
    """Destroy the running guest (pulling the plug); idempotent."""
    if guest.is_active():
        try:
            guest.poweroff()
        except exception.InstanceInvalidState:
            pass    # it stopped by itself meanwhile


def power_off(guest, timeout=0, retry_interval=0):
    """Nova's power_off: gracefully for *timeout* seconds, then forced."""
    if timeout and clean_shutdown(guest, timeout, retry_interval):
        return
    force_off(guest)
