"""Ceph RBD through librados and librbd: the one import site of ``rados``
and ``rbd`` (STYLE habit 6), and the one place their errors are read.

The bindings are Ceph's own (Debian's python3-rados and python3-rbd; there
are none on PyPI). They are imported on first use, so a host without Ceph
never loads them, and a missing one is a
:class:`~virtdrivers.exception.ConfigurationError` saying what to install.

:class:`RbdClient` keeps one cluster connection, opened lazily with
timeouts (librados ignores the ``timeout`` argument of ``connect``; its
``client_mount_timeout`` option is what bounds it), and translates every
rados/rbd error into the exception tree:

* an unreachable cluster (timeout, connection shut down) raises
  :class:`~virtdrivers.exception.HypervisorUnavailable` naming the
  configuration file, and the connection is opened again on next use;
* a missing pool, image or snapshot raises
  :class:`~virtdrivers.exception.NotFound` naming it;
* a full cluster or pool quota raises
  :class:`~virtdrivers.exception.InsufficientStorage`;
* anything else raises :class:`~virtdrivers.exception.ImageBackendError`
  naming ``pool/image``.
"""

import contextlib
import dataclasses
import errno
import importlib
import json
import logging
import os
import threading
import time
import urllib.parse

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers import plugins

LOG = logging.getLogger(__name__)

BACKEND = 'rbd'
URL_PREFIX = 'rbd://'
# librbd's default object size: reads and writes in whole objects.
CHUNK = 4 * 1024 * 1024
_ZEROS = bytes(CHUNK)

_modules = None
_modules_lock = threading.Lock()


def modules():
    """``(rados, rbd)``, imported on first use.

    :raises ConfigurationError: one is not installed; names the Debian
        package (:data:`virtdrivers.plugins.EXTRAS`).
    """
    global _modules
    with _modules_lock:
        if _modules is None:
            loaded = []
            for name in ('rados', 'rbd'):
                try:
                    loaded.append(importlib.import_module(name))
                except ImportError as err:
                    raise exception.ConfigurationError(
                        reason='the rbd image backend needs the Python module '
                        '%s, which cannot be imported (%s): install %s'
                        % (name, err, plugins.EXTRAS[name])) from err
            _modules = tuple(loaded)
        return _modules


# -- locations --------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Location:
    """An RBD snapshot as Glance's RBD store hands it out:
    ``rbd://<fsid>/<pool>/<image>/<snapshot>``."""

    fsid: str
    pool: str
    image: str
    snapshot: str

    @property
    def url(self):
        return URL_PREFIX + '/'.join(
            urllib.parse.quote(part, safe='')
            for part in (self.fsid, self.pool, self.image, self.snapshot))


def parse_location(url):
    """The :class:`Location` of *url*, or None when it is not one.

    Glance quotes the parts (``%2F``...); ``rbd://pool/image`` (the form
    with no fsid and snapshot that Cinder uses) names no snapshot to clone
    and is not a location here.
    """
    if not isinstance(url, str) or not url.startswith(URL_PREFIX):
        return None
    pieces = [urllib.parse.unquote(piece)
              for piece in url[len(URL_PREFIX):].split('/')]
    if len(pieces) != 4 or '' in pieces:
        return None
    return Location(*pieces)


def image_locations(image_meta):
    """The RBD locations of an image: its ``direct_url`` first, then each
    of its ``locations`` (Glance v2 fields; a dict or an object)."""
    def field(name):
        if isinstance(image_meta, dict):
            return image_meta.get(name)
        return getattr(image_meta, name, None)

    urls = [field('direct_url')]
    for location in field('locations') or ():
        urls.append(location.get('url') if isinstance(location, dict)
                    else location)
    found = []
    for url in urls:
        location = parse_location(url)
        if location is not None and location not in found:
            found.append(location)
    return found


# -- errors -----------------------------------------------------------------

def _spec(pool, image=None, snapshot=None):
    text = pool or '?'
    if image:
        text += '/' + image
    if snapshot:
        text += '@' + snapshot
    return text


