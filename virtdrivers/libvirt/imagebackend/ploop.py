"""``ploop``: each instance disk is a ploop directory (Parallels/Virtuozzo).

``<instances_path>/<uuid>/<disk name>/`` holds ``DiskDescriptor.xml`` and
``root.hds``; the domain gets it as a file disk of format ``ploop`` (a
Parallels container mounts the same directory as its root
``<filesystem>``). As in Nova:

* from an image: the cached base is copied to ``root.hds`` and ``ploop
  restore-descriptor`` describes it. A raw base stays raw (``Plain``); a
  ploop1 base (``force_raw_images=False``) is kept as it is when its size is
  the disk's; anything else (another format, a larger disk, a version 2
  image that ploop cannot read without its kernel module) is converted to
  raw with ``qemu-img`` first;
* blank disks: ``ploop init -t none`` (a file system needs the kernel
  module); swap and formatted ephemeral disks are raw deltas formatted
  with ``mkswap``/``mkfs`` before they are described;
* resize: ``prl_disk_tool`` (Virtuozzo), else :class:`NotSupported`;
* auto configure disk (``instance.auto_disk_config``): a disk from an
  image is made at the image's size, then grown with ``prl_disk_tool
  resize --resize_partition``, so its last partition and file system fill
  it; without the tool, :class:`NotSupported` before anything is made
  (and the host does not declare it). Without ``auto_disk_config`` the
  disk is grown as a file and its file system left alone;
* snapshot: ``qemu-img convert`` of ``root.hds`` (``raw`` or
  ``parallels``); ``ploop`` output is qemu's ``parallels``.

Config drives are plain raw files beside the disks, as Nova keeps them for
every backend but rbd. Sizes round up to ploop's 1 MiB cluster.
"""

import dataclasses
import os
import shutil
import types

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import ploop
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend import file

# qemu-img's name for a ploop image.
_QEMU_NAMES = {'ploop': 'parallels'}


