"""``rbd``: each instance disk is an RBD image ``<uuid>_<disk name>`` in
``[libvirt] images_rbd_pool`` of a Ceph cluster (Nova's names, so Nova's
disks are found), attached as a network disk that QEMU opens with librbd.

A disk from an image is, as in Nova:

* a **copy-on-write clone** when the image already lives in the same Ceph
  cluster: a Glance RBD location (``direct_url`` or ``locations``,
  ``rbd://<fsid>/<pool>/<image>/<snapshot>``) of a raw image whose fsid
  is this cluster's. Nothing is downloaded; the parent's first megabyte is
  still inspected, so a qcow2 declared raw is refused as on download.
* otherwise the image downloaded through the image cache (inspected,
  converted to raw) and **imported**: written with librbd, zero blocks
  skipped, so the image stays sparse.

What a disk was made from is RBD image metadata (``virtdrivers.base``: the
cached base's name), so the images alone say which disks an instance has:
no ``disk.info``. A clone or import that fails half-way is removed.

Blank disks are created empty; a swap or file system signature is written
into a sparse local file first and imported (only its written blocks are
sent), as there may be no kernel RBD driver to format a mapped device.

Only raw disks: ``qcow2`` images are usable only when the cache converts
them (``[DEFAULT] force_raw_images``, Nova's rule).

The libvirt ``ceph`` secret holding ``[libvirt] rbd_user``'s key is named
by ``rbd_secret_uuid``; :meth:`Rbd.ensure_secret` (or
:func:`ensure_libvirt_secret`) defines it on a host.

Besides :class:`Rbd`, the backend's parts are :mod:`.rbd_settings` (the
options), :mod:`.rbd_names` (image names, metadata keys), :mod:`.rbd_glance`
(clones of Glance images and direct snapshots) and :mod:`.rbd_secret` (the
libvirt secret); the Ceph client is :mod:`virtdrivers.libvirt.rbd_utils`.
"""

import logging
import os
import uuid as uuidlib

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers.image import inspect
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import rbd_utils
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend import file
from virtdrivers.libvirt.imagebackend import rbd_glance
from virtdrivers.libvirt.imagebackend import rbd_secret
from virtdrivers.libvirt.imagebackend.rbd_glance import INSPECT_BYTES
from virtdrivers.libvirt.imagebackend.rbd_names import GLANCE_SNAPSHOT
from virtdrivers.libvirt.imagebackend.rbd_names import META_BASE
from virtdrivers.libvirt.imagebackend.rbd_names import META_IMAGE
from virtdrivers.libvirt.imagebackend.rbd_names import META_KIND
from virtdrivers.libvirt.imagebackend.rbd_names import image_name
from virtdrivers.libvirt.imagebackend.rbd_secret import ensure_libvirt_secret
from virtdrivers.libvirt.imagebackend.rbd_secret import secret_xml
from virtdrivers.libvirt.imagebackend.rbd_settings import OPTION_CONF
from virtdrivers.libvirt.imagebackend.rbd_settings import OPTION_POOL
from virtdrivers.libvirt.imagebackend.rbd_settings import OPTION_SECRET
from virtdrivers.libvirt.imagebackend.rbd_settings import OPTION_USER
from virtdrivers.libvirt.imagebackend.rbd_settings import RbdSettings
from virtdrivers.libvirt.xml.secret import Secret as SecretXML

__all__ = [
    "GLANCE_SNAPSHOT",
    "INSPECT_BYTES",
    "META_BASE",
    "META_IMAGE",
    "META_KIND",
    "OPTION_CONF",
    "OPTION_POOL",
    "OPTION_SECRET",
    "OPTION_USER",
    "RAW_IMAGE_TYPES",
    "Rbd",
    "RbdSettings",
    "SecretXML",
    "ensure_libvirt_secret",
    "image_name",
    "secret_xml",
]

LOG = logging.getLogger(__name__)

RAW_IMAGE_TYPES = {key: key in ('supports_image_type_raw',
                                'supports_image_type_iso')
                   for key in base.QEMU_IMAGE_TYPES}


