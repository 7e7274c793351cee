"""The image backend contract (DESIGN decision 2) and what backends share.

A backend makes, describes and removes the disks of instances. The libvirt
driver picks one by ``[libvirt] images_type`` from the entry point group
``virtdrivers.libvirt.image_backends`` and constructs it as
``Backend(instances_path, cache, settings)``; a third party adds a backend
by subclassing :class:`ImageBackend` and registering it there.

Every create is a transaction: a failure half-way removes what the call made
(partial files, the cache reference, a new instance directory) and raises
one error from the exception tree.
"""

import abc
import dataclasses
import errno
import logging
import os
import types

from virtdrivers import exception
from virtdrivers import transaction
from virtdrivers.libvirt.imagebackend import disks

LOG = logging.getLogger(__name__)

PREALLOCATE_MODES = ('none', 'space')
BLANK_KINDS = ('ephemeral', 'swap')

# Nova's image type capabilities for a backend whose bases go through
# qemu-img: every format the inspector checks and qemu-img converts.
QEMU_IMAGE_TYPES = types.MappingProxyType({
    'supports_image_type_aki': True,
    'supports_image_type_ami': True,
    'supports_image_type_ari': True,
    'supports_image_type_iso': True,
    'supports_image_type_qcow2': True,
    'supports_image_type_raw': True,
    'supports_image_type_vdi': True,
    'supports_image_type_vhd': True,
    'supports_image_type_vhdx': True,
    'supports_image_type_vmdk': True,
    'supports_image_type_ploop': False,
})


@dataclasses.dataclass(frozen=True)
class BackendSettings:
    """The options backends read, made once from configuration.

    :ivar preallocate: ``none`` (sparse) or ``space`` (reserve the whole
        disk at creation): ``[DEFAULT] preallocate_images``.
    :ivar use_cow: ``[DEFAULT] use_cow_images``.
    :ivar force_raw: ``[DEFAULT] force_raw_images``.
    :ivar default_ephemeral_format: file system for new ephemeral disks;
        None leaves them unformatted.
    :raises ConfigurationError: an unknown preallocation mode or file system.
    """

    preallocate: str = 'none'
    use_cow: bool = True
    force_raw: bool = True
    default_ephemeral_format: str | None = None

    def __post_init__(self):
        if self.preallocate not in PREALLOCATE_MODES:
            raise exception.ConfigurationError(
                reason='[DEFAULT] preallocate_images=%r (choices: %s)'
                % (self.preallocate, ', '.join(PREALLOCATE_MODES)))
        fs_type = self.default_ephemeral_format
        if fs_type is not None and fs_type not in disks.EPHEMERAL_FORMATS:
            raise exception.ConfigurationError(
                reason='[DEFAULT] default_ephemeral_format=%r (choices: %s)'
                % (fs_type, ', '.join(disks.EPHEMERAL_FORMATS)))

    @classmethod
    def from_conf(cls, conf):
        """Settings from the ``[DEFAULT]`` options of *conf*."""
        return cls(preallocate=conf.preallocate_images,
                   use_cow=conf.use_cow_images,
                   force_raw=conf.force_raw_images,
                   default_ephemeral_format=conf.default_ephemeral_format)


def _os_error(backend, what, err):
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return exception.InsufficientStorage(
            what=what, path=err.filename or '?', reason=err.strerror)
    return exception.ImageBackendError(backend=backend,
                                       reason='%s: %s' % (what, err))


