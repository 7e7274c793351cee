"""``lvm``: each instance disk is a logical volume ``<uuid>_<disk name>`` in
``[libvirt] images_volume_group`` (Nova's names, so Nova's volumes are found).

A disk from an image is the cached base written into a new volume with
``qemu-img convert`` (the base's recorded format named, raw written). Thick
volumes by default; with ``[libvirt] sparse_logical_volumes`` thin volumes
in the thin pool ``<vg>/<vg>-pool``, which is created (on 95% of the
group's free space, zeroing what it provisions, as Cinder's LVM driver does)
when the backend starts and finds none.

What a volume was made from is an LVM tag on it (``virtdrivers-base-<sha1
of the image id>``), so the volumes alone say which disks an instance has,
how big they are and which cached bases they came from: no ``disk.info``.

A deleted volume is cleared first (``[libvirt] volume_clear``: ``zero``,
``shred`` or ``none``; ``volume_clear_size`` MiB, 0 for all of it), so the
next volume on its extents cannot read it. Thin volumes in a pool that zeroes
provisioned blocks are not cleared: nobody can read their old blocks.

Every LVM command runs through the ``runner`` given to the constructor
(default: the real tools), the single seam tests replace.
"""

import dataclasses
import logging
import os
import re

from virtdrivers import exception
from virtdrivers.image import inspect
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import lvm
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend import file

LOG = logging.getLogger(__name__)

OPTION = '[libvirt] images_volume_group'
BASE_TAG = 'virtdrivers-base-'
THIN_POOL_SUFFIX = '-pool'
# lvm2 accepts these characters in LV names (and at most 127 of them).
_LV_NAME = re.compile(r'^[A-Za-z0-9+_.-]{1,127}$')


@dataclasses.dataclass(frozen=True)
class LvmSettings:
    """The ``[libvirt]`` options of the lvm backend.

    :raises ConfigurationError: no volume group, or an unknown clear method.
    """

    volume_group: str | None
    sparse: bool = False
    volume_clear: str = 'zero'
    volume_clear_size_mib: int = 0

    def __post_init__(self):
        if not self.volume_group:
            raise exception.ConfigurationError(
                reason='%s is not set; [libvirt] images_type=lvm keeps '
                'instance disks in that LVM volume group' % OPTION)
        if self.volume_clear not in lvm.CLEAR_METHODS:
            raise exception.ConfigurationError(
                reason='[libvirt] volume_clear=%r (choices: %s)'
                % (self.volume_clear, ', '.join(lvm.CLEAR_METHODS)))

    @classmethod
    def from_conf(cls, conf):
        group = conf.libvirt
        return cls(volume_group=group.images_volume_group,
                   sparse=group.sparse_logical_volumes,
                   volume_clear=group.volume_clear,
                   volume_clear_size_mib=group.volume_clear_size)


