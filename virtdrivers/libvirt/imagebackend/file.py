"""Disks as files in the instance directory: what ``flat`` and ``qcow2``
share (creation through a temporary name, ``disk.info`` records, cache
references, rollback)."""

import abc
import dataclasses
import errno
import logging
import os

from oslo_concurrency import lockutils

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers.image import inspect
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend.base import BLANK_KINDS
from virtdrivers.libvirt.imagebackend.base import ImageBackend
from virtdrivers.libvirt.imagebackend.base import check_bytes

LOG = logging.getLogger(__name__)


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
                fileutils.copy_sparse(path, tmp)
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
            disks_info.append(disks.disk_info(record, path, allocated))
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