class Ploop(file.FileBackend):
    """Disks as ploop directories.

    :raises ConfigurationError: the ``ploop`` tool is not installed.
    """

    name = 'ploop'
    SUPPORTS_COW = False
    disk_format = 'ploop'
    # Raw bases are used as they are, ploop bases copied or converted, and
    # every other format the cache accepts is converted to raw first.
    image_types = types.MappingProxyType(
        dict(base.QEMU_IMAGE_TYPES, supports_image_type_ploop=True))

    def __init__(self, instances_path, cache, settings):
        super().__init__(instances_path, cache, settings)
        ploop.check_tools()

    @classmethod
    def unsupported_operations(cls, settings):
        # Growing a ploop disk (and its file system) needs Virtuozzo's
        # prl_disk_tool.
        return frozenset() if ploop.can_resize() else frozenset(
            {'resize', 'auto-configure-disk'})

    def create_from_image(self, context, instance, disk_name, image_meta,
                          size_bytes):
        if not getattr(instance, 'auto_disk_config', False):
            return super().create_from_image(context, instance, disk_name,
                                             image_meta, size_bytes)
        ploop.disk_tool('auto-configure-disk')
        source = super().create_from_image(context, instance, disk_name,
                                           image_meta, None)
        if not size_bytes:
            return source
        try:
            return self._grow(instance, disk_name, size_bytes,
                              'auto-configure-disk')
        except BaseException:
            self.delete(instance, disk_name)
            raise

    def _make_from_base(self, cached, tmp_path, size):
        os.mkdir(tmp_path)
        root = os.path.join(tmp_path, ploop.ROOT)
        if cached.format == 'parallels' and size == cached.virtual_size and \
                ploop.is_version_1(cached.path):
            fileutils.copy_sparse(cached.path, root)
            fmt = 'parallels'
        else:
            if cached.format == 'raw':
                fileutils.copy_sparse(cached.path, root)
            else:
                qemuimg.convert(cached.path, cached.format, root, 'raw')
            os.truncate(root, ploop.round_up(size))
            fmt = 'raw'
        ploop.restore_descriptor(tmp_path, fmt)
        return self._record_of(tmp_path, 'image', base=cached.path)

    def _make_blank(self, tmp, size, kind, disk_name):
        os.mkdir(tmp)
        fs_type = 'swap' if kind == 'swap' else \
            self.settings.default_ephemeral_format
        if fs_type is None:
            ploop.init(tmp, size)
        else:
            # mkswap and mkfs write a raw delta; ploop cannot make a file
            # system without its kernel module.
            root = os.path.join(tmp, ploop.ROOT)
            disks.create_sparse(root, ploop.round_up(size))
            if fs_type == 'swap':
                disks.make_swap(root)
            else:
                disks.make_filesystem(root, fs_type, file._label(disk_name))
            ploop.restore_descriptor(tmp, 'raw')
        return self._record_of(tmp, kind)

    @staticmethod
    def _record_of(directory, kind, base=None):
        return disks.DiskRecord('ploop', ploop.describe(directory).size, kind,
                                base=base)

    def _write_new(self, path, tx, make, preallocate=True):
        """*make(tmp)* a disk (a directory here), preallocate it, rename it
        to *path*."""
        directory, name = os.path.split(path)
        tmp = os.path.join(directory, '.%s.%s.tmp' % (name, os.urandom(6).hex()))
        try:
            record = make(tmp)
            if preallocate:
                self._preallocate(tmp, record)
            tx.on_undo('disk', _remove, path)
            os.replace(tmp, path)
        except BaseException:
            _remove(tmp)
            raise
        return record

    def _preallocate(self, path, record):
        if not ploop.is_disk(path):
            super()._preallocate(path, record)
        elif self.settings.preallocate == 'space':
            # A ploop1 delta keeps its length, as a qcow2 file does.
            fmt = ploop.describe(path).format
            disks.preallocate(os.path.join(path, ploop.ROOT),
                              record.virtual_size, keep_size=fmt != 'raw')

    def delete(self, instance, disk_name):
        path = self._path(instance, disk_name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        super().delete(instance, disk_name)

    def delete_all(self, instance):
        directory = self.instance_dir(instance)
        for name in fileutils.listdir(directory):
            if name.startswith('.') and name.endswith('.tmp'):
                _remove(os.path.join(directory, name))   # a crash's leftovers
        super().delete_all(instance)

    def resize(self, instance, disk_name, size_bytes):
        if not ploop.is_disk(self._path(instance, disk_name)):
            return super().resize(instance, disk_name, size_bytes)
        return self._grow(instance, disk_name, size_bytes, 'resize')

    def _grow(self, instance, disk_name, size_bytes, operation):
        path = self._path(instance, disk_name)
        record = self._record(instance, disk_name)
        size = base.check_bytes(size_bytes)
        if size < record.virtual_size:
            raise exception.InvalidInput(
                reason='disk %s of instance %s is %d bytes; it cannot shrink '
                'to %d bytes' % (disk_name, instance.uuid,
                                 record.virtual_size, size))
        if size > record.virtual_size:
            with self.transaction(instance, disk_name, 'resize'):
                ploop.resize(path, size, operation)
                record = dataclasses.replace(
                    record, virtual_size=ploop.describe(path).size)
                self._register(instance, disk_name, record)
        return file._source(path, record)

    def snapshot_extract(self, instance, disk_name, target_path, out_format):
        path = self._path(instance, disk_name)
        self._record(instance, disk_name)
        if not ploop.is_disk(path):
            return super().snapshot_extract(instance, disk_name, target_path,
                                            _QEMU_NAMES.get(out_format,
                                                            out_format))
        found = ploop.describe(path)
        if found.deltas != (ploop.ROOT,):
            raise exception.ImageBackendError(
                backend=self.name, reason='disk %s of instance %s has ploop '
                'snapshots (%s); only a single delta can be extracted'
                % (disk_name, instance.uuid, ', '.join(found.deltas)))
        with self.cache.disk_op():
            qemuimg.convert(os.path.join(path, ploop.ROOT), found.format,
                            target_path, _QEMU_NAMES.get(out_format, out_format))
        return None

    def disk_info(self, instance):
        found = super().disk_info(instance)
        for disk in found:
            path = disk['path']
            if ploop.is_disk(path):
                # Nova's rule: a ploop disk occupies what its files do.
                allocated = sum(disks.allocated_bytes(os.path.join(path, name))
                                for name in fileutils.listdir(path))
                disk.update(disk_size=allocated, over_committed_disk_size=max(
                    0, disk['virt_disk_size'] - allocated))
        return found


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        fileutils.remove(path)
