"""libvirt storage pools and volumes for the ``pool`` image backend.

* :class:`PoolSettings`: ``[libvirt] storage_pool_*``, read once.
* :func:`ensure_pools`: define, start and mark autostart the two pools at
  start-up: ``nova-base-images-pool``, a ``dir`` pool over the image cache
  directory (never built, so its directory is left as it is), and
  ``nova-disks-pool`` as the options describe it. Only ``dir`` pools are
  built; a volume group, device, export or Ceph pool that is missing fails
  with a :class:`~virtdrivers.exception.ConfigurationError` naming the
  option.
* :class:`Pool`, :class:`Volume`: thin wrappers whose libvirt errors go
  through :mod:`.errors` (``Host.call``).
* :func:`temporary_pool`: a transient ``dir`` pool over a private
  directory, so that libvirt copies a local file into a pool, or a volume
  out of one, with ``createXMLFrom``.
* :func:`download_volume`, :func:`upload_volume`: volume data over
  ``virStorageVolDownload``/``virStorageVolUpload`` streams, holes kept.

libvirt probes the format of every file in a ``dir`` pool when it refreshes
it (and when the daemon starts), so a raw disk whose guest wrote a qcow2
header is reported as qcow2 with the guest's backing file. Callers pin
formats themselves and check libvirt's view (:meth:`Volume.check_format`)
before they let libvirt read a volume.
"""

import collections
import contextlib
import dataclasses
import errno
import logging
import os
import threading
import urllib.parse
import uuid

from virtdrivers import exception
from virtdrivers.libvirt import errors
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.binding import libvirt

LOG = logging.getLogger(__name__)

BASE_POOL = 'nova-base-images-pool'
DISKS_POOL = 'nova-disks-pool'
TEMP_POOL_PREFIX = 'nova-tmp-'

POOL_TYPES = ('dir', 'fs', 'netfs', 'logical', 'zfs', 'rbd', 'gluster',
              'vstorage')
# Volumes are files here: qcow2 (copy-on-write) is possible, and
# <allocation>0</allocation> keeps copies sparse.
FILE_POOL_TYPES = frozenset(('dir', 'fs', 'netfs', 'vstorage'))
# libvirt's RBD backend cannot build a volume from another one
# (createXMLFrom; Red Hat BZ 1089079): data goes in by upload.
UPLOAD_POOL_TYPES = frozenset(('rbd',))
# What [libvirt] storage_pool_source holds for each type that needs one:
# (how it becomes <source>, what to tell an operator who left it out).
_SOURCES = {
    'fs': ('device', 'a block device'),
    'logical': ('name', 'the volume group'),
    'zfs': ('name', 'the ZFS pool'),
    'vstorage': ('name', 'the cluster name'),
    'rbd': ('name', 'the Ceph pool, or MONITOR_HOST:POOL'),
    'netfs': ('host:dir', 'HOST:/PATH'),
    'gluster': ('host:name', 'HOST:VOLUME'),
}
# Where the type's volumes appear, when storage_pool_target does not say.
_TARGETS = {'logical': '/dev/%s', 'zfs': '/dev/zvol/%s'}
_TARGETLESS = frozenset(('rbd', 'gluster'))
# libvirt's test driver keeps volumes as metadata only: no data, no
# upload/download/wipe/resize, and createXMLFrom finds its source only in
# the target pool (libvirt 9.0).
METADATA_ONLY_SCHEMES = frozenset(('test',))
# Where use_storage_pools makes pools the default: QEMU/KVM, whose domains
# take <disk type='volume'> (checked on the real libvirtd). libxl and vz
# are not verified (and Parallels containers mount their root by path);
# images_type=pool still asks for pools there.
POOL_DEFAULT_SCHEMES = frozenset(('qemu',))

OPTIONS = ('[libvirt] storage_pool_type, storage_pool_target and '
           'storage_pool_source')
BASE_OPTIONS = '[DEFAULT] instances_path and [image_cache] subdirectory_name'

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


def _scheme(uri):
    return urllib.parse.urlsplit(uri or '').scheme.split('+', 1)[0]


def keeps_volume_data(uri):
    """Whether the libvirt driver behind *uri* stores volume data."""
    return _scheme(uri) not in METADATA_ONLY_SCHEMES


