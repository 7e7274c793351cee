"""``pool``: instance disks as volumes of libvirt storage pools.

The image cache directory is the ``dir`` pool ``nova-base-images-pool``
(refreshed when a base is added; its layout is the cache's), and each disk
is the volume ``<instance uuid>_<disk name>`` of ``nova-disks-pool``
(:mod:`virtdrivers.libvirt.storagepools`). libvirt makes them:

* copy-on-write (``use_cow_images``, file pools): ``createXML`` of a qcow2
  volume whose ``<backingStore>`` is the base;
* otherwise ``createXMLFrom`` of the base volume, converted to the pool's
  format (raw→qcow2, qcow2→raw, raw→LVM...), ``<allocation>0`` so that
  sparse stays sparse; where libvirt cannot copy into the pool (RBD) the
  backend uploads the data itself (:class:`UploadCopier`), or, where
  libvirt cannot upload either (its ``rbd`` pools up to at least 9.0;
  probed at start-up), makes the volume with ``createXML`` and writes it
  with librbd (:class:`~.pool_rbd.RbdCopier`).

Disks appear in the domain as ``<disk type='volume'>`` (in an ``rbd``
pool, which libvirt's QEMU driver does not take as volume disks, as
network disks of the volume's RBD image). What each disk is
(format, size, base) is recorded in the instance directory's ``pool.info``
when it is made: libvirt probes file volumes again whenever it refreshes a
pool, so its idea of a raw disk's format is the guest's to choose, and is
only ever compared with the record (never used) before libvirt reads a
volume.

Disks an instance still has as files of the ``flat``/``qcow2`` backends
(``disk.info``) keep working, and :meth:`Pool.move_into_pool` copies them
into the pool while the instance is off. The image cache counts a base as
in use when an instance references it or a volume is backed by it.

Besides :class:`Pool`, the backend's parts are :mod:`.pool_records` (volume
names and ``pool.info``), :mod:`.pool_copiers` (how data gets into and out
of volumes), :mod:`.pool_rbd` (librbd for RBD pools libvirt cannot
stream), :mod:`.pool_cache` (the image cache that counts volumes) and
:mod:`.pool_legacy` (file disks of older instances, and their move).
"""


import dataclasses
import errno
import logging
import os

from oslo_concurrency import lockutils

from virtdrivers import exception
from virtdrivers.image import inspect
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend import flat
from virtdrivers.libvirt.imagebackend import pool_copiers
from virtdrivers.libvirt.imagebackend import pool_legacy
from virtdrivers.libvirt.imagebackend import pool_rbd
from virtdrivers.libvirt.imagebackend import pool_records
from virtdrivers.libvirt.imagebackend import qcow2
from virtdrivers.libvirt.imagebackend.pool_cache import PoolImageCache
from virtdrivers.libvirt.imagebackend.pool_copiers import LibvirtCopier
from virtdrivers.libvirt.imagebackend.pool_copiers import UploadCopier
from virtdrivers.libvirt.imagebackend.pool_rbd import RbdCopier
from virtdrivers.libvirt.imagebackend.pool_records import RECORDS
from virtdrivers.libvirt.imagebackend.pool_records import read_records
from virtdrivers.libvirt.imagebackend.pool_records import volume_name
from virtdrivers.libvirt.imagebackend.pool_records import write_records

__all__ = [
    "DATA_OPERATIONS",
    "RECORDS",
    "LibvirtCopier",
    "Pool",
    "PoolImageCache",
    "RbdCopier",
    "UploadCopier",
    "read_records",
    "volume_name",
    "write_records",
]

LOG = logging.getLogger(__name__)

# What a hypervisor that keeps no volume data (libvirt's test driver)
# cannot do with pools: everything that writes or reads disk content.
DATA_OPERATIONS = frozenset(('config-drive', 'inject-files', 'swap-disk',
                             'snapshot', 'resize'))


