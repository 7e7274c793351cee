"""The instance metadata the host hands the guest on the configuration
channel (``org.virtdrivers.config.0``), and how it is written there.

The channel is a virtio-serial port on QEMU (``/dev/virtio-ports/
org.virtdrivers.config.0`` in a Linux guest) and a named Xen PV console on
Xen; on the host, libvirt gives it a Unix socket that QEMU (or libxl)
listens on. The host connects, writes, and keeps the connection open
(:class:`Connections`): QEMU stops reading a connection while the guest
has the port closed, and when that connection hangs up it discards what it
had not read yet. The next write closes it (a guest reading the port sees
end of file) and opens a new one.

Framing: one JSON document per line. Each write is one UTF-8 JSON object
with no newline inside (JSON escapes them in strings), terminated by
``\\n``. A guest reads lines and keeps the last complete one: the latest
wins. The host writes after every start of the guest (QEMU drops what its
socket held when it restarts) and whenever the configuration changes
(``inject_network_info``), so a guest may see the same document twice.

The document (``"version": 1``)::

    {"version": 1, "uuid": ..., "name": ..., "hostname": ...,
     "flavor": {"name", "vcpus", "memory_mb", "root_gb", "ephemeral_gb",
                "swap"},
     "image": {"id": ..., "properties": {<the properties below, when set>}},
     "network_data": <OpenStack's network_data.json: links, networks,
                      services>}

A guest should ignore a document whose ``version`` it does not know; new
keys may appear within a version, none is removed or changes meaning.
"""

import json
import socket
import threading
import time

from virtdrivers import exception
from virtdrivers.image import configdrive

VERSION = 1
# Seconds to connect and write. QEMU accepts one connection at a time and
# reads it only while the guest has the port open: a guest that never reads
# leaves a write or two queued in the socket, and the next one waits.
WRITE_TIMEOUT = 5.0
# Image properties a guest may act on (what it runs as and who it is for).
IMAGE_PROPERTIES = ('hw_architecture', 'hw_vm_mode', 'os_type', 'os_distro',
                    'os_version', 'os_admin_user')


def document(instance, image_meta, network_info):
    """The metadata document of *instance* (a dict, see the module doc).

    :raises InvalidInput: for network info with a bad CIDR.
    """
    flavor = instance.flavor
    props = image_meta.properties
    return {
        'version': VERSION,
        'uuid': instance.uuid,
        'name': instance.display_name,
        'hostname': instance.hostname or instance.display_name,
        'flavor': {key: getattr(flavor, key) for key in (
            'name', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb', 'swap')},
        'image': {'id': image_meta.id, 'properties': {
            name: props.get(name) for name in IMAGE_PROPERTIES
            if props.get(name) is not None}},
        'network_data': configdrive.network_metadata(network_info),
    }


def encode(doc):
    """One line: compact JSON, keys sorted, ``\\n``-terminated, UTF-8."""
    return (json.dumps(doc, sort_keys=True, separators=(',', ':'),
                       default=str) + '\n').encode('utf-8')


def decode(data):
    """The last complete document in *data* (bytes a guest read), or None.

    :raises ValueError: when that line is not a JSON object.
    """
    lines = [line for line in data.split(b'\n')[:-1] if line.strip()]
    if not lines:
        return None
    doc = json.loads(lines[-1])
    if not isinstance(doc, dict):
        raise ValueError('not a JSON object: %r' % lines[-1][:80])
    return doc


class Connections:
    """Open connections to channel sockets, at most one per key (an
    instance uuid), kept until the next write for that key.

    Thread-safe. Connections whose other end hung up (the guest's QEMU
    stopped) are closed at the next write for any key.
    """

    def __init__(self):
        self._socks = {}
        self._lock = threading.Lock()

    def send(self, key, path, doc, timeout=WRITE_TIMEOUT):
        """Write *doc* as one line on a new connection to *path*, replacing
        *key*'s previous one.

        :raises HypervisorError: the socket cannot be reached or written in
            *timeout* seconds, naming it; *key* then has no connection.
        """
        with self._lock:
            self._close(key)
            self._prune()
            self._socks[key] = _open_and_write(path, encode(doc), timeout)

    def close(self, key):
        """Close *key*'s connection, if any."""
        with self._lock:
            self._close(key)

    def __len__(self):
        return len(self._socks)

    def _close(self, key):
        sock = self._socks.pop(key, None)
        if sock is not None:
            sock.close()

    def _prune(self):
        for key, sock in list(self._socks.items()):
            if _hung_up(sock):
                self._close(key)


def send(path, doc, timeout=WRITE_TIMEOUT):
    """Write *doc* as one line into the socket at *path* and close it (for
    a reader that reads whatever it is sent; QEMU needs
    :class:`Connections`).

    :raises HypervisorError: as :meth:`Connections.send`.
    """
    _open_and_write(path, encode(doc), timeout).close()


def _open_and_write(path, data, timeout):
    deadline = time.monotonic() + timeout
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        _connect(sock, path, deadline)
        sock.sendall(data)
    except OSError as err:
        sock.close()
        raise exception.HypervisorError(
            reason='configuration channel socket %s: %s'
            % (path, err or 'timed out')) from err
    return sock


def _connect(sock, path, deadline):
    # A Unix socket whose backlog is full refuses at once (EAGAIN) instead
    # of waiting like TCP: try again until the deadline.
    while True:
        try:
            return sock.connect(path)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TimeoutError('timed out') from None
            time.sleep(0.05)


def _hung_up(sock):
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b''
    except BlockingIOError:
        return False
    except OSError:
        return True
