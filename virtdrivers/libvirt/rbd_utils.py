"""Ceph RBD through librados and librbd: the one import site of ``rados``
and ``rbd`` (STYLE habit 6), and the one place that tells their errors
from others (:mod:`.rbd_errors` then reads them by errno, which needs no
import).

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

The client is in parts that need no binding of their own: cluster queries
(:mod:`.rbd_cluster`) and image data transfers (:mod:`.rbd_transfer`) are
mixins of :class:`RbdClient`, which keeps the connection, images,
snapshots and clones here. Glance's RBD locations are parsed by
:mod:`.rbd_locations`.
"""

import contextlib
import errno
import importlib
import logging
import threading
import time

from virtdrivers import exception
from virtdrivers import plugins
from virtdrivers.libvirt import rbd_cluster
from virtdrivers.libvirt import rbd_errors
from virtdrivers.libvirt import rbd_transfer
from virtdrivers.libvirt.rbd_errors import BACKEND
from virtdrivers.libvirt.rbd_errors import translate
from virtdrivers.libvirt.rbd_locations import URL_PREFIX
from virtdrivers.libvirt.rbd_locations import Location
from virtdrivers.libvirt.rbd_locations import image_locations
from virtdrivers.libvirt.rbd_locations import parse_location
from virtdrivers.libvirt.rbd_transfer import CHUNK

__all__ = [
    "BACKEND",
    "CHUNK",
    "URL_PREFIX",
    "Location",
    "RbdClient",
    "image_locations",
    "modules",
    "parse_location",
    "translate",
]

LOG = logging.getLogger(__name__)

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


def _is_library_error(err):
    rados, rbd = _modules or (None, None)
    return rados is not None and isinstance(err, (rados.Error, rbd.Error))


# -- the client -------------------------------------------------------------

class RbdClient(rbd_cluster.ClusterQueriesMixin,
                rbd_transfer.ImageTransferMixin):
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
    :param options: more librados options (``{'mon_host': ..., 'key':
        ...}``), which win over the configuration file's.
    :param read_conf: False to read no configuration file at all (when
        *options* say everything: monitors and key).
    """

    def __init__(self, conffile='', user=None, connect_timeout=5,
                 op_timeout=30, osd_op_timeout=None, remove_retries=12,
                 retry_interval=5.0, options=None, read_conf=True):
        self.conffile = conffile or ''
        self.extra_options = dict(options or {})
        self.read_conf = read_conf
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
        options.update(self.extra_options)
        return options

    def _connected(self):
        rados, _rbd = modules()
        with self._lock:
            if self._cluster is not None:
                return self._cluster
            try:
                cluster = rados.Rados(
                    rados_id=self.user,
                    conffile=self.conffile if self.read_conf else None,
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
                raise rbd_errors.translate(
                    err, 'connection', conffile=self._conf_name()) from err
            self._cluster = cluster
            return cluster

    def _conf_name(self):
        if not self.read_conf:
            return 'monitors %s' % self.extra_options.get('mon_host', '?')
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
            error = rbd_errors.translate(err, what, pool, image, snapshot,
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

    @staticmethod
    def _is_library_error(err):
        """Whether *err* is a rados or rbd error (for the mixins, which do
        not see the bindings)."""
        return _is_library_error(err)

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
                with self.translated(
                        'clone to %s' % rbd_errors.image_spec(pool, name),
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
                backend=rbd_errors.BACKEND,
                reason='snapshot %s has clones (%s); '
                'flatten or remove them first' % (
                    rbd_errors.image_spec(pool, name, snapshot),
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
                             'its removal in %.0f s',
                             rbd_errors.image_spec(pool, name),
                             self.retry_interval)
                    time.sleep(self.retry_interval)
        return True

    def _remove_partial(self, pool, name, what, err):
        """Remove what a failed *what* left; never hides *err*."""
        LOG.warning('%s of RBD image %s failed (%s); removing it', what,
                    rbd_errors.image_spec(pool, name), err)
        try:
            self.remove(pool, name)
        except Exception:
            LOG.exception('Could not remove the partial RBD image %s',
                          rbd_errors.image_spec(pool, name))