class Rbd(rbd_glance.GlanceImagesMixin, rbd_secret.CephSecretMixin,
          base.ImageBackend):
    """Disks as RBD images; network disks in the domain.

    :param rbd_settings: an :class:`RbdSettings` (required).
    :param client: the :class:`~virtdrivers.libvirt.rbd_utils.RbdClient`
        (default: one made from *rbd_settings*).
    :raises ConfigurationError: the Ceph configuration cannot be read, or
        the pool does not exist (naming the option).
    :raises HypervisorUnavailable: the cluster cannot be reached (naming
        ``images_rbd_ceph_conf``).
    """

    name = 'rbd'
    SUPPORTS_COW = False     # disks never share the cache's base...
    SUPPORTS_CLONE = True    # ...but clone images that live in Ceph
    #: snapshot_extract copies an RBD snapshot: a running guest need not
    #: be paused or saved for a consistent (crash-consistent) copy.
    POINT_IN_TIME_EXTRACT = True
    disk_format = 'raw'
    # With force_raw_images (the default), as every backend; without it,
    # see supported_image_types.
    image_types = base.QEMU_IMAGE_TYPES

    def __init__(self, instances_path, cache, settings, rbd_settings=None,
                 client=None):
        super().__init__(instances_path, cache, settings)
        if rbd_settings is None:
            raise exception.ConfigurationError(
                reason='the rbd image backend needs %s and %s'
                % (OPTION_POOL, OPTION_CONF))
        self.rbd_settings = rbd_settings
        self.pool = rbd_settings.pool
        self.client = client or rbd_utils.RbdClient(
            rbd_settings.ceph_conf, rbd_settings.user,
            connect_timeout=rbd_settings.connect_timeout)
        self.check()

    @classmethod
    def from_conf(cls, instances_path, cache, settings, conf, client=None):
        """The backend *conf*'s ``[libvirt]`` options describe."""
        return cls(instances_path, cache, settings,
                   RbdSettings.from_conf(conf), client=client)

    @classmethod
    def supported_image_types(cls, settings):
        """Nova's ``supports_image_type_*`` for these settings: RBD disks
        are raw, so other formats only when the cache converts them."""
        return dict(cls.image_types if settings.force_raw
                    else RAW_IMAGE_TYPES)

    def check(self):
        """Fail at start-up, not at the first spawn: the configuration
        must be readable, the cluster reachable and the pool there.

        :raises ConfigurationError: naming ``images_rbd_ceph_conf``,
            ``images_rbd_pool`` or ``rbd_user``.
        :raises HypervisorUnavailable: naming ``images_rbd_ceph_conf``.
        """
        conf = self.rbd_settings.ceph_conf
        if conf and not os.access(conf, os.R_OK):
            raise exception.ConfigurationError(
                reason='%s=%s cannot be read' % (OPTION_CONF, conf))
        try:
            found = self.client.pool_exists(self.pool)
        except exception.ConfigurationError as err:
            raise exception.ConfigurationError(
                reason='%s=%s, %s=%s: %s' % (
                    OPTION_CONF, conf or "''", OPTION_USER,
                    self.rbd_settings.user or '', err.kwargs.get('reason', err))
            ) from err
        except exception.HypervisorUnavailable as err:
            raise exception.HypervisorUnavailable(
                '%s=%s: %s' % (OPTION_CONF, conf or "'' (Ceph's default)", err),
                host=err.kwargs.get('host')) from err
        if not found:
            raise exception.ConfigurationError(
                reason='%s=%s: no such pool in the Ceph cluster of %s=%s'
                % (OPTION_POOL, self.pool, OPTION_CONF, conf or "''"))
        try:
            self.client.list_images(self.pool, prefix='\0')
        except exception.ImageBackendError as err:
            raise exception.ConfigurationError(
                reason='%s=%s cannot use %s=%s: %s' % (
                    OPTION_USER, self.rbd_settings.user or 'admin',
                    OPTION_POOL, self.pool, err)) from err

    def close(self):
        """Close the cluster connection (reopened on next use)."""
        self.client.close()

    def capacity(self):
        """``(total, free)`` bytes: the cluster's size and what the pool can
        still store (counting its replication)."""
        return self.client.pool_capacity(self.pool)

    @staticmethod
    def is_shared_block_storage():
        """Every host of the cluster sees the disks (Nova's answer)."""
        return True

    # -- creating ---------------------------------------------------------

    def create_from_image(self, context, instance, disk_name, image_meta,
                          size_bytes):
        name = self._new_name(instance, disk_name)
        location = self._cloneable(context, image_meta)
        with self.transaction(instance, disk_name, 'creation') as tx:
            if location is not None:
                self._clone(tx, location, name, image_meta, size_bytes)
            else:
                self._import_cached(tx, context, instance, name, image_meta,
                                    size_bytes)
        return self._source(name)

    def _import_cached(self, tx, context, instance, name, image_meta,
                       size_bytes):
        cached = self.cache.fetch(context, image_meta,
                                  instance_uuid=instance.uuid)
        base_name = os.path.basename(cached.path)
        tx.on_undo('cache reference', self._release_base, instance, base_name)
        if cached.format != 'raw':
            raise exception.InvalidImage(
                image_id=cached.image_id,
                reason='[libvirt] images_type=rbd keeps raw disks only and the '
                'cached image is %s; set [DEFAULT] force_raw_images'
                % cached.format)
        size = self.check_size(cached, size_bytes)
        tx.on_undo('RBD image', self.client.remove, self.pool, name)
        with self.cache.disk_op():
            self.client.import_file(cached.path, self.pool, name, size,
                                    metadata={META_KIND: 'image',
                                              META_BASE: base_name,
                                              META_IMAGE: cached.image_id})

    def create_blank(self, instance, disk_name, size_bytes, kind='ephemeral'):
        if kind not in base.BLANK_KINDS:
            raise exception.InvalidInput(
                reason='blank disk kind %r (choices: %s)'
                % (kind, ', '.join(base.BLANK_KINDS)))
        size = base.check_bytes(size_bytes)
        name = self._new_name(instance, disk_name)
        fs_type = 'swap' if kind == 'swap' else \
            self.settings.default_ephemeral_format
        with self.transaction(instance, disk_name, 'creation') as tx:
            tx.on_undo('RBD image', self.client.remove, self.pool, name)
            if fs_type is None:
                self.client.create(self.pool, name, size)
                self.client.set_metadata(self.pool, name, {META_KIND: kind})
            else:
                with self._scratch('blank') as tmp:
                    disks.create_sparse(tmp, size)
                    if fs_type == 'swap':
                        disks.make_swap(tmp)
                    else:
                        disks.make_filesystem(tmp, fs_type,
                                              file._label(disk_name))
                    self.client.import_file(tmp, self.pool, name, size,
                                            metadata={META_KIND: kind})
        return self._source(name)

    def import_file(self, instance, disk_name, path, fmt):
        found = inspect.inspect_image(
            path, fmt, 'file for disk %s of instance %s'
            % (disk_name, instance.uuid))
        name = self._new_name(instance, disk_name)
        with self.transaction(instance, disk_name, 'import') as tx:
            tx.on_undo('RBD image', self.client.remove, self.pool, name)
            with self.cache.disk_op(), self._scratch('import') as tmp:
                raw = path
                if found.format != 'raw':
                    qemuimg.convert(path, found.format, tmp, 'raw')
                    raw = tmp
                self.client.import_file(raw, self.pool, name,
                                        max(found.virtual_size,
                                            os.path.getsize(raw)),
                                        metadata={META_KIND: 'file'})
        return self._source(name)

    # -- existing disks ---------------------------------------------------

    def source(self, instance, disk_name):
        name = self._existing(instance, disk_name)
        return self._source(name)

    def exists(self, instance, disk_name):
        return self.client.exists(self.pool, image_name(instance, disk_name))

    def disk_names(self, instance):
        prefix = image_name(instance, '')
        return [name[len(prefix):] for name in
                self.client.list_images(self.pool, prefix)
                if len(name) > len(prefix)]

    def delete(self, instance, disk_name):
        """Remove the disk's image and its snapshots (idempotent)."""
        name = image_name(instance, disk_name)
        try:
            metadata = self.client.metadata(self.pool, name)
        except exception.NotFound:
            return
        self.client.remove(self.pool, name)
        if metadata.get(META_BASE):
            self._release_base(instance, metadata[META_BASE])

    def resize(self, instance, disk_name, size_bytes):
        name = self._existing(instance, disk_name)
        size = base.check_bytes(size_bytes)
        current = self.client.size(self.pool, name)
        if size < current:
            raise exception.InvalidInput(
                reason='disk %s of instance %s is %d bytes; it cannot shrink '
                'to %d bytes' % (disk_name, instance.uuid, current, size))
        if size > current:
            with self.transaction(instance, disk_name, 'resize'):
                self.client.resize(self.pool, name, size)
        return self._source(name)

    def snapshot_extract(self, instance, disk_name, target_path, out_format):
        """Copy a point-in-time RBD snapshot of the disk (so a running
        guest's writes do not tear it) into *target_path*."""
        name = self._existing(instance, disk_name)
        snapshot = 'virtdrivers-extract-%s' % uuidlib.uuid4().hex
        self.client.create_snapshot(self.pool, name, snapshot)
        try:
            with self.cache.disk_op():
                if out_format == 'raw':
                    self.client.export(self.pool, name, target_path, snapshot)
                    return
                with self._scratch('extract') as tmp:
                    self.client.export(self.pool, name, tmp, snapshot)
                    qemuimg.convert(tmp, 'raw', target_path, out_format)
        finally:
            self._remove_snapshot_quietly(name, snapshot)

    def disk_info(self, instance):
        """The disks, with ``disk_size`` and ``over_committed_disk_size``
        0: they take no space on this host (Nova leaves network disks out of
        the host's disk accounting; the pool's is :meth:`capacity`)."""
        found = []
        for disk_name in self.disk_names(instance):
            name = image_name(instance, disk_name)
            try:
                size = self.client.size(self.pool, name)
                parent = self.client.parent(self.pool, name)
            except exception.NotFound:
                continue    # deleted while we looked
            found.append({
                'type': 'raw',
                'path': '%s/%s' % (self.pool, name),
                'virt_disk_size': size,
                'backing_file': '%s/%s@%s' % parent if parent else '',
                'disk_size': 0,
                'over_committed_disk_size': 0,
            })
        return found

    # -- helpers ----------------------------------------------------------

    def _source(self, name):
        return context.DiskSource(
            type='network', protocol='rbd', name='%s/%s' % (self.pool, name),
            hosts=tuple(self.client.mon_hosts()), format='raw',
            auth=self.rbd_settings.auth)

    def _new_name(self, instance, disk_name):
        name = image_name(instance, disk_name)
        if self.client.exists(self.pool, name):
            raise exception.InvalidInput(
                reason='disk %s of instance %s exists already (RBD image '
                '%s/%s)' % (disk_name, instance.uuid, self.pool, name))
        return name

    def _existing(self, instance, disk_name):
        name = image_name(instance, disk_name)
        if not self.client.exists(self.pool, name):
            raise exception.NotFound(
                'Disk %s of instance %s does not exist (no RBD image %s/%s)'
                % (disk_name, instance.uuid, self.pool, name))
        return name

    def _scratch(self, what):
        """A temporary local file path (removed afterwards), beside the
        image cache: on this host's disk, never in a tmpfs."""
        return _Scratch(self.cache.base_dir, what)

    def _release_base(self, instance, base_name):
        """Drop the instance's reference to base *base_name* unless another
        of its disks was made from it."""
        for disk_name in self.disk_names(instance):
            try:
                metadata = self.client.metadata(
                    self.pool, image_name(instance, disk_name))
            except exception.NotFound:
                continue
            if metadata.get(META_BASE) == base_name:
                return
        self.cache.remove_reference(
            os.path.join(self.cache.base_dir, base_name), instance.uuid)

    def _remove_snapshot_quietly(self, name, snapshot):
        try:
            self.client.remove_snapshot(self.pool, name, snapshot)
        except exception.VirtDriverError:
            LOG.exception('Could not remove snapshot %s@%s; remove it by hand',
                          name, snapshot)


class _Scratch:
    """``with _Scratch(directory, what) as path``: a path for a temporary
    file that is removed on exit (the file is not created)."""

    def __init__(self, directory, what):
        self.directory = directory
        self.what = what

    def __enter__(self):
        os.makedirs(self.directory, exist_ok=True)
        self.path = os.path.join(
            self.directory, '.rbd-%s-%s.tmp' % (self.what, os.urandom(6).hex()))
        return self.path

    def __exit__(self, *exc_info):
        fileutils.remove(self.path)
