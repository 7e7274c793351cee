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

from oslo_concurrency import lockutils

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers import transaction
from virtdrivers.image import inspect
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt.builder import context
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

    def __init__(self, instances_path, cache, settings):
        """:param instances_path: ``[DEFAULT] instances_path``.
        :param cache: the host's :class:`~virtdrivers.libvirt.imagecache.
            ImageCache`.
        :param settings: a :class:`BackendSettings`.
        """
        self.instances_path = os.path.abspath(instances_path)
        self.cache = cache
        self.settings = settings

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


class FileBackend(ImageBackend):
    """Disks as files in ``<instances_path>/<instance uuid>/<disk name>``.

    What each disk is (format, virtual size, base) is recorded in the
    instance directory's ``disk.info`` when the disk is made, so formats are
    never probed and :meth:`disk_info` needs only ``stat``. A disk is
    written under a temporary name and renamed into place once complete.
    Subclasses implement :meth:`_make_from_base`.
    """

    @abc.abstractmethod
    def _make_from_base(self, cached, tmp_path, size):
        """Write the disk for *cached* at *tmp_path*, *size* bytes big.

        :returns: its :class:`~.disks.DiskRecord`.
        """

    def instance_dir(self, instance):
        return os.path.join(self.instances_path,
                            imagecache.check_instance_uuid(instance.uuid))

    def create_from_image(self, context, instance, disk_name, image_meta,
                          size_bytes):
        path = self._new_path(instance, disk_name)
        with self.transaction(instance, disk_name, 'creation') as tx:
            self._ensure_dir(instance, tx)
            cached = self.cache.fetch(context, image_meta,
                                      instance_uuid=instance.uuid)
            tx.on_undo('cache reference', self._release_base, instance, cached.path)
            size = self.check_size(cached, size_bytes)
            with self.cache.disk_op():
                record = self._write_new(
                    path, tx, lambda tmp: self._make_from_base(cached, tmp,
                                                               size))
            self._register(instance, disk_name, record)
        return _source(path, record)

    def create_blank(self, instance, disk_name, size_bytes, kind='ephemeral'):
        if kind not in BLANK_KINDS:
            raise exception.InvalidInput(
                reason='blank disk kind %r (choices: %s)'
                % (kind, ', '.join(BLANK_KINDS)))
        size = check_bytes(size_bytes)
        path = self._new_path(instance, disk_name)
        with self.transaction(instance, disk_name, 'creation') as tx:
            self._ensure_dir(instance, tx)
            record = self._write_new(
                path, tx, lambda tmp: self._make_blank(tmp, size, kind,
                                                       disk_name))
            self._register(instance, disk_name, record)
        return _source(path, record)

    def _make_blank(self, tmp, size, kind, disk_name):
        fs_type = 'swap' if kind == 'swap' else \
            self.settings.default_ephemeral_format
        if fs_type is None:
            if self.disk_format == 'raw':
                disks.create_sparse(tmp, size)
            else:
                qemuimg.create(tmp, self.disk_format, size)
            return disks.DiskRecord(self.disk_format, size, kind)
        # mkswap and mkfs write raw files; other formats are converted
        # from a raw one (only the few written blocks are copied).
        raw = tmp if self.disk_format == 'raw' else tmp + '.raw'
        try:
            disks.create_sparse(raw, size)
            if fs_type == 'swap':
                disks.make_swap(raw)
            else:
                disks.make_filesystem(raw, fs_type, _label(disk_name))
            if raw != tmp:
                qemuimg.convert(raw, 'raw', tmp, self.disk_format)
        finally:
            if raw != tmp:
                fileutils.remove(raw)
        return disks.DiskRecord(self.disk_format, size, kind)

    def import_file(self, instance, disk_name, path, fmt):
        dst = os.path.join(self.instance_dir(instance),
                           _check_name(disk_name))
        if _same_file(path, dst):
            # Made in place (a config drive built into the instance
            # directory): only inspect and record it.
            record = self._inspected(instance, disk_name, dst, fmt)
            self._register(instance, disk_name, record)
            return _source(dst, record)
        dst = self._new_path(instance, disk_name)
        with self.transaction(instance, disk_name, 'import') as tx:
            self._ensure_dir(instance, tx)

            def copy(tmp):
                disks.copy_sparse(path, tmp)
                return self._inspected(instance, disk_name, tmp, fmt)

            with self.cache.disk_op():
                record = self._write_new(dst, tx, copy, preallocate=False)
            self._register(instance, disk_name, record)
        return _source(dst, record)

    @staticmethod
    def _inspected(instance, disk_name, path, fmt):
        found = inspect.inspect_image(
            path, fmt, 'file for disk %s of instance %s'
            % (disk_name, instance.uuid))
        return disks.DiskRecord(found.format, found.virtual_size, 'file')

    def source(self, instance, disk_name):
        return _source(self._path(instance, disk_name),
                       self._record(instance, disk_name))

    def exists(self, instance, disk_name):
        path = self._path(instance, disk_name)
        return disk_name in self._records(instance) and os.path.exists(path)

    def disk_names(self, instance):
        return sorted(self._records(instance))

    def delete(self, instance, disk_name):
        path = self._path(instance, disk_name)
        record = self._records(instance).get(disk_name)
        fileutils.remove(path)
        self._register(instance, disk_name, None)
        if record is not None and record.base:
            self._release_base(instance, record.base)

    def delete_all(self, instance):
        super().delete_all(instance)
        directory = self.instance_dir(instance)
        for name in fileutils.listdir(directory):
            # Temporary files of creations a crash interrupted.
            if name.startswith('.') and '.tmp' in name or \
                    name.startswith('.disk.info-'):
                fileutils.remove(os.path.join(directory, name))
        _rmdir_if_empty(directory)

    def resize(self, instance, disk_name, size_bytes):
        path = self._path(instance, disk_name)
        record = self._record(instance, disk_name)
        size = check_bytes(size_bytes)
        if size < record.virtual_size:
            raise exception.InvalidInput(
                reason='disk %s of instance %s is %d bytes; it cannot shrink '
                'to %d bytes' % (disk_name, instance.uuid,
                                 record.virtual_size, size))
        if size > record.virtual_size:
            with self.transaction(instance, disk_name, 'resize'):
                if record.format == 'raw':
                    os.truncate(path, size)
                else:
                    qemuimg.resize(path, record.format, size)
                record = dataclasses.replace(record, virtual_size=size)
                self._preallocate(path, record)
                self._register(instance, disk_name, record)
        return _source(path, record)

    def snapshot_extract(self, instance, disk_name, target_path, out_format):
        path = self._path(instance, disk_name)
        record = self._record(instance, disk_name)
        with self.cache.disk_op():
            qemuimg.convert(path, record.format, target_path, out_format)

    def disk_info(self, instance):
        disks_info = []
        for name, record in sorted(self._records(instance).items()):
            path = self._path(instance, name)
            try:
                allocated = os.stat(path).st_blocks * 512
            except FileNotFoundError:
                continue  # deleted while we looked; Nova had to learn this
            disks_info.append({
                'type': record.format,
                'path': path,
                'virt_disk_size': record.virtual_size,
                'backing_file': os.path.basename(record.base)
                if record.backing else '',
                'disk_size': allocated,
                'over_committed_disk_size': max(
                    0, record.virtual_size - allocated),
            })
        return disks_info

    # -- helpers ----------------------------------------------------------

    def _path(self, instance, disk_name):
        return os.path.join(self.instance_dir(instance), _check_name(disk_name))

    def _new_path(self, instance, disk_name):
        path = self._path(instance, disk_name)
        if os.path.lexists(path) or disk_name in self._records(instance):
            raise exception.InvalidInput(
                reason='disk %s of instance %s exists already'
                % (disk_name, instance.uuid))
        return path

    def _ensure_dir(self, instance, tx):
        directory = self.instance_dir(instance)
        if not os.path.isdir(directory):
            os.makedirs(directory)
            tx.on_undo('instance directory', _rmdir_if_empty, directory)

    def _write_new(self, path, tx, make, preallocate=True):
        """*make(tmp)* a disk, preallocate it, rename it to *path*."""
        directory, name = os.path.split(path)
        tmp = os.path.join(directory, '.%s.%s.tmp' % (name, os.urandom(6).hex()))
        try:
            record = make(tmp)
            if preallocate:
                self._preallocate(tmp, record)
            tx.on_undo('disk file', fileutils.remove, path)
            os.replace(tmp, path)
        except BaseException:
            fileutils.remove(tmp)
            raise
        return record

    def _preallocate(self, path, record):
        if self.settings.preallocate == 'space':
            # qcow2 keeps its length: fallocate -n reserves the blocks, as
            # Nova does (preallocation=metadata needs no backing file).
            disks.preallocate(path, record.virtual_size,
                              keep_size=record.format != 'raw')

    def _records(self, instance):
        return disks.read_records(self.instance_dir(instance))

    def _record(self, instance, disk_name):
        record = self._records(instance).get(disk_name)
        if record is None:
            raise exception.NotFound(
                'Disk %s of instance %s does not exist'
                % (disk_name, instance.uuid))
        return record

    def _register(self, instance, disk_name, record):
        """Record (or with None forget) a disk in ``disk.info``."""
        directory = self.instance_dir(instance)
        with lockutils.lock('virtdrivers-disk-info-' + instance.uuid):
            records = disks.read_records(directory)
            if record is None:
                if records.pop(disk_name, None) is None:
                    return
            else:
                records[disk_name] = record
            if records or os.path.isdir(directory):
                disks.write_records(directory, records)

    def _release_base(self, instance, base):
        """Drop the instance's reference to *base* unless a disk needs it."""
        if not any(r.base == base for r in self._records(instance).values()):
            self.cache.remove_reference(base, instance.uuid)


def _source(path, record):
    return context.DiskSource(type='file', path=path, format=record.format)


def _check_name(disk_name):
    name = str(disk_name or '')
    if not name or name.startswith('.') or '/' in name or '\0' in name or \
            name == disks.DISK_INFO:
        raise exception.InvalidInput(
            reason='%r cannot name a disk file' % (disk_name,))
    return name


def _label(disk_name):
    """Nova's file system label: ephemeral0 for disk.local, N for disk.ephN."""
    suffix = disk_name.rsplit('.eph', 1)[-1] if '.eph' in disk_name else '0'
    return 'ephemeral%s' % (suffix if suffix.isdigit() else '0')


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False




def _rmdir_if_empty(path):
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
