"""Disks of a cold migration to another host, sent through libvirt: the
kept copies (:mod:`.resize_stash`) are uploaded into volumes of the
destination's disks pool (``virStorageVolUpload``, no SSH or rsync), where
the destination's ``pool`` backend adopts them.

Every host is configured alike (Nova's assumption): the destination's
disks pool has this host's ``disks_pool`` name. A destination whose pool
holds the instance's volumes already shares this host's image storage;
nothing is sent then.
"""

import contextlib
import logging
import os

from virtdrivers import exception
from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt import migration_settings as msettings
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.imagebackend import pool_records
from virtdrivers.libvirt.storagepools import settings as pool_settings
from virtdrivers.libvirt.storagepools import streams
from virtdrivers.libvirt.storagepools import wrappers

LOG = logging.getLogger(__name__)


@contextlib.contextmanager
def destination(profile, settings, dest, pool_name):
    """The destination's disks pool, on a connection closed at exit.

    :raises MigrationPreCheckError: *dest* cannot be reached, or has no
        such pool; both named.
    """
    uri = msettings.destination_uri(profile, settings, dest)
    peer = vhost.Host(uri, connect_attempts=1)
    try:
        try:
            peer.get_connection()
        except exception.VirtDriverError as err:
            raise exception.MigrationPreCheckError(
                reason='host %r cannot be reached at %s: %s' % (dest, uri, err)
            ) from err
        pool = wrappers.Pool(peer, pool_name)
        if pool.describe() is None or not pool.is_active():
            raise exception.MigrationPreCheckError(
                reason='host %r has no running storage pool %s: cold migration '
                'to another host needs the pool backend there ([libvirt] '
                'use_storage_pools) or a shared instances_path'
                % (dest, pool_name))
        yield pool
    finally:
        peer.cleanup()


def pool_name(settings):
    """The disks pool name this host's options give (its own, or the
    default when it does not use pools)."""
    return settings.pools.disks_pool if settings.pools is not None \
        else pool_settings.DISKS_POOL


def holds_instance(pool, instance):
    """Whether *pool* has volumes of *instance* (shared image storage)."""
    return bool(pool.volumes(instance.uuid + '_'))


def send(pool, instance, stash):
    """Upload every kept disk into a new volume of *pool*.

    :returns: the disk entries for ``finish_migration``.
    :raises MigrationError: an upload failed; the volumes made are removed.
    """
    made = []
    entries = []
    try:
        for name, fmt in sorted(stash.disks.items()):
            path = stash.disk_path(name)
            size = os.path.getsize(path)
            spec = vxml.StorageVolume.new(
                name=pool_records.volume_name(instance, name), capacity=size)
            if pool.describe().type in pool_settings.FILE_POOL_TYPES:
                spec.format = fmt
                spec.allocation = 0
            vol = pool.create(spec)
            made.append(vol)
            streams.upload_volume(path, vol)
            entries.append({'disk_name': name, 'type': fmt,
                            'path': vol.path, 'disk_size': size})
    except exception.VirtDriverError as err:
        for vol in made:
            vol.delete()
        raise exception.MigrationError(
            reason='disks of instance %s could not be sent: %s'
            % (instance.uuid, err)) from err
    LOG.info('Disks of instance %s sent to storage pool %s: %s', instance.uuid,
             pool.name, ', '.join(e['disk_name'] for e in entries))
    return entries
