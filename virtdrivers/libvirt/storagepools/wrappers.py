"""Thin wrappers over libvirt's storage pools and volumes.

:class:`Pool` and :class:`Volume` send every call through ``Host.call``, so
libvirt errors come out translated (:mod:`virtdrivers.libvirt.errors`). A
refresh of a pool waits for the copies that read from it (libvirt refuses
it while they run).
"""

import collections
import contextlib
import logging
import threading

from virtdrivers import exception
from virtdrivers.libvirt import xml as vxml

LOG = logging.getLogger(__name__)

# Copies out of a pool, by pool name. libvirt refuses to refresh a pool a
# copy reads from ("pool has asynchronous jobs running"): a refresh waits
# for them, and new copies wait for the refresh.
_copies_from = collections.Counter()
_copies_changed = threading.Condition()


@contextlib.contextmanager
def _copying_from(pool_name):
    with _copies_changed:
        _copies_from[pool_name] += 1
    try:
        yield
    finally:
        with _copies_changed:
            _copies_from[pool_name] -= 1
            _copies_changed.notify_all()


class Volume:
    """One storage volume; libvirt errors come out translated."""

    def __init__(self, host, vol, name=None, pool=None):
        self.host = host
        self.vir = vol
        self.name = name or vol.name()
        self.pool = pool

    def __repr__(self):
        return '<Volume %s>' % self.name

    def _call(self, func, operation):
        return self.host.call(lambda _conn: func(),
                              operation='%s volume %s' % (operation, self.name))

    def describe(self):
        """The volume's :class:`~virtdrivers.libvirt.xml.StorageVolume`."""
        return vxml.StorageVolume.from_xml(
            self._call(lambda: self.vir.XMLDesc(0), 'describe'))

    @property
    def path(self):
        return self._call(self.vir.path, 'locate')

    def delete(self):
        """Remove the volume; one that is gone already is not an error."""
        try:
            self._call(lambda: self.vir.delete(0), 'delete')
        except exception.NotFound:
            pass

    def resize(self, capacity):
        self._call(lambda: self.vir.resize(capacity, 0), 'resize')

    def check_format(self, fmt, backing=None):
        """Refuse to let libvirt read this volume as anything but *fmt*
        (backed by *backing*, a path, or by nothing).

        libvirt probes file volumes again on every refresh, so a guest can
        make its raw disk look like qcow2 with a backing file of its
        choice; a copy made by libvirt would then read that file.

        :returns: the volume's description.
        :raises ImageBackendError: libvirt sees another format or backing.
        """
        desc = self.describe()
        seen = desc.format or 'raw'
        # A raw disk holding an ISO 9660 file system probes as "iso".
        same = seen == fmt or {seen, fmt} <= {'raw', 'iso'}
        if not same or (desc.backing_path or None) != (backing or None):
            raise exception.ImageBackendError(
                backend='pool', reason='libvirt reports volume %s as %s%s, '
                'but it was made as %s%s: refusing to copy it (its content '
                'looks like an image header)' % (
                    self.name, seen, _backed(desc.backing_path), fmt,
                    _backed(backing)))
        return desc


def _backed(path):
    return ' backed by %s' % path if path else ''


class Pool:
    """One storage pool, looked up by name at each use (so that a new
    connection after a libvirtd restart is used)."""

    def __init__(self, host, name):
        self.host = host
        self.name = name

    def __repr__(self):
        return '<Pool %s>' % self.name

    def _vir(self):
        return self.host.read(lambda conn: conn.storagePoolLookupByName(
            self.name), operation='look up storage pool %s' % self.name)

    def _call(self, method, *args, operation):
        vir = self._vir()
        return self.host.call(lambda _conn: getattr(vir, method)(*args),
                              operation='%s in storage pool %s'
                              % (operation, self.name))

    def describe(self):
        """:class:`~virtdrivers.libvirt.xml.StoragePool`, or None when the
        pool is not defined."""
        try:
            return vxml.StoragePool.from_xml(
                self._call('XMLDesc', 0, operation='describe'))
        except exception.NotFound:
            return None

    def is_active(self):
        return bool(self._call('isActive', operation='check'))

    def refresh(self):
        with _copies_changed:
            _copies_changed.wait_for(lambda: not _copies_from[self.name])
            self._call('refresh', 0, operation='refresh')

    def lookup(self, name):
        """The :class:`Volume` *name*, or None."""
        try:
            vol = self._call('storageVolLookupByName', name,
                             operation='look up volume %s' % name)
        except exception.NotFound:
            return None
        return Volume(self.host, vol, name, self.name)

    def volumes(self, prefix=''):
        """The pool's volumes whose names start with *prefix*, by name."""
        found = [Volume(self.host, vol, pool=self.name)
                 for vol in self._call('listAllVolumes', 0,
                                       operation='list volumes')]
        return sorted((v for v in found if v.name.startswith(prefix)),
                      key=lambda v: v.name)

    def create(self, volume_xml):
        """A new volume from a :class:`~virtdrivers.libvirt.xml.
        StorageVolume` (``createXML``)."""
        return self._created(volume_xml, lambda vir, text: vir.createXML(
            text, 0), 'create volume')

    def create_from(self, volume_xml, source):
        """A new volume holding a copy of *source* (a :class:`Volume` of
        any pool of the same connection), converted to the format
        *volume_xml* names (``createXMLFrom``)."""
        with _copying_from(source.pool):
            return self._created(
                volume_xml, lambda vir, text: vir.createXMLFrom(
                    text, source.vir, 0), 'copy volume %s into' % source.name)

    def _created(self, volume_xml, make, operation):
        name = volume_xml.name
        if self.lookup(name) is not None:
            raise exception.InvalidInput(
                reason='volume %s exists already in storage pool %s'
                % (name, self.name))
        vir = self._vir()
        text = volume_xml.to_xml()
        try:
            vol = self.host.call(lambda _conn: make(vir, text),
                                 operation='%s storage pool %s'
                                 % (operation, self.name))
        except BaseException as err:
            # libvirt removes what a failed build wrote; make sure, since a
            # partial volume would pass for a disk.
            with contextlib.suppress(exception.VirtDriverError):
                partial = self.lookup(name)
                if partial is not None:
                    LOG.warning('Removing partial volume %s of pool %s',
                                name, self.name)
                    partial.delete()
            if not isinstance(err, exception.HypervisorError):
                raise
            if 'No space left' in error_text(err):
                raise exception.InsufficientStorage(
                    what='volume %s' % name, path='storage pool %s'
                    % self.name, reason=error_text(err)) from err
            raise exception.ImageBackendError(
                backend='pool', reason='%s storage pool %s: %s'
                % (operation, self.name, error_text(err))) from err
        return Volume(self.host, vol, name, self.name)

    def destroy(self):
        """Stop the pool (its storage stays) and forget a transient one."""
        with contextlib.suppress(exception.NotFound):
            self._call('destroy', operation='stop')

    def undefine(self):
        """Forget the pool (its storage stays)."""
        with contextlib.suppress(exception.NotFound):
            if self.is_active():
                self.destroy()
            self._call('undefine', operation='undefine')


def error_text(err):
    """The reason of a translated libvirt error (its message without one)."""
    return err.kwargs.get('reason') or str(err)