class Lvm(base.ImageBackend):
    """Disks as logical volumes; block devices in the domain.

    :param lvm_settings: an :class:`LvmSettings` (required: without it the
        volume group is unknown).
    :param runner: runs the LVM commands (and ``dd``/``shred``); default:
        the real tools (:func:`virtdrivers.libvirt.lvm.run`).
    :raises ConfigurationError: no volume group configured, or it does not
        exist (both name ``[libvirt] images_volume_group``), or the thin pool
        cannot be created.
    """

    name = 'lvm'
    SUPPORTS_COW = False
    disk_format = 'raw'
    # Every format the cache accepts: the conversion into the volume names
    # the base's recorded format (Nova's Lvm read bases as raw, hence its
    # "no qcow2 without force_raw_images" rule; that does not apply here).
    image_types = base.QEMU_IMAGE_TYPES

    def __init__(self, instances_path, cache, settings, lvm_settings=None,
                 runner=None):
        super().__init__(instances_path, cache, settings)
        if lvm_settings is None:
            raise exception.ConfigurationError(
                reason='the lvm image backend needs %s' % OPTION)
        self.lvm_settings = lvm_settings
        self.vg = lvm.VolumeGroup(lvm_settings.volume_group, runner)
        self.thin_pool = lvm_settings.volume_group + THIN_POOL_SUFFIX \
            if lvm_settings.sparse else None
        self.check()

    @classmethod
    def from_conf(cls, instances_path, cache, settings, conf, runner=None):
        """The backend ``conf``'s ``[libvirt]`` options describe."""
        return cls(instances_path, cache, settings,
                   LvmSettings.from_conf(conf), runner=runner)

    def check(self):
        """Fail now, not at the first spawn, when the volume group is
        missing; create the thin pool sparse volumes need.

        :raises ConfigurationError: naming ``[libvirt] images_volume_group``.
        """
        try:
            self.vg.info()
        except exception.NotFound as err:
            raise exception.ConfigurationError(
                reason='%s=%s: %s' % (OPTION, self.vg.name, err)) from err
        if self.thin_pool is None:
            return
        pool = self.vg.volumes().get(self.thin_pool)
        if pool is None:
            LOG.info('Creating thin pool %s/%s for sparse logical volumes',
                     self.vg.name, self.thin_pool)
            try:
                self.vg.create_thin_pool(self.thin_pool)
            except exception.ImageBackendError as err:
                raise exception.ConfigurationError(
                    reason='[libvirt] sparse_logical_volumes needs the thin '
                    'pool %s/%s, which cannot be created: %s'
                    % (self.vg.name, self.thin_pool, err)) from err
        elif not pool.is_thin_pool:
            raise exception.ConfigurationError(
                reason='[libvirt] sparse_logical_volumes: %s/%s exists and is '
                'not a thin pool' % (self.vg.name, self.thin_pool))

    def capacity(self):
        """``(total, free)`` bytes for instance disks: the volume group's
        size and free space; with sparse volumes the thin pool's size and
        its unwritten part."""
        if self.thin_pool is None:
            size, free, _extent = self.vg.info()
            return size, free
        pool = self.vg.volumes()[self.thin_pool]
        used = int(pool.size * (pool.data_percent or 0.0) / 100)
        return pool.size, pool.size - used

    # -- creating ---------------------------------------------------------

    def create_from_image(self, context, instance, disk_name, image_meta,
                          size_bytes):
        lv = self._new_lv(instance, disk_name)
        with self.transaction(instance, disk_name, 'creation') as tx:
            cached = self.cache.fetch(context, image_meta,
                                      instance_uuid=instance.uuid)
            tx.on_undo('cache reference', self._release_base, instance,
                       os.path.basename(cached.path))
            size = self.check_size(cached, size_bytes)
            volume = self._create(tx, lv, size, base_path=cached.path)
            with self.cache.disk_op():
                qemuimg.convert(cached.path, cached.format, volume.path, 'raw')
        return _source(volume)

    def create_blank(self, instance, disk_name, size_bytes, kind='ephemeral'):
        if kind not in base.BLANK_KINDS:
            raise exception.InvalidInput(
                reason='blank disk kind %r (choices: %s)'
                % (kind, ', '.join(base.BLANK_KINDS)))
        size = base.check_bytes(size_bytes)
        lv = self._new_lv(instance, disk_name)
        with self.transaction(instance, disk_name, 'creation') as tx:
            volume = self._create(tx, lv, size)
            if kind == 'swap':
                disks.make_swap(volume.path)
            elif self.settings.default_ephemeral_format:
                disks.make_filesystem(volume.path,
                                      self.settings.default_ephemeral_format,
                                      file._label(disk_name))
        return _source(volume)

    def import_file(self, instance, disk_name, path, fmt):
        found = inspect.inspect_image(
            path, fmt, 'file for disk %s of instance %s'
            % (disk_name, instance.uuid))
        lv = self._new_lv(instance, disk_name)
        with self.transaction(instance, disk_name, 'import') as tx:
            volume = self._create(tx, lv, found.virtual_size)
            with self.cache.disk_op():
                qemuimg.convert(path, found.format, volume.path, 'raw')
        return _source(volume)

    # -- existing disks ---------------------------------------------------

    def source(self, instance, disk_name):
        return _source(self._volume(instance, disk_name))

    def exists(self, instance, disk_name):
        return _lv_name(instance, disk_name) in self.vg.volumes()

    def disk_names(self, instance):
        return sorted(self._disks(instance))

    def delete(self, instance, disk_name):
        volumes = self.vg.volumes()
        volume = volumes.get(_lv_name(instance, disk_name))
        if volume is None:
            return
        self._clear_and_remove(volume, volumes)
        base_name = _base_of(volume)
        if base_name:
            self._release_base(instance, base_name)

    def resize(self, instance, disk_name, size_bytes):
        volume = self._volume(instance, disk_name)
        size = base.check_bytes(size_bytes)
        if size < volume.size:
            raise exception.InvalidInput(
                reason='disk %s of instance %s is %d bytes; it cannot shrink '
                'to %d bytes' % (disk_name, instance.uuid, volume.size, size))
        if size > volume.size:
            with self.transaction(instance, disk_name, 'resize'):
                self.vg.extend(volume.name, size)
            volume = self._volume(instance, disk_name)
        return _source(volume)

    def snapshot_extract(self, instance, disk_name, target_path, out_format):
        volume = self._volume(instance, disk_name)
        with self.cache.disk_op():
            qemuimg.convert(volume.path, 'raw', target_path, out_format)

    def disk_info(self, instance):
        found = []
        for _name, volume in sorted(self._disks(instance).items()):
            allocated = volume.size
            if volume.is_thin:
                allocated = int(volume.size * (volume.data_percent or 0.0) / 100)
            found.append({
                'type': 'raw',
                'path': volume.path,
                'virt_disk_size': volume.size,
                'backing_file': '',
                'disk_size': allocated,
                'over_committed_disk_size': max(0, volume.size - allocated),
            })
        return found

    # -- helpers ----------------------------------------------------------

    def _disks(self, instance):
        """``{disk name: Volume}`` of the instance."""
        prefix = _lv_name(instance, '')
        return {name[len(prefix):]: volume
                for name, volume in self.vg.volumes().items()
                if name.startswith(prefix) and len(name) > len(prefix)}

    def _volume(self, instance, disk_name):
        volume = self.vg.volumes().get(_lv_name(instance, disk_name))
        if volume is None:
            raise exception.NotFound(
                'Disk %s of instance %s does not exist (no logical volume '
                '%s/%s)' % (disk_name, instance.uuid, self.vg.name,
                            _lv_name(instance, disk_name)))
        return volume

    def _new_lv(self, instance, disk_name):
        lv = _lv_name(instance, disk_name)
        if not disk_name or not _LV_NAME.match(lv):
            raise exception.InvalidInput(
                reason='%r cannot name a logical volume' % (lv,))
        if lv in self.vg.volumes():
            raise exception.InvalidInput(
                reason='disk %s of instance %s exists already (logical volume '
                '%s/%s)' % (disk_name, instance.uuid, self.vg.name, lv))
        return lv

    def _create(self, tx, lv, size, base_path=None):
        tags = (BASE_TAG + os.path.basename(base_path),) if base_path else ()
        # Registered first: an lvcreate that failed late may have left it.
        tx.on_undo('logical volume', self._remove, lv)
        self.vg.create(lv, size, thin_pool=self.thin_pool, tags=tags)
        return self.vg.volumes()[lv]

    def _remove(self, lv):
        volumes = self.vg.volumes()
        if lv in volumes:
            self._clear_and_remove(volumes[lv], volumes)

    def _clear_and_remove(self, volume, volumes):
        pool = volumes.get(volume.pool)
        if volume.is_thin and pool is not None and pool.zeroes_provisioned:
            LOG.debug('Not clearing thin volume %s: pool %s zeroes what it '
                      'provisions', volume.name, pool.name)
        else:
            self.vg.clear(volume, self.lvm_settings.volume_clear,
                          self.lvm_settings.volume_clear_size_mib)
        self.vg.remove(volume.name)

    def _release_base(self, instance, base_name):
        """Drop the instance's reference to base *base_name* unless another
        of its disks was made from it."""
        tag = BASE_TAG + base_name
        if not any(tag in v.tags for v in self._disks(instance).values()):
            self.cache.remove_reference(
                os.path.join(self.cache.base_dir, base_name), instance.uuid)


def _lv_name(instance, disk_name):
    return '%s_%s' % (imagecache.check_instance_uuid(instance.uuid),
                      disk_name or '')


def _base_of(volume):
    for tag in volume.tags:
        if tag.startswith(BASE_TAG):
            return tag[len(BASE_TAG):]
    return None


def _source(volume):
    return context.DiskSource(type='block', path=volume.path, format='raw')