def backend_name(images_type, use_storage_pools, uri):
    """The image backend for ``[libvirt] images_type``: ``pool`` when it
    is ``default``, ``use_storage_pools`` is set and *uri* is a QEMU/KVM
    connection; else *images_type* itself."""
    if images_type == 'default' and use_storage_pools and \
            _scheme(uri) in POOL_DEFAULT_SCHEMES:
        return 'pool'
    return images_type


@dataclasses.dataclass(frozen=True)
class PoolSettings:
    """The pools of the ``pool`` backend, made once from configuration.

    :ivar type: ``storage_pool_type`` of the disks pool.
    :ivar target: its ``storage_pool_target``.
    :ivar source: its ``storage_pool_source``.
    :ivar base_dir: the image cache directory (the base images pool).
    :ivar use_cow: copy-on-write volumes (``[DEFAULT] use_cow_images``);
        only file pools have them.
    :ivar base_pool, disks_pool: pool names (tests choose their own).
    :ivar copy_by_upload: put data into volumes by upload, not by
        ``createXMLFrom``; by default for the types libvirt cannot copy
        into (RBD).
    :raises ConfigurationError: an unknown type, or a missing source.
    """

    type: str = 'dir'
    target: str | None = None
    source: str = ''
    base_dir: str | None = None
    use_cow: bool = True
    base_pool: str = BASE_POOL
    disks_pool: str = DISKS_POOL
    copy_by_upload: bool | None = None

    def __post_init__(self):
        if self.type not in POOL_TYPES:
            raise exception.ConfigurationError(
                reason='[libvirt] storage_pool_type=%r (choices: %s)'
                % (self.type, ', '.join(POOL_TYPES)))
        form, what = _SOURCES.get(self.type, (None, None))
        if form and (not self.source or form.startswith('host:') and
                     ':' not in self.source):
            raise exception.ConfigurationError(
                reason='[libvirt] storage_pool_type=%s needs [libvirt] '
                'storage_pool_source (%s), got %r' % (self.type, what,
                                                      self.source))
        if self.type not in _TARGETLESS and self.type not in _TARGETS and \
                not self.target:
            raise exception.ConfigurationError(
                reason='[libvirt] storage_pool_type=%s needs [libvirt] '
                'storage_pool_target' % self.type)
        if self.copy_by_upload is None:
            object.__setattr__(self, 'copy_by_upload',
                               self.type in UPLOAD_POOL_TYPES)

    @classmethod
    def from_conf(cls, conf):
        return cls(type=conf.libvirt.storage_pool_type,
                   target=conf.libvirt.storage_pool_target,
                   source=conf.libvirt.storage_pool_source or '',
                   base_dir=os.path.join(conf.instances_path,
                                         conf.image_cache.subdirectory_name),
                   use_cow=conf.use_cow_images)

    @property
    def file_pool(self):
        return self.type in FILE_POOL_TYPES

    @property
    def cow(self):
        """Image disks are qcow2 volumes backed by the base volume."""
        return self.use_cow and self.file_pool

    @property
    def volume_format(self):
        """The format of the volumes this backend makes."""
        return 'qcow2' if self.cow else 'raw'

    def base_pool_xml(self):
        return vxml.StoragePool.new(type='dir', name=self.base_pool,
                                    target_path=os.path.abspath(self.base_dir))

    def disks_pool_xml(self):
        """``<pool>`` of the disks pool, as the options describe it."""
        pool = vxml.StoragePool.new(type=self.type, name=self.disks_pool)
        form = _SOURCES.get(self.type, (None,))[0]
        if form == 'device':
            pool.source.device_paths = [self.source]
        elif form == 'name':
            host, _, name = self.source.rpartition(':')
            if host:
                pool.source.hosts.append(vxml.SourceHost.new(name=host))
            pool.source.name = name
        elif form == 'host:dir':
            host, _, path = self.source.partition(':')
            pool.source.hosts.append(vxml.SourceHost.new(name=host))
            pool.source.dir = path
        elif form == 'host:name':
            host, _, name = self.source.partition(':')
            pool.source.hosts.append(vxml.SourceHost.new(name=host))
            pool.source.name = name
        if self.type in _TARGETS:
            pool.target_path = _TARGETS[self.type] % self.source
        elif self.type not in _TARGETLESS:
            pool.target_path = os.path.abspath(self.target)
        return pool