def translate(err, what, pool=None, image=None, snapshot=None,
              conffile=None):
    """The exception-tree error for a rados/rbd error *err* (by errno, so
    that any version of the bindings is read the same way).

    :param what: the operation, for the message ("clone", "import"...).
    """
    code = getattr(err, 'errno', None)
    code = abs(code) if isinstance(code, int) else None
    spec = _spec(pool, image, snapshot)
    detail = '%s of %s: %s' % (what, spec, err)
    if code in (errno.ETIMEDOUT, errno.ESHUTDOWN, errno.ENOTCONN,
                errno.ECONNREFUSED):
        return exception.HypervisorUnavailable(
            'The Ceph cluster of %s is unreachable (%s)'
            % (conffile or 'the default ceph.conf', detail),
            host='ceph:%s' % (conffile or 'default'))
    if code == errno.ENOENT:
        return exception.NotFound('RBD %s does not exist (%s)' % (spec, detail))
    if code in (errno.ENOSPC, errno.EDQUOT):
        return exception.InsufficientStorage(
            what=what, path='rbd:' + spec, reason=str(err))
    return exception.ImageBackendError(backend=BACKEND, reason=detail)


def _is_library_error(err):
    rados, rbd = _modules or (None, None)
    return rados is not None and isinstance(err, (rados.Error, rbd.Error))


# -- the client -------------------------------------------------------------

