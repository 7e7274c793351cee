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
"""

import base64
import binascii
import dataclasses
import logging
import os
import uuid as uuidlib

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers.image import inspect
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import rbd_utils
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend import file
from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLProperty

LOG = logging.getLogger(__name__)

OPTION_POOL = '[libvirt] images_rbd_pool'
OPTION_CONF = '[libvirt] images_rbd_ceph_conf'
OPTION_USER = '[libvirt] rbd_user'
OPTION_SECRET = '[libvirt] rbd_secret_uuid'
# RBD image metadata keys.
META_BASE = 'virtdrivers.base'
META_KIND = 'virtdrivers.kind'
META_IMAGE = 'virtdrivers.image_id'
# The protected snapshot Glance's RBD store makes and hands out.
GLANCE_SNAPSHOT = 'snap'
# Bytes of a cloned parent read for inspection: every header the format
# inspector knows is in the first megabyte.
INSPECT_BYTES = 1024 * 1024

RAW_IMAGE_TYPES = {key: key in ('supports_image_type_raw',
                                'supports_image_type_iso')
                   for key in base.QEMU_IMAGE_TYPES}


@dataclasses.dataclass(frozen=True)
class RbdSettings:
    """The ``[libvirt]`` options of the rbd backend.

    :ivar pool: ``images_rbd_pool``.
    :ivar ceph_conf: ``images_rbd_ceph_conf`` (``''``: Ceph's default).
    :ivar user: ``rbd_user`` (None: librados' default, ``admin``).
    :ivar secret_uuid: ``rbd_secret_uuid``: the libvirt secret with the
        user's key; disks carry ``<auth>`` only when it and *user* are set.
    :ivar connect_timeout: seconds to reach the cluster.
    :raises ConfigurationError: no pool, or a secret uuid that is none.
    """

    pool: str = 'rbd'
    ceph_conf: str = ''
    user: str | None = None
    secret_uuid: str | None = None
    connect_timeout: int = 5

    def __post_init__(self):
        if not self.pool or '/' in self.pool or '@' in self.pool:
            raise exception.ConfigurationError(
                reason='%s=%r does not name a Ceph pool' % (OPTION_POOL,
                                                             self.pool))
        if self.secret_uuid:
            try:
                uuidlib.UUID(self.secret_uuid)
            except ValueError as err:
                raise exception.ConfigurationError(
                    reason='%s=%r is not a uuid' % (OPTION_SECRET,
                                                    self.secret_uuid)) from err

    @classmethod
    def from_conf(cls, conf):
        group = conf.libvirt
        return cls(pool=group.images_rbd_pool,
                   ceph_conf=group.images_rbd_ceph_conf or '',
                   user=group.rbd_user or None,
                   secret_uuid=group.rbd_secret_uuid or None)

    @property
    def auth(self):
        """The disks' :class:`~.context.DiskAuth`, or None."""
        if self.user and self.secret_uuid:
            return context.DiskAuth(self.user, self.secret_uuid, 'ceph')
        return None


class Rbd(base.ImageBackend):
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

    def _clone(self, tx, location, name, image_meta, size_bytes):
        image_id = str(getattr(image_meta, 'id', None) or location.image)
        parent_size = self.client.size(location.pool, location.image,
                                       location.snapshot)
        size = self.check_size(imagecache.CachedImage(
            None, 'raw', parent_size, image_id), size_bytes)
        self._inspect_parent(location, parent_size, image_id)
        tx.on_undo('RBD image', self.client.remove, self.pool, name)
        self.client.clone(location.pool, location.image, location.snapshot,
                          self.pool, name)
        self.client.set_metadata(self.pool, name, {META_KIND: 'image',
                                                   META_IMAGE: image_id})
        if size > parent_size:
            self.client.resize(self.pool, name, size)
        LOG.info('Cloned %s into %s/%s (image %s, no download)',
                 location.url, self.pool, name, image_id)

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

    # -- direct snapshots -------------------------------------------------

    def direct_snapshot(self, context, instance, image_id, base_image_meta,
                        disk_name=context.ROOT):
        """Snapshot a disk inside Ceph, as Nova's Rbd: an RBD snapshot of
        it, cloned into the pool of the instance's image (Glance's) as
        image *image_id*, flattened, given the protected snapshot ``snap``
        Glance hands out. The temporary snapshot is removed either way; a
        failure removes the partial image.

        The driver then adds the returned location to image *image_id* in
        Glance (``locations``) and, if that fails, calls
        :meth:`cleanup_direct_snapshot`. A running guest is snapshotted as
        it is (crash-consistent): the driver freezes its file systems
        around the call when it can.

        :returns: the location, ``rbd://<fsid>/<pool>/<image_id>/snap``.
        :raises NotSupported: the instance's image has no RBD location in
            this cluster (the driver then uploads the disk's content).
        :raises NotFound: no such disk.
        """
        name = self._existing(instance, disk_name)
        fsid = self.client.fsid()
        pools = [loc.pool for loc in self._locations(context, base_image_meta)
                 if loc.fsid == fsid]
        if not pools:
            raise exception.NotSupported(
                operation='direct snapshot',
                reason='image %s of instance %s has no RBD location in the '
                'Ceph cluster %s' % (getattr(base_image_meta, 'id', None),
                                     instance.uuid, fsid))
        dest_pool, dest = pools[0], str(image_id)
        snapshot = 'virtdrivers-snapshot-%s' % uuidlib.uuid4().hex
        self.client.create_snapshot(self.pool, name, snapshot, protect=True)
        try:
            self.client.clone(self.pool, name, snapshot, dest_pool, dest)
            try:
                self.client.flatten(dest_pool, dest)
                self.client.create_snapshot(dest_pool, dest, GLANCE_SNAPSHOT,
                                            protect=True)
            except BaseException:
                self._remove_quietly(dest_pool, dest)
                raise
        finally:
            self._remove_snapshot_quietly(name, snapshot)
        location = rbd_utils.Location(fsid, dest_pool, dest, GLANCE_SNAPSHOT)
        LOG.info('Instance %s: disk %s snapshotted into %s', instance.uuid,
                 disk_name, location.url)
        return location.url

    def cleanup_direct_snapshot(self, url):
        """Remove the image a :meth:`direct_snapshot` made (and its
        snapshots); True if there was one. A location in another cluster
        is left alone."""
        location = rbd_utils.parse_location(url)
        if location is None or location.fsid != self.client.fsid():
            return False
        return self.client.remove(location.pool, location.image)

    # -- the libvirt secret -----------------------------------------------

    def prepare_host(self, host):
        """The cephx secret disks refer to, defined on *host*'s libvirt."""
        try:
            self.ensure_secret(host)
        except exception.NotSupported as err:
            # libvirt's test driver has no secrets; its guests never read.
            LOG.warning('Cannot define the cephx secret on %s: %s', host.uri, err)

    def ensure_secret(self, host):
        """Define the ``ceph`` secret ``rbd_secret_uuid`` with
        ``rbd_user``'s key (read from the client's keyring) on *host* (a
        :class:`~virtdrivers.libvirt.host.Host`); nothing when either
        option is unset.

        :raises ConfigurationError: no key for the user in the keyring.
        """
        settings = self.rbd_settings
        if settings.auth is None:
            return False
        key = self.client.keyring_key()
        if not key:
            raise exception.ConfigurationError(
                reason='%s=%s has no key in the keyring of %s=%s, so the '
                'libvirt secret %s cannot be defined' % (
                    OPTION_USER, settings.user, OPTION_CONF,
                    settings.ceph_conf or "''", settings.secret_uuid))
        ensure_libvirt_secret(host, settings.secret_uuid, settings.user, key)
        return True

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

    def _locations(self, context, image_meta):
        if not hasattr(image_meta, 'direct_url') and \
                not isinstance(image_meta, dict) and \
                getattr(image_meta, 'id', None):
            # A Nova ImageMeta carries no locations; Glance has them.
            image_meta = self.cache.image_service.show(context, image_meta.id)
        return rbd_utils.image_locations(image_meta)

    def _cloneable(self, context, image_meta):
        """The location to clone *image_meta* from, or None (download)."""
        if getattr(image_meta, 'disk_format', None) != 'raw':
            return None
        locations = self._locations(context, image_meta)
        if not locations:
            return None
        fsid = self.client.fsid()
        for location in locations:
            if location.fsid != fsid:
                LOG.debug('Not cloning %s: another Ceph cluster (ours is %s)',
                          location.url, fsid)
                continue
            try:
                if self.client.exists(location.pool, location.image,
                                      location.snapshot):
                    return location
            except exception.ImageBackendError as err:
                LOG.info('Cannot clone %s (%s); downloading the image',
                         location.url, err)
        return None

    def _inspect_parent(self, location, size, image_id):
        """Inspect the head of the parent as a download would be: a
        sparse file of its size holding its first megabyte."""
        with self._scratch('inspect') as tmp:
            self.client.export_head(location.pool, location.image, tmp,
                                    INSPECT_BYTES, location.snapshot)
            os.truncate(tmp, size)
            inspect.inspect_image(tmp, 'raw', image_id)

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

    def _remove_quietly(self, pool, name):
        try:
            self.client.remove(pool, name)
        except exception.VirtDriverError:
            LOG.exception('Could not remove RBD image %s/%s', pool, name)


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


def image_name(instance, disk_name):
    """``<instance uuid>_<disk name>``, Nova's RBD image name.

    :raises InvalidInput: a disk name RBD cannot take.
    """
    name = str(disk_name if disk_name is not None else '')
    if '/' in name or '@' in name or '\0' in name or name.startswith('.'):
        raise exception.InvalidInput(
            reason='%r cannot name an RBD image' % (disk_name,))
    return '%s_%s' % (imagecache.check_instance_uuid(instance.uuid), name)


# -- the libvirt secret ------------------------------------------------------

class SecretXML(XMLObject):
    """``<secret>``: a libvirt secret (only its definition, never its
    value, is XML)."""

    TAG = 'secret'
    CHILD_ORDER = ('description', 'uuid', 'usage')

    ephemeral = XMLProperty('@ephemeral', is_yesno=True)
    private = XMLProperty('@private', is_yesno=True)
    description = XMLProperty('./description')
    uuid = XMLProperty('./uuid')
    usage_type = XMLProperty('./usage/@type')
    usage_name = XMLProperty('./usage/name')


def secret_xml(secret_uuid, username):
    """The definition of the ``ceph`` secret of cephx user *username*."""
    return SecretXML.new(
        ephemeral=False, private=True, uuid=secret_uuid, usage_type='ceph',
        usage_name='client.%s secret %s' % (username, secret_uuid),
        description='Ceph key of client.%s (virtdrivers rbd disks)' % username)


def ensure_libvirt_secret(host, secret_uuid, username, key):
    """Make *host* hold the ``ceph`` secret *secret_uuid* with cephx *key*
    (base64, as in a keyring): defined when missing (private: its value
    cannot be read back), its value set either way.

    :param host: a :class:`~virtdrivers.libvirt.host.Host`.
    :raises ConfigurationError: *key* is not base64.
    :raises NotSupported: the hypervisor has no secrets (libvirt's test
        driver).
    """
    try:
        value = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError) as err:
        raise exception.ConfigurationError(
            reason='the cephx key of client.%s is not base64' % username
        ) from err

    def lookup(conn):
        return conn.secretLookupByUUIDString(secret_uuid)

    try:
        secret = host.call(lookup, operation='look up secret %s' % secret_uuid)
    except exception.NotFound:
        xml = secret_xml(secret_uuid, username).to_xml()
        secret = host.call(lambda conn: conn.secretDefineXML(xml),
                           operation='define secret %s' % secret_uuid)
        LOG.info('Defined the libvirt secret %s for Ceph user %s on %s',
                 secret_uuid, username, host.uri)
    host.call(lambda _conn: secret.setValue(value),
              operation='set the value of secret %s' % secret_uuid)