# -- wrappers ----------------------------------------------------------------


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
            if 'No space left' in _text(err):
                raise exception.InsufficientStorage(
                    what='volume %s' % name, path='storage pool %s'
                    % self.name, reason=_text(err)) from err
            raise exception.ImageBackendError(
                backend='pool', reason='%s storage pool %s: %s'
                % (operation, self.name, _text(err))) from err
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


# -- start-up ----------------------------------------------------------------


def ensure_pools(host, settings):
    """Make both pools of *settings* defined, started and autostarted.

    :returns: ``(base pool, disks pool)``, :class:`Pool` objects.
    :raises ConfigurationError: a pool cannot start (naming the options
        and what libvirt said), or the disks pool exists with another
        definition and holds volumes.
    """
    base = _ensure(host, settings.base_pool_xml(), BASE_OPTIONS, build=False,
                   keep_volumes=False)
    build = settings.type == 'dir'
    disks = _ensure(host, settings.disks_pool_xml(), OPTIONS, build=build,
                    keep_volumes=True)
    return base, disks


def _ensure(host, wanted, options, build, keep_volumes):
    pool = Pool(host, wanted.name)
    current = pool.describe()
    if current is not None and not _same_pool(current, wanted):
        _replace_stale(pool, current, wanted, options, keep_volumes)
        current = None
    if current is None:
        LOG.info('Defining storage pool %s (%s)', wanted.name, _where(wanted))
        try:
            host.call(lambda conn: conn.storagePoolDefineXML(
                wanted.to_xml(), 0), operation='define storage pool %s'
                % wanted.name)
        except exception.HypervisorError as err:
            # Another pool over the same storage, an invalid definition.
            raise exception.ConfigurationError(
                reason='storage pool %s (%s) cannot be defined: %s; check %s'
                % (wanted.name, _where(wanted), _text(err), options)) from err
    if not pool.is_active():
        try:
            _start(pool, wanted, options, build)
        except exception.ConfigurationError:
            if current is None:
                pool.undefine()     # no definition that cannot start is left
            raise
    pool._call('setAutostart', 1, operation='autostart')
    return pool


def _start(pool, wanted, options, build):
    target = wanted.target_path
    try:
        if build and target and not os.path.isdir(target):
            pool._call('build', 0, operation='build')
        pool._call('create', 0, operation='start')
    except exception.VirtDriverError as err:
        raise exception.ConfigurationError(
            reason='storage pool %s (%s) cannot start: %s; check %s'
            % (wanted.name, _where(wanted), _text(err), options)) from err


def _replace_stale(pool, current, wanted, options, keep_volumes):
    if keep_volumes and _holds_volumes(pool):
        raise exception.ConfigurationError(
            reason='storage pool %s exists as %s and holds volumes, but %s '
            'ask for %s: move its volumes (or set the options back)'
            % (wanted.name, _where(current), options, _where(wanted)))
    LOG.warning('Storage pool %s is %s; redefining it as %s', wanted.name,
                _where(current), _where(wanted))
    pool.undefine()


def _holds_volumes(pool):
    try:
        if not pool.is_active():
            pool._call('create', 0, operation='start')
    except exception.VirtDriverError:
        return False    # its storage is gone: nothing of it is reachable
    return bool(pool.volumes())


def _same_pool(current, wanted):
    def key(pool):
        source = pool.source
        return (pool.type, os.path.normpath(pool.target_path or '') if
                pool.target_path else None, source.name or None,
                tuple(source.device_paths), source.dir or None,
                tuple(h.name for h in source.hosts))
    return key(current) == key(wanted)


def _where(pool):
    parts = [pool.type]
    source = pool.source
    for value in (*(h.name for h in source.hosts), source.dir, source.name,
                  *source.device_paths):
        if value:
            parts.append(value)
    if pool.target_path:
        parts.append('at %s' % pool.target_path)
    return ' '.join(parts)


def _text(err):
    return err.kwargs.get('reason') or str(err)


# -- temporary pools ---------------------------------------------------------