class RbdClient:
    """One Ceph cluster, as one client (cephx user).

    :param conffile: the ``ceph.conf`` (``''``: librados' default search:
        ``$CEPH_CONF``, ``/etc/ceph/ceph.conf``, ``~/.ceph/config``...).
    :param user: the cephx user without ``client.`` (None: ``admin``).
    :param connect_timeout: seconds to reach the monitors.
    :param op_timeout: seconds a monitor command (and, when
        *osd_op_timeout* is not given, nothing else) may take.
    :param osd_op_timeout: seconds one OSD operation may take; None keeps
        librados' default (wait for the cluster, however long).
    :param remove_retries, retry_interval: how long :meth:`remove` waits
        for a busy image (a QEMU that has just closed it keeps its watch
        for up to 30 s) before giving up, as Nova's
        ``rbd_destroy_volume_retries``.
    """

    def __init__(self, conffile='', user=None, connect_timeout=5,
                 op_timeout=30, osd_op_timeout=None, remove_retries=12,
                 retry_interval=5.0):
        self.conffile = conffile or ''
        self.user = user or None
        self.connect_timeout = connect_timeout
        self.op_timeout = op_timeout
        self.osd_op_timeout = osd_op_timeout
        self.remove_retries = remove_retries
        self.retry_interval = retry_interval
        self._cluster = None
        self._lock = threading.Lock()

    # -- connection -------------------------------------------------------

    def _options(self):
        options = {'client_mount_timeout': str(self.connect_timeout),
                   'rados_mon_op_timeout': str(self.op_timeout),
                   # librados would print to the service's stderr.
                   'log_to_stderr': 'false', 'err_to_stderr': 'false'}
        if self.osd_op_timeout:
            options['rados_osd_op_timeout'] = str(self.osd_op_timeout)
        return options

    def _connected(self):
        rados, _rbd = modules()
        with self._lock:
            if self._cluster is not None:
                return self._cluster
            try:
                cluster = rados.Rados(rados_id=self.user,
                                      conffile=self.conffile,
                                      conf=self._options())
            except rados.Error as err:
                raise self._conf_error(err) from err
            try:
                cluster.connect()
            except rados.Error as err:
                with contextlib.suppress(Exception):
                    cluster.shutdown()
                if getattr(err, 'errno', None) in (errno.EACCES, errno.EPERM):
                    raise exception.ConfigurationError(
                        reason='Ceph user %s is refused by the cluster of %s: '
                        '%s' % (self.user or 'admin', self._conf_name(), err)
                    ) from err
                raise translate(err, 'connection', conffile=self._conf_name()
                                ) from err
            self._cluster = cluster
            return cluster

    def _conf_name(self):
        return self.conffile or 'the default ceph.conf'

    def _conf_error(self, err):
        return exception.ConfigurationError(
            reason='cannot read the Ceph configuration %s: %s'
            % (self._conf_name(), err))

    def close(self):
        """Close the connection (the next call opens a new one)."""
        with self._lock:
            cluster, self._cluster = self._cluster, None
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    @contextlib.contextmanager
    def translated(self, what, pool=None, image=None, snapshot=None):
        """Raise rados/rbd errors in the block as the exception tree; drop
        the connection when the cluster became unreachable."""
        try:
            yield
        except exception.VirtDriverError:
            raise
        except Exception as err:
            if not _is_library_error(err):
                raise
            error = translate(err, what, pool, image, snapshot,
                              self._conf_name())
            if isinstance(error, exception.HypervisorUnavailable):
                self.close()
            raise error from err

    @contextlib.contextmanager
    def ioctx(self, pool, what='access'):
        """An open ``rados.Ioctx`` of *pool*.

        :raises NotFound: no such pool.
        """
        cluster = self._connected()
        with self.translated(what, pool):
            ioctx = cluster.open_ioctx(pool)
        try:
            yield ioctx
        finally:
            ioctx.close()

    @contextlib.contextmanager
    def image(self, pool, name, snapshot=None, read_only=False, what='access'):
        """An open ``rbd.Image``; errors inside are translated too."""
        _rados, rbd = modules()
        with self.ioctx(pool, what) as ioctx, \
                self.translated(what, pool, name, snapshot):
            with rbd.Image(ioctx, name, snapshot=snapshot,
                           read_only=read_only) as image:
                yield image

    # -- the cluster ------------------------------------------------------

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
            raise translate(OSError(-ret, status or os.strerror(abs(ret))),
                            prefix, conffile=self._conf_name())
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
            backend=BACKEND, reason='the Ceph cluster of %s reports no '
            'statistics for pool %s: is a ceph-mgr running?'
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

    # -- images -----------------------------------------------------------

    def list_images(self, pool, prefix=''):
        """Names of the images in *pool* starting with *prefix*, sorted."""
        _rados, rbd = modules()
        with self.ioctx(pool, 'list') as ioctx, self.translated('list', pool):
            names = rbd.RBD().list(ioctx)
        return sorted(n for n in names if n.startswith(prefix))

    def exists(self, pool, name, snapshot=None):
        try:
            with self.image(pool, name, snapshot, read_only=True,
                            what='lookup'):
                return True
        except exception.NotFound:
            return False

    def size(self, pool, name, snapshot=None):
        with self.image(pool, name, snapshot, read_only=True,
                        what='size') as image:
            return image.size()

    def parent(self, pool, name):
        """``(pool, image, snapshot)`` the image is a clone of, or None."""
        _rados, rbd = modules()
        with self.image(pool, name, read_only=True, what='parent') as image:
            try:
                return tuple(image.parent_info())
            except rbd.ImageNotFound:
                return None

    def metadata(self, pool, name):
        """The image's key/value metadata."""
        with self.image(pool, name, read_only=True, what='metadata') as image:
            return dict(image.metadata_list())

    def set_metadata(self, pool, name, values):
        with self.image(pool, name, what='metadata update') as image:
            for key, value in values.items():
                image.metadata_set(key, str(value))

    def create(self, pool, name, size):
        """A new, empty (unallocated) image of *size* bytes, format 2 with
        the cluster's default features (layering among them)."""
        _rados, rbd = modules()
        with self.ioctx(pool, 'create') as ioctx, \
                self.translated('create', pool, name):
            rbd.RBD().create(ioctx, name, size, old_format=False)

    def import_file(self, path, pool, name, size=None, metadata=None):
        """A new image *name* with the raw content of local file *path*,
        *size* bytes big (default: the file's size).

        Only the file's data is read (its holes are skipped), and chunks of
        zeroes are not written, so the image stays as sparse as the file.
        A failure removes the partly written image.

        :raises ImageBackendError: the file cannot be read, or the import
            failed (:class:`InsufficientStorage` when the cluster is full).
        """
        file_size = os.path.getsize(path)
        size = file_size if size is None else size
        if size < file_size:
            raise exception.InvalidInput(
                reason='%s is %d bytes; it does not fit in an image of %d bytes'
                % (path, file_size, size))
        self.create(pool, name, size)
        try:
            with open(path, 'rb') as src, \
                    self.image(pool, name, what='import') as image:
                for offset, chunk in _data_chunks(src.fileno(), file_size):
                    self._write(image, chunk, offset)
                image.flush()
                for key, value in (metadata or {}).items():
                    image.metadata_set(key, str(value))
        except BaseException as err:
            self._remove_partial(pool, name, 'import', err)
            if isinstance(err, OSError) and not _is_library_error(err):
                raise exception.ImageBackendError(
                    backend=BACKEND, reason='import of %s into %s: %s'
                    % (path, _spec(pool, name), err)) from err
            raise

    @staticmethod
    def _write(image, data, offset):
        # The one place image data is written (tests fake it).
        image.write(data, offset)

    def export(self, pool, name, path, snapshot=None):
        """Write the image's whole content (its parent's included) to the
        new raw file *path*, sparse: only allocated extents are read, and
        chunks of zeroes become holes. A failure removes *path*."""
        try:
            with open(path, 'xb') as dst, \
                    self.image(pool, name, snapshot, read_only=True,
                               what='export') as image:
                size = image.size()
                for start, length in _extents(image, size):
                    for offset in range(start, start + length, CHUNK):
                        data = image.read(offset, min(CHUNK, start + length
                                                      - offset))
                        if data != _ZEROS[:len(data)]:
                            os.pwrite(dst.fileno(), data, offset)
                dst.truncate(size)
        except BaseException as err:
            fileutils.remove(path)
            if isinstance(err, OSError) and not _is_library_error(err):
                raise exception.ImageBackendError(
                    backend=BACKEND, reason='export of %s to %s: %s'
                    % (_spec(pool, name, snapshot), path, err)) from err
            raise

    def export_head(self, pool, name, path, length, snapshot=None):
        """Write the first *length* bytes of the image to the new file
        *path* (for inspection)."""
        with open(path, 'xb') as dst, \
                self.image(pool, name, snapshot, read_only=True,
                           what='read') as image:
            dst.write(image.read(0, min(length, image.size())))

    def resize(self, pool, name, size):
        with self.image(pool, name, what='resize') as image:
            image.resize(size)

    def clone(self, src_pool, src_image, src_snapshot, pool, name):
        """A copy-on-write clone *pool/name* of snapshot
        *src_pool/src_image@src_snapshot*. A failure removes it."""
        _rados, rbd = modules()
        with self.ioctx(src_pool, 'clone') as src, \
                self.ioctx(pool, 'clone') as dst:
            try:
                with self.translated('clone to %s' % _spec(pool, name),
                                     src_pool, src_image, src_snapshot):
                    # The cluster's default features (layering among them).
                    rbd.RBD().clone(src, src_image, src_snapshot, dst, name)
            except BaseException as err:
                # An image that existed before is not ours to remove.
                if not isinstance(err.__cause__, rbd.ImageExists):
                    self._remove_partial(pool, name, 'clone', err)
                raise

    def flatten(self, pool, name):
        """Copy the parent's data into a clone, which then stands alone."""
        with self.image(pool, name, what='flatten') as image:
            image.flatten()

    def create_snapshot(self, pool, name, snapshot, protect=False):
        with self.image(pool, name, what='snapshot') as image:
            image.create_snap(snapshot)
            if protect:
                image.protect_snap(snapshot)

    def protect_snapshot(self, pool, name, snapshot):
        with self.image(pool, name, what='snapshot protection') as image:
            image.protect_snap(snapshot)

    def unprotect_snapshot(self, pool, name, snapshot):
        with self.image(pool, name, what='snapshot unprotection') as image:
            if image.is_protected_snap(snapshot):
                image.unprotect_snap(snapshot)

    def snapshots(self, pool, name):
        """Names of the image's snapshots."""
        with self.image(pool, name, read_only=True, what='snapshots') as image:
            return sorted(snap['name'] for snap in image.list_snaps())

    def children(self, pool, name, snapshot):
        """``[(pool, image)]`` of the clones of a snapshot, sorted."""
        with self.image(pool, name, snapshot, read_only=True,
                        what='clone listing') as image:
            return sorted((child['pool'], child['image'])
                          for child in image.list_children2()
                          if not child.get('trash'))

    def remove_snapshot(self, pool, name, snapshot):
        """Unprotect (when protected) and remove a snapshot.

        :raises ImageBackendError: it has clones, which are named.
        """
        _rados, rbd = modules()
        children = self.children(pool, name, snapshot)
        if children:
            raise exception.ImageBackendError(
                backend=BACKEND, reason='snapshot %s has clones (%s); '
                'flatten or remove them first' % (
                    _spec(pool, name, snapshot),
                    ', '.join('%s/%s' % child for child in children)))
        with self.image(pool, name, what='snapshot removal') as image:
            if image.is_protected_snap(snapshot):
                image.unprotect_snap(snapshot)
            try:
                image.remove_snap(snapshot)
            except rbd.ImageNotFound:
                pass

    def remove(self, pool, name):
        """Remove an image and its snapshots; True if it existed.

        A busy image (a guest's QEMU still has it open) is retried
        ``remove_retries`` times, ``retry_interval`` seconds apart.

        :raises ImageBackendError: it is still busy, or a snapshot has
            clones.
        """
        _rados, rbd = modules()
        try:
            snapshots = self.snapshots(pool, name)
        except exception.NotFound:
            return False
        for snapshot in snapshots:
            self.remove_snapshot(pool, name, snapshot)
        with self.ioctx(pool, 'remove') as ioctx:
            for attempt in range(self.remove_retries + 1):
                try:
                    with self.translated('remove', pool, name):
                        rbd.RBD().remove(ioctx, name)
                    return True
                except exception.NotFound:
                    return False
                except exception.ImageBackendError as err:
                    cause = err.__cause__
                    if not isinstance(cause, rbd.ImageBusy) or \
                            attempt == self.remove_retries:
                        raise
                    LOG.info('RBD image %s is busy (still open?); retrying '
                             'its removal in %.0f s', _spec(pool, name),
                             self.retry_interval)
                    time.sleep(self.retry_interval)
        return True

    def _remove_partial(self, pool, name, what, err):
        """Remove what a failed *what* left; never hides *err*."""
        LOG.warning('%s of RBD image %s failed (%s); removing it', what,
                    _spec(pool, name), err)
        try:
            self.remove(pool, name)
        except Exception:
            LOG.exception('Could not remove the partial RBD image %s',
                          _spec(pool, name))


def _data_chunks(fd, size):
    """``(offset, bytes)`` of the non-zero, object-aligned chunks of the
    data extents of the file *fd* (holes are never read)."""
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as err:
            if err.errno == errno.ENXIO:   # only a hole is left
                return
            raise
        end = os.lseek(fd, start, os.SEEK_HOLE)
        # Whole objects; *offset* is aligned, and what is before it written.
        start = max(offset, start - start % CHUNK)
        while start < end:
            chunk = os.pread(fd, min(CHUNK, size - start), start)
            if not chunk:
                raise OSError(errno.EIO, 'unexpected end of file at %d' % start)
            if chunk != _ZEROS[:len(chunk)]:
                yield start, chunk
            start += len(chunk)
        offset = start


def _extents(image, size):
    """``[(offset, length)]`` of the image's allocated extents (its
    parent's included), merged."""
    found = []

    def note(offset, length, exists):
        if not exists:
            return
        if found and found[-1][0] + found[-1][1] == offset:
            found[-1] = (found[-1][0], found[-1][1] + length)
        else:
            found.append((offset, length))

    image.diff_iterate(0, size, None, note, include_parent=True)
    return found


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
