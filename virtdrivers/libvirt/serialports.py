"""TCP ports for interactive serial consoles (``[serial_console]``).

A port is free when nothing listens on it on the listen address and this
process has not handed it out; QEMU binds it when the guest starts.
"""

import errno
import socket
import threading

from virtdrivers import exception


class PortAllocator:
    """Hands out ports from ``[serial_console] port_range`` on *listen*."""

    def __init__(self, listen, port_range):
        self.listen = listen
        self.low, self.high = port_range
        self._taken = set()
        self._lock = threading.Lock()

    def claim(self, ports):
        """Mark *ports* (used by existing guests) as taken."""
        with self._lock:
            self._taken.update(ports)

    def acquire(self):
        """A free port, now taken.

        :raises HypervisorError: every port of the range is in use.
        """
        with self._lock:
            for port in range(self.low, self.high + 1):
                if port not in self._taken and self._bindable(port):
                    self._taken.add(port)
                    return port
        raise exception.HypervisorError(
            reason='no free TCP port for a serial console in [serial_console] '
                   'port_range=%d:%d on %s' % (self.low, self.high, self.listen))

    def release(self, *ports):
        with self._lock:
            self._taken.difference_update(ports)

    def _bindable(self, port):
        family = socket.AF_INET6 if ':' in self.listen else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((self.listen, port))
            except OSError as err:
                if err.errno in (errno.EADDRINUSE, errno.EACCES):
                    return False
                raise
        return True


def ports_of(domain):
    """TCP ports the serial devices of *domain* (an xml Domain) listen on."""
    return [int(dev.source_service) for dev in domain.devices.serials
            if dev.type == 'tcp' and dev.source_service]