@contextlib.contextmanager
def temporary_pool(host, directory):
    """A transient ``dir`` pool over *directory* (which the caller owns and
    removes); stopped, and so forgotten, at exit."""
    name = TEMP_POOL_PREFIX + uuid.uuid4().hex[:12]
    xml = vxml.StoragePool.new(type='dir', name=name,
                               target_path=os.path.abspath(directory))
    host.call(lambda conn: conn.storagePoolCreateXML(xml.to_xml(), 0),
              operation='start temporary storage pool over %s' % directory)
    pool = Pool(host, name)
    try:
        yield pool
    finally:
        try:
            pool.destroy()
        except exception.VirtDriverError as err:
            LOG.warning('Temporary storage pool %s was not removed: %s',
                        name, err)


# -- streams -----------------------------------------------------------------


def download_volume(vol, path):
    """Write the content of :class:`Volume` *vol* (its bytes, whatever its
    format) to the new file *path*; holes of a file volume stay holes.

    :raises NotSupported: the pool's driver cannot stream (the test driver).
    :raises HypervisorError: the transfer failed; *path* is removed.
    """
    flags = libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM \
        if _is_file(vol) else 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with _stream(vol, 'download') as stream:
            vol.vir.download(stream, 0, 0, flags)
            if flags:
                stream.sparseRecvAll(_write, _skip_hole, fd)
            else:
                stream.recvAll(_write, fd)
            stream.finish()
        # A trailing hole was only skipped: give the file its length.
        os.ftruncate(fd, os.lseek(fd, 0, os.SEEK_CUR))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink(path)
        raise
    os.close(fd)


def upload_volume(path, vol):
    """Write the local file *path* into :class:`Volume` *vol*, byte for byte
    (no format conversion: the file must be in the volume's format).

    Holes are sent as holes to a file volume, which leaves whatever that
    range held: upload into a new volume.

    :raises InvalidInput: the file is larger than the volume.
    :raises NotSupported: the pool's driver cannot stream (the test driver).
    :raises HypervisorError: the transfer failed.
    """
    size = os.path.getsize(path)
    desc = vol.describe()
    if desc.capacity is not None and size > desc.capacity and \
            desc.type != 'file':
        raise exception.InvalidInput(
            reason='%s is %d bytes, more than volume %s holds (%d)'
            % (path, size, vol.name, desc.capacity))
    sparse = desc.type == 'file'
    flags = libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM if sparse else 0
    fd = os.open(path, os.O_RDONLY)
    try:
        with _stream(vol, 'upload') as stream:
            vol.vir.upload(stream, 0, size, flags)
            if sparse:
                stream.sparseSendAll(_read, _data_or_hole, _seek, fd)
            else:
                stream.sendAll(_read, fd)
            stream.finish()
    finally:
        os.close(fd)


@contextlib.contextmanager
def _stream(vol, operation):
    stream = vol.host.call(lambda conn: conn.newStream(0),
                           operation='open a stream')
    try:
        with errors.translated(operation='%s volume %s'
                               % (operation, vol.name), host=vol.host.uri):
            yield stream
    except BaseException:
        with contextlib.suppress(libvirt.libvirtError):
            stream.abort()
        raise


def _is_file(vol):
    return vol.describe().type in (None, 'file')


def _write(_stream, data, fd):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    return len(data)


def _skip_hole(_stream, length, fd):
    os.lseek(fd, length, os.SEEK_CUR)
    return 0


def _read(_stream, nbytes, fd):
    return os.read(fd, nbytes)


def _seek(_stream, length, fd):
    return os.lseek(fd, length, os.SEEK_CUR)


def _data_or_hole(_stream, fd):
    """``[in data, section length]`` at *fd*'s offset (sparseSendAll)."""
    here = os.lseek(fd, 0, os.SEEK_CUR)
    end = os.fstat(fd).st_size
    if here >= end:
        return [False, 0]   # the end: the next read returns nothing
    try:
        data = os.lseek(fd, here, os.SEEK_DATA)
    except OSError as err:
        if err.errno != errno.ENXIO:
            raise
        data = end      # only a hole is left
    if data > here:
        section = [False, data - here]
    else:
        section = [True, os.lseek(fd, here, os.SEEK_HOLE) - here]
    os.lseek(fd, here, os.SEEK_SET)
    return section


def _unlink(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