class Pool(pool_legacy.LegacyDisksMixin, base.ImageBackend):
    """Disks as libvirt storage volumes; see the module docstring.

    :param host: the driver's :class:`~virtdrivers.libvirt.host.Host`.
    :param pools: :class:`~virtdrivers.libvirt.storagepools.PoolSettings`.
    """

    name = 'pool'
    SUPPORTS_COW = True
    disk_format = 'qcow2'
    image_types = base.QEMU_IMAGE_TYPES

    def __init__(self, instances_path, cache, settings, host=None, pools=None):
        if host is None or pools is None:
            raise exception.ConfigurationError(
                reason='the pool image backend needs the driver\'s libvirt '
                'host and [libvirt] storage_pool_* settings')
        super().__init__(instances_path, PoolImageCache(cache, self._users),
                         settings)
        self.host = host
        self.pools = pools
        self.SUPPORTS_COW = pools.cow
        self.disk_format = pools.volume_format
        self.keeps_data = storagepools.keeps_volume_data(host.uri)
        self.base_pool = storagepools.Pool(host, pools.base_pool)
        self.disks_pool = storagepools.Pool(host, pools.disks_pool)
        copier = UploadCopier if pools.copy_by_upload else LibvirtCopier
        self.copier = copier(host, self.instances_path)
        legacy = qcow2.Qcow2 if settings.use_cow else flat.Flat
        self.legacy = legacy(instances_path, self.cache, settings)

    # -- start-up ---------------------------------------------------------

    def start(self):
        """Create and start the pools (at the driver's ``init_host``).

        :returns: the operations this storage cannot perform here.
        :raises ConfigurationError: a pool cannot be had (naming the
            options), libvirt cannot fill its volumes and librbd cannot
            either, or copies are asked of a hypervisor that keeps no
            volume data.
        """
        storagepools.ensure_pools(self.host, self.pools)
        if self.keeps_data and self.pools.copy_by_upload:
            # What libvirt can do with the volumes decides, not its version.
            streams = storagepools.stream_support(self.disks_pool,
                                                  self.instances_path)
            self.copier = pool_rbd.choose_copier(
                self.host, self.pools, self.instances_path, streams)
        if self.keeps_data:
            return frozenset()
        if not self.pools.cow:
            raise exception.ConfigurationError(
                reason='%s keeps no volume data, so it cannot copy base '
                'images into storage pools: set [DEFAULT] use_cow_images '
                '(with a dir pool) or another [libvirt] images_type'
                % self.host.uri)
        limits = set(DATA_OPERATIONS)
        if self.settings.default_ephemeral_format:
            limits.add('ephemeral-disk')
        return frozenset(limits)

    # -- the contract -----------------------------------------------------

    def create_from_image(self, context, instance, disk_name, image_meta,
                          size_bytes):
        name = self._new_volume_name(instance, disk_name)
        image_id = getattr(image_meta, 'id', None)
        had_ref = bool(image_id) and instance.uuid in self.cache.references(
            self.cache.path_for(image_id))
        with self.transaction(instance, disk_name, 'creation') as tx:
            self._ensure_dir(instance, tx)
            cached = self.cache.fetch(context, image_meta,
                                      instance_uuid=instance.uuid)
            if not had_ref:
                tx.on_undo('cache reference', self.cache.remove_reference,
                           cached.path, instance.uuid)
            size = self.check_size(cached, size_bytes)
            base_vol = self._base_volume(cached)
            with self.cache.disk_op():
                if self.pools.cow:
                    vol = self.disks_pool.create(self._spec(
                        name, size, 'qcow2', backing=cached))
                else:
                    vol = self.copier.from_volume(
                        self.disks_pool, self._spec(name, size), base_vol,
                        cached.format)
            tx.on_undo('volume', vol.delete)
            record = disks.DiskRecord(self._format(), size, 'image',
                                      base=cached.path, backing=self.pools.cow)
            self._register(instance, disk_name, record)
        return self._source(name, record)

    def create_blank(self, instance, disk_name, size_bytes, kind='ephemeral'):
        if kind not in base.BLANK_KINDS:
            raise exception.InvalidInput(
                reason='blank disk kind %r (choices: %s)'
                % (kind, ', '.join(base.BLANK_KINDS)))
        size = base.check_bytes(size_bytes)
        fs_type = 'swap' if kind == 'swap' else \
            self.settings.default_ephemeral_format
        if fs_type is not None:
            self._require_data('swap-disk' if kind == 'swap'
                               else 'ephemeral-disk')
        name = self._new_volume_name(instance, disk_name)
        with self.transaction(instance, disk_name, 'creation') as tx:
            self._ensure_dir(instance, tx)
            spec = self._spec(name, size)
            if fs_type is None:
                vol = self.disks_pool.create(spec)
            else:
                vol = self._formatted(spec, fs_type, disk_name)
            tx.on_undo('volume', vol.delete)
            record = disks.DiskRecord(self._format(), size, kind)
            self._register(instance, disk_name, record)
        return self._source(name, record)

    def _formatted(self, spec, fs_type, disk_name):
        """A volume holding a new swap area or file system: made in a local
        raw file (mkswap and mkfs write files), then copied in."""
        with pool_copiers.private_dir(self.instances_path, '.pool-blank-') as tmp:
            raw = os.path.join(tmp, 'blank')
            disks.create_sparse(raw, spec.capacity)
            if fs_type == 'swap':
                disks.make_swap(raw)
            else:
                disks.make_filesystem(raw, fs_type, _label(disk_name))
            with self.cache.disk_op():
                return self.copier.from_file(self.disks_pool, spec, raw, 'raw')

    def import_file(self, instance, disk_name, path, fmt):
        self._require_data('config-drive')
        found = inspect.inspect_image(
            path, fmt, 'file for disk %s of instance %s'
            % (disk_name, instance.uuid))
        name = self._new_volume_name(instance, disk_name)
        out = found.format if self.pools.file_pool else 'raw'
        with self.transaction(instance, disk_name, 'import') as tx:
            self._ensure_dir(instance, tx)
            spec = self._spec(name, found.virtual_size, out, sparse=True)
            with self.cache.disk_op():
                vol = self.copier.from_file(self.disks_pool, spec, path,
                                            found.format)
            tx.on_undo('volume', vol.delete)
            record = disks.DiskRecord(out, found.virtual_size, 'file')
            self._register(instance, disk_name, record)
        return self._source(name, record)

    def adopt(self, instance, disk_name, fmt):
        """Take volume ``<uuid>_<disk_name>``, which a cold migration
        uploaded into the disks pool (:mod:`~virtdrivers.libvirt.
        cold_transfer`), as the instance's disk *disk_name* of format *fmt*.

        :raises NotFound: the volume is not in the pool.
        :raises ImageBackendError: libvirt sees another format in it.
        """
        name = volume_name(instance, disk_name)
        self.disks_pool.refresh()
        desc = self._volume(name).check_format(fmt)
        with self.transaction(instance, disk_name, 'adopt') as tx:
            self._ensure_dir(instance, tx)
            record = disks.DiskRecord(fmt, desc.capacity, 'file')
            self._register(instance, disk_name, record)
        return self._source(name, record)

    def source(self, instance, disk_name):
        if self.legacy.exists(instance, disk_name):
            return self.legacy.source(instance, disk_name)
        return self._source(volume_name(instance, disk_name),
                            self._record(instance, disk_name))

    def exists(self, instance, disk_name):
        if self.legacy.exists(instance, disk_name):
            return True
        return disk_name in self._records(instance) and \
            self.disks_pool.lookup(volume_name(instance, disk_name)) is not None

    def disk_names(self, instance):
        return sorted(set(self._records(instance)) |
                      set(self.legacy_disk_names(instance)))

    def delete(self, instance, disk_name):
        # The cache reference stays until delete_all: a full copy does not
        # say which base it came from, and bases in use by a volume's
        # backing store are kept by the cache manager anyway.
        if disk_name in self.legacy.disk_names(instance):
            self.legacy.delete(instance, disk_name)
        vol = self.disks_pool.lookup(volume_name(instance, disk_name))
        if vol is not None:
            vol.delete()
        self._register(instance, disk_name, None)

    def delete_all(self, instance):
        super().delete_all(instance)
        # Volumes of creations a crash interrupted before their record.
        for vol in self.disks_pool.volumes(volume_name(instance, '')):
            LOG.warning('Removing unrecorded volume %s', vol.name)
            vol.delete()
        pool_records.remove_temporaries(self._dir(instance))
        self.legacy.delete_all(instance)

    def resize(self, instance, disk_name, size_bytes):
        if self.legacy.exists(instance, disk_name):
            return self.legacy.resize(instance, disk_name, size_bytes)
        record = self._record(instance, disk_name)
        size = base.check_bytes(size_bytes)
        if size < record.virtual_size:
            raise exception.InvalidInput(
                reason='disk %s of instance %s is %d bytes; it cannot shrink '
                'to %d bytes' % (disk_name, instance.uuid,
                                 record.virtual_size, size))
        name = volume_name(instance, disk_name)
        if size > record.virtual_size:
            self._volume(name).resize(size)
            record = dataclasses.replace(record, virtual_size=size)
            self._register(instance, disk_name, record)
        return self._source(name, record)

    def snapshot_extract(self, instance, disk_name, target_path, out_format):
        if self.legacy.exists(instance, disk_name):
            return self.legacy.snapshot_extract(instance, disk_name,
                                                target_path, out_format)
        self._require_data('snapshot')
        record = self._record(instance, disk_name)
        vol = self._volume(volume_name(instance, disk_name))
        with self.cache.disk_op():
            self.copier.to_file(vol, record.format, _backing(record),
                                target_path, out_format, record.virtual_size)
        return None

    def disk_info(self, instance):
        found = self.legacy.disk_info(instance)
        for disk_name, record in sorted(self._records(instance).items()):
            vol = self.disks_pool.lookup(volume_name(instance, disk_name))
            if vol is None:
                continue    # deleted while we looked
            desc = vol.describe()
            allocated = desc.allocation or 0
            found.append(disks.disk_info(record, desc.path or vol.name,
                                         allocated))
        return found

    # -- helpers ----------------------------------------------------------

    def _users(self):
        """``{base path: {instance uuid}}`` from the volumes' backing stores
        (one ``XMLDesc`` per volume; no image is opened)."""
        users = {}
        if not self.pools.file_pool:
            # Only file volumes have backing stores; an XMLDesc of an RBD
            # volume makes libvirt open the image and walk its extents.
            return users
        base_dir = os.path.normpath(self.cache.base_dir)
        for vol in self.disks_pool.volumes():
            backing = vol.describe().backing_path
            if backing and os.path.dirname(os.path.normpath(backing)) == \
                    base_dir and '_' in vol.name:
                users.setdefault(os.path.normpath(backing), set()).add(
                    vol.name.split('_', 1)[0])
        return users

    def _base_volume(self, cached):
        """The base as a volume of the base pool, which is refreshed when
        it does not list it yet (a base just added); None where the pool
        cannot see files (libvirt's test driver)."""
        name = os.path.basename(cached.path)
        vol = self.base_pool.lookup(name)
        if vol is None:
            self.base_pool.refresh()
            vol = self.base_pool.lookup(name)
        if vol is None and (self.keeps_data or not self.pools.cow):
            raise exception.ImageBackendError(
                backend=self.name, reason='base %s is not a volume of storage '
                'pool %s' % (cached.path, self.pools.base_pool))
        return vol

    def _spec(self, name, size, fmt=None, backing=None, sparse=False):
        """The ``<volume>`` to create: *fmt* (default: the pool's format),
        sparse or preallocated as ``preallocate_images`` says."""
        spec = vxml.StorageVolume.new(name=name, capacity=size)
        if self.pools.file_pool:
            spec.format = fmt or self.pools.volume_format
            preallocate = self.settings.preallocate == 'space' and \
                backing is None and not sparse
            spec.allocation = size if preallocate else 0
        # Elsewhere (logical...) no <allocation>: 0 would ask for a thin
        # (snapshot) logical volume.
        if backing is not None:
            spec.backing_path = backing.path
            spec.backing_format = backing.format
        return spec

    def _format(self):
        return self.pools.volume_format

    def _source(self, name, record):
        if self.pools.ceph_pool is not None:
            # libvirt's QEMU driver takes no <disk type='volume'> of an
            # rbd pool: the disk names the volume's RBD image instead.
            return pool_rbd.disk_source(self.pools, name, record.format)
        return context.DiskSource(type='volume', pool=self.pools.disks_pool,
                                  volume=name, format=record.format)

    def _volume(self, name):
        vol = self.disks_pool.lookup(name)
        if vol is None:
            raise exception.NotFound('Volume %s of storage pool %s does not '
                                     'exist' % (name, self.pools.disks_pool))
        return vol

    def _new_volume_name(self, instance, disk_name):
        if not disk_name:
            raise exception.InvalidInput(reason='a disk needs a name')
        name = volume_name(instance, disk_name)
        if self.legacy.exists(instance, disk_name) or \
                disk_name in self._records(instance):
            raise exception.InvalidInput(
                reason='disk %s of instance %s exists already'
                % (disk_name, instance.uuid))
        orphan = self.disks_pool.lookup(name)
        if orphan is not None:
            LOG.warning('Removing unrecorded volume %s', name)
            orphan.delete()
        return name

    def _require_data(self, operation):
        if not self.keeps_data:
            raise exception.NotSupported(
                operation=operation, reason='%s keeps no volume data'
                % self.host.uri)

    def _ensure_dir(self, instance, tx):
        directory = self._dir(instance)
        if not os.path.isdir(directory):
            os.makedirs(directory)
            tx.on_undo('instance directory', _rmdir_if_empty, directory)

    def _dir(self, instance):
        return os.path.join(self.instances_path,
                            imagecache.check_instance_uuid(instance.uuid))

    def _records(self, instance):
        return read_records(self._dir(instance))

    def _record(self, instance, disk_name):
        record = self._records(instance).get(disk_name)
        if record is None:
            raise exception.NotFound('Disk %s of instance %s does not exist'
                                     % (disk_name, instance.uuid))
        return record

    def _register(self, instance, disk_name, record):
        """Record (or with None forget) a volume in ``pool.info``."""
        directory = self._dir(instance)
        with lockutils.lock('virtdrivers-pool-info-' + instance.uuid):
            records = read_records(directory)
            if record is None:
                if records.pop(disk_name, None) is None:
                    return
            else:
                records[disk_name] = record
            if records or os.path.isdir(directory):
                write_records(directory, records)


def _backing(record):
    return _Base(record.base, None) if record.backing else None


@dataclasses.dataclass(frozen=True)
class _Base:
    path: str
    format: str | None


def _label(disk_name):
    """Nova's file system label: ephemeral0 for disk.local, N for disk.ephN."""
    suffix = disk_name.rsplit('.eph', 1)[-1] if '.eph' in disk_name else '0'
    return 'ephemeral%s' % (suffix if suffix.isdigit() else '0')


def _rmdir_if_empty(path):
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
