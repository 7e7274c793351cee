"""Questions to the whole Ceph cluster rather than to an image: its fsid,
pools, monitors, capacity and this client's cephx key."""

import json
import os

from virtdrivers import exception
from virtdrivers.libvirt import rbd_errors


class ClusterQueriesMixin:
    """The cluster queries of
    :class:`~virtdrivers.libvirt.rbd_utils.RbdClient`; need its
    ``_connected``, ``translated``, ``_conf_name``, ``user`` and
    ``op_timeout``."""

    def fsid(self):
        cluster = self._connected()
        with self.translated('fsid'):
            return cluster.get_fsid()

    def pool_exists(self, pool):
        cluster = self._connected()
        with self.translated('pool lookup', pool):
            return cluster.pool_exists(pool)

    def mon_command(self, prefix, **args):
        """A monitor command's JSON answer (``format=json`` added).

        :raises ImageBackendError: the command failed.
        """
        cluster = self._connected()
        command = dict(args, prefix=prefix, format='json')
        with self.translated(prefix):
            ret, out, status = cluster.mon_command(
                json.dumps(command), b'', timeout=self.op_timeout)
        if ret != 0:
            raise rbd_errors.translate(
                OSError(-ret, status or os.strerror(abs(ret))), prefix,
                conffile=self._conf_name())
        return json.loads(out or b'null')

    def mon_hosts(self):
        """``[(host, port)]`` of the monitors (their msgr v1 addresses, which
        QEMU's librbd reaches as ``mon_host``), as Nova's get_mon_addrs."""
        hosts = []
        for mon in self.mon_command('mon dump')['mons']:
            addr = mon.get('addr') or ''
            for entry in mon.get('public_addrs', {}).get('addrvec', ()):
                if entry.get('type') == 'v1':
                    addr = entry['addr']
            addr = addr.split('/')[0]
            host, _, port = addr.rpartition(':')
            if host:
                hosts.append((host.strip('[]'), int(port)))
        return hosts

    def pool_capacity(self, pool):
        """``(total, free)`` bytes for images in *pool*: the cluster's raw
        size and what the pool can still store (``max_avail``, which counts
        its replication), from the monitors' ``df`` (statistics a ceph-mgr
        reports; ``df`` never hangs without one, unlike ``mgr_command``).
        Without a mgr's report, the cluster totals (``rados df``).

        :raises ImageBackendError: no statistics (no ceph-mgr ever ran).
        """
        df = self.mon_command('df')
        total = df.get('stats', {}).get('total_bytes', 0)
        for entry in df.get('pools', ()):
            if entry.get('name') == pool and total:
                return total, entry['stats']['max_avail']
        cluster = self._connected()
        with self.translated('cluster statistics', pool):
            stats = cluster.get_cluster_stats()
        if stats['kb']:
            return stats['kb'] * 1024, stats['kb_avail'] * 1024
        raise exception.ImageBackendError(
            backend=rbd_errors.BACKEND, reason='the Ceph cluster of %s '
            'reports no statistics for pool %s: is a ceph-mgr running?'
            % (self._conf_name(), pool))

    def keyring_key(self):
        """This user's cephx key as the client finds it (``key`` or the
        ``keyring`` files of the configuration); None when there is none
        (cephx off, or a key this process cannot read)."""
        cluster = self._connected()
        with self.translated('keyring lookup'):
            key = cluster.conf_get('key')
            paths = cluster.conf_get('keyring') or ''
        if key:
            return key
        entity = 'client.%s' % (self.user or 'admin')
        for path in paths.replace(';', ',').split(','):
            key = _key_from_keyring(path.strip(), entity)
            if key:
                return key
        return None


def _key_from_keyring(path, entity):
    """The ``key`` of ``[entity]`` in the keyring file *path*, or None."""
    section = None
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith('[') and line.endswith(']'):
                    section = line[1:-1].strip()
                elif section == entity and '=' in line:
                    key, _, value = line.partition('=')
                    if key.strip() == 'key':
                        return value.strip()
    except OSError:
        return None
    return None
