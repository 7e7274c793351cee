"""Instances of the ``pool`` backend that predate the pools: their disks
are still files of the ``flat``/``qcow2`` backends (``disk.info``), and
the cold move copies them into volumes."""

import dataclasses
import logging
import os

from virtdrivers import exception
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend import pool_records

LOG = logging.getLogger(__name__)


class LegacyDisksMixin:
    """The file disks of a :class:`~.pool.Pool` (its ``legacy`` backend)
    and their move into volumes; needs the Pool's ``legacy``, ``pools``,
    ``disks_pool``, ``copier``, ``cache``, ``transaction``, ``_spec``,
    ``_format`` and ``_register``."""

    def legacy_disk_names(self, instance):
        """The instance's disks that are still files of the file backends."""
        return [n for n in self.legacy.disk_names(instance)
                if self.legacy.exists(instance, n)]

    def move_into_pool(self, instance, guest=None):
        """Copy the instance's file disks into volumes, then remove the
        files: the cold move of an instance that predates the pools.

        Every volume is made before any file goes (a failure removes the
        new volumes and leaves the files); a file disk counts until its
        ``disk.info`` record is gone, so an interrupted move is redone.
        Copies are full (a qcow2 overlay is flattened).

        :param guest: the instance's domain, which must not be running.
        :returns: the names of the disks moved.
        :raises InstanceInvalidState: the domain runs.
        :raises ImageBackendError: a copy failed or was refused.
        """
        if guest is not None and guest.is_active():
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr='power state',
                state='running', method='move its disks into storage pool %s'
                % self.pools.disks_pool)
        names = self.legacy_disk_names(instance)
        if not names:
            return []
        legacy = disks.read_records(self.legacy.instance_dir(instance))
        with self.transaction(instance, ', '.join(names), 'move') as tx:
            for disk_name in names:
                self._move_one(instance, disk_name, legacy[disk_name], tx)
        for disk_name in names:
            record = legacy[disk_name]
            self._register(instance, disk_name, dataclasses.replace(
                record, format=self._format(), backing=False))
            self.legacy.delete(instance, disk_name)
            if record.base and os.path.isfile(record.base):
                # The file backend let the reference go with the file; the
                # instance keeps it, as a full copy does.
                self.cache.add_reference(record.base, instance.uuid)
        LOG.info('Instance %s: disks %s moved into storage pool %s',
                 instance.uuid, ', '.join(names), self.pools.disks_pool)
        return names

    def _move_one(self, instance, disk_name, record, tx):
        path = self.legacy.source(instance, disk_name).path
        name = pool_records.volume_name(instance, disk_name)
        stale = self.disks_pool.lookup(name)
        if stale is not None:
            stale.delete()      # an interrupted move: the file still counts
        with self.cache.disk_op():
            vol = self.copier.from_file(
                self.disks_pool, self._spec(name, record.virtual_size), path,
                record.format, backing=record.base if record.backing else None)
        tx.on_undo('volume %s' % name, vol.delete)