class ImageBackend(abc.ABC):
    """The plugin contract: where an instance's disks live and how.

    Class attributes a backend sets:

    :cvar name: its entry point name (``flat``, ``qcow2``...).
    :cvar SUPPORTS_COW: instance disks share the cached base.
    :cvar disk_format: the format of the disks it makes (``raw``...).
    :cvar image_types: Nova's ``supports_image_type_*`` capability keys it
        supports, for the driver's capabilities.

    Disks are named Nova's way (``disk``, ``disk.local``, ``disk.swap``,
    ``disk.config``, ``disk.rescue``). Methods that take a *disk_name* of a
    disk that does not exist raise :class:`NotFound`, except
    :meth:`exists` and the idempotent :meth:`delete`.
    """

    name = None
    SUPPORTS_COW = False
    disk_format = 'raw'
    image_types = types.MappingProxyType({})
    #: snapshot_extract copies one moment of the disk even while the guest
    #: writes to it (RBD snapshots), so the driver need not stop the guest.
    POINT_IN_TIME_EXTRACT = False

    def __init__(self, instances_path, cache, settings):
        """:param instances_path: ``[DEFAULT] instances_path``.
        :param cache: the host's :class:`~virtdrivers.libvirt.imagecache.
            ImageCache`.
        :param settings: a :class:`BackendSettings`.
        """
        self.instances_path = os.path.abspath(instances_path)
        self.cache = cache
        self.settings = settings

    # -- optional hooks: the defaults suit backends on the host's disks -----

    @classmethod
    def from_conf(cls, instances_path, cache, settings, conf):
        """The backend, reading options of its own from *conf* (lvm: the
        volume group; rbd: the Ceph pool). Fails at start-up, naming the
        option, when its storage is missing."""
        return cls(instances_path, cache, settings)

    @classmethod
    def supported_image_types(cls, settings):
        """Nova's ``supports_image_type_*`` keys with these settings."""
        return dict(cls.image_types)

    @classmethod
    def unsupported_operations(cls, settings):
        """Operation names (:data:`virtdrivers.capabilities.OPERATIONS`)
        these disks cannot do on this host, whatever the guest kind (ploop:
        ``resize`` without its tool)."""
        return frozenset()

    def prepare_host(self, host):
        """Set up what the hypervisor needs for these disks (rbd: the
        cephx secret) on *host*, a :class:`~virtdrivers.libvirt.host.Host`.
        Nothing by default."""
        return None

    def capacity(self):
        """``(total, free)`` bytes of the storage disks are made in, or
        None when that is the file system of ``instances_path``."""
        return None

    def direct_snapshot(self, context, instance, image_id, base_image_meta):
        """Snapshot the root disk inside the storage itself and return the
        image location to record (rbd); the driver uploads the disk's
        content instead when this raises ``NotSupported``."""
        raise exception.NotSupported(
            operation='direct snapshot',
            reason='image backend %s copies disks through the host' % self.name)

    def cleanup_direct_snapshot(self, location):
        """Remove what :meth:`direct_snapshot` made at *location*; False
        when there was nothing (the default: no direct snapshots)."""
        return False

    @abc.abstractmethod
    def create_from_image(self, context, instance, disk_name, image_meta,
                          size_bytes):
        """Make disk *disk_name* from image *image_meta*, *size_bytes* big.

        The image is fetched through the cache, which also records the
        instance's reference to the base. *size_bytes* 0 or None is the
        image's own size.

        :returns: a :class:`~virtdrivers.libvirt.builder.context.DiskSource`.
        :raises InvalidInput: *size_bytes* is smaller than the image's
            virtual size (both are named), or the disk exists already.
        :raises ImageNotFound, ImageDownloadError, InvalidImage: from the
            cache.
        :raises ImageBackendError: making the disk failed
            (:class:`InsufficientStorage` when the host disk is full).
        """

    @abc.abstractmethod
    def create_blank(self, instance, disk_name, size_bytes, kind='ephemeral'):
        """Make an empty disk: ``swap`` (formatted with ``mkswap``) or
        ``ephemeral`` (formatted only when the settings name a file system).

        :returns: a DiskSource.
        :raises InvalidInput: an unknown *kind*, a size that is not a
            positive number of bytes, or an existing disk.
        :raises ImageBackendError: making or formatting the disk failed.
        """

    @abc.abstractmethod
    def import_file(self, instance, disk_name, path, fmt):
        """Make disk *disk_name* from the local file *path* of format *fmt*
        (a config drive ISO, a rescue disk).

        :returns: a DiskSource.
        :raises InvalidImage: the file's content is not *fmt*, or unsafe.
        :raises ImageBackendError: the import failed.
        """

    @abc.abstractmethod
    def source(self, instance, disk_name):
        """The DiskSource of an existing disk."""

    @abc.abstractmethod
    def exists(self, instance, disk_name):
        """Whether the disk exists."""

    @abc.abstractmethod
    def disk_names(self, instance):
        """The names of the instance's disks, sorted."""

    @abc.abstractmethod
    def delete(self, instance, disk_name):
        """Remove the disk (and the cache reference no other disk of the
        instance needs); a missing disk is not an error."""

    @abc.abstractmethod
    def resize(self, instance, disk_name, size_bytes):
        """Grow the disk to *size_bytes*; return its DiskSource.

        :raises InvalidInput: *size_bytes* is smaller than the disk.
        """

    @abc.abstractmethod
    def snapshot_extract(self, instance, disk_name, target_path, out_format):
        """Write the disk's whole content (backing data included) to
        *target_path* in *out_format*.

        :raises ImageBackendError: the extraction failed; *target_path* is
            not left behind.
        """

    @abc.abstractmethod
    def disk_info(self, instance):
        """The disks as Nova's ``get_instance_disk_info`` lists them.

        :returns: a list of dicts with ``path``, ``type`` (the format),
            ``virt_disk_size``, ``disk_size`` (bytes allocated on the
            host), ``backing_file`` (the base's name, or ``''``) and
            ``over_committed_disk_size``. A backend answers from what it
            recorded and ``stat``, not ``qemu-img info`` per disk.
        """

    def delete_all(self, instance):
        """Remove every disk of the instance and all its cache references."""
        for name in self.disk_names(instance):
            self.delete(instance, name)
        self.cache.remove_instance(instance.uuid)

    def usage_bytes(self, instance):
        """Host disk bytes the instance's disks occupy."""
        return sum(disk['disk_size'] for disk in self.disk_info(instance))

    # -- for subclasses ---------------------------------------------------

    def transaction(self, instance, disk_name, action):
        """A :class:`~virtdrivers.transaction.Transaction` for *action* on one
        disk: undone on failure, ``OSError`` raised as a backend error."""
        what = '%s of disk %s' % (action, disk_name)

        def translate(txn, exc):
            # Tool and file failures become backend errors; a full disk says so.
            if isinstance(exc, OSError):
                return _os_error(self.name, '%s of instance %s'
                                 % (what, txn.instance_id), exc)
            return None

        return transaction.Transaction(what, instance.uuid, translate=translate)

    @staticmethod
    def check_size(cached, size_bytes):
        """The disk size for an image disk: *size_bytes*, or the image's
        virtual size when 0/None.

        :raises InvalidInput: *size_bytes* is smaller than the image (Nova's
            FlavorDiskSmallerThanImage), naming both sizes.
        """
        if not size_bytes:
            return cached.virtual_size
        size = check_bytes(size_bytes)
        if size < cached.virtual_size:
            raise exception.InvalidInput(
                reason='the flavor\'s disk is too small for image %s: the '
                'disk is %d bytes, the image is %d bytes'
                % (cached.image_id, size, cached.virtual_size))
        return size


def check_bytes(size_bytes):
    """*size_bytes* if it is a positive int; else :class:`InvalidInput`."""
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int) or \
            size_bytes <= 0:
        raise exception.InvalidInput(
            reason='a disk size must be a positive number of bytes, got %r'
            % (size_bytes,))
    return size_bytes
