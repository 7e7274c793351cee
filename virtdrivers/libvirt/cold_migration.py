"""Resize and cold migration of libvirt guests, as a mixin of
:class:`.driver.LibvirtDriver`.

Nova's sequence: the source stops the guest and keeps its disks
(``migrate_disk_and_power_off``), the destination grows the disks to the
new flavor and starts the guest (``finish_migration``), then the source
drops what it kept (``confirm_migration``) or, on a revert, puts it back
and starts the guest as it was (``finish_revert_migration``).

What the source keeps is a :mod:`.resize_stash`: a copy of every disk, made
through the image backend, so every backend resizes the same way. With
the ``pool`` backend, disks still stored as files move into the storage
pool while the guest is stopped.

A cold migration to another host sends the kept copies into the
destination's storage pool (:mod:`.cold_transfer`), unless that pool holds
the instance's volumes already (shared image storage).
"""

import json
import logging
import os
import socket

from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers.libvirt import builder
from virtdrivers.libvirt import cold_transfer
from virtdrivers.libvirt import power
from virtdrivers.libvirt import resize_stash
from virtdrivers.libvirt import serialports
from virtdrivers.libvirt import shared_storage
from virtdrivers.libvirt import storage as vstorage
from virtdrivers.libvirt.builder import context as build_context

LOG = logging.getLogger(__name__)
GIB = 1024 ** 3
MIB = 1024 ** 2


class ColdMigrationMixin:
    """Nova's resize and cold migration methods for the libvirt driver."""

    # -- source -----------------------------------------------------------

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None,
                                   timeout=0, retry_interval=0):
        self.require('resize', instance)
        _check_no_shrink(instance, flavor)
        if self._is_this_host(dest):
            return self._stop_and_keep(instance, dest, timeout, retry_interval)
        profile = self.profile.for_image(self._image_of(instance))
        # Reach the destination's pool before the guest stops.
        with cold_transfer.destination(
                profile, self.migration_settings, dest,
                cold_transfer.pool_name(self.settings)) as pool:
            if cold_transfer.holds_instance(pool, instance):
                return self._stop_and_keep(instance, dest, timeout,
                                           retry_interval, remote='shared')
            return self._stop_and_keep(instance, dest, timeout, retry_interval,
                                       remote='copied', send_to=pool)

    def _stop_and_keep(self, instance, dest, timeout, retry_interval,
                       remote=None, send_to=None):
        """Stop the guest and keep its disks; with *send_to*, send them
        there too. Any failure starts the guest again and keeps nothing."""
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            was_running = guest.get_power_state() == power_state.RUNNING
            power.power_off(guest, timeout, retry_interval)
            stash = None
            try:
                self._move_into_pool(instance, guest)
                stash = resize_stash.create(self.storage, instance, dest, remote)
                if send_to is not None:
                    disk_info = cold_transfer.send(send_to, instance, stash)
                else:
                    disk_info = self.storage.backend.disk_info(instance)
            except BaseException:
                resize_stash.remove(stash)
                if was_running:
                    guest.launch()
                raise
            LOG.info('Instance %s stopped for its migration to %s (%s)',
                     instance.uuid, dest, remote or 'this host')
            return json.dumps(disk_info)

    def confirm_migration(self, context, migration, instance, network_info):
        self.require('resize', instance)
        with self._lock(instance):
            stash = resize_stash.load(self.storage.instances_path, instance)
            if stash is not None and stash.remote:
                # The instance runs elsewhere now: its domain goes, and its
                # disks unless the other host uses them.
                guest = self._stopped_guest(instance)
                self._cleanup(instance, guest,
                              destroy_disks=stash.remote == 'copied')
            resize_stash.remove(stash)
        LOG.info('Migration of instance %s confirmed', instance.uuid)

    def finish_revert_migration(self, context, instance, network_info,
                                migration, block_device_info=None,
                                power_on=True, share_info=None):
        self.require('resize', instance)
        with self._lock(instance):
            stash = resize_stash.load(self.storage.instances_path, instance)
            if stash is None:
                raise exception.MigrationError(
                    reason='instance %s has no resize or migration to revert'
                    % instance.uuid)
            guest = self._stopped_guest(instance)
            if stash.remote != 'copied':
                # The disks here grew, or the guest wrote to them.
                resize_stash.restore(self.storage, instance, stash)
            self._define_and_start(instance, guest, network_info, power_on)
            resize_stash.remove(stash)
        LOG.info('Migration of instance %s reverted', instance.uuid)

    # -- destination ------------------------------------------------------

    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance, allocations,
                         block_device_info=None, power_on=True, share_info=None):
        self.require('resize', instance, image_meta)
        with self._lock(instance):
            if not self.storage.backend.exists(instance, build_context.ROOT):
                self._adopt_sent_disks(instance, disk_info)
            guest = self._stopped_guest(instance)
            if resize_instance:
                self._grow_disks(instance, block_device_info)
            self.storage.save_record(instance, image_meta, network_info)
            self._define_and_start(instance, guest, network_info, power_on)
        LOG.info('Instance %s migrated (%s)', instance.uuid,
                 'resized' if resize_instance else 'same flavor')

    def _adopt_sent_disks(self, instance, disk_info):
        """Take the disks the source sent into the disks pool."""
        sent = [d for d in json.loads(disk_info or '[]') if 'disk_name' in d]
        adopt = getattr(self.storage.backend, 'adopt', None)
        if not sent or adopt is None:
            raise exception.MigrationError(
                reason='the disks of instance %s are not on host %s'
                % (instance.uuid, self.settings.host))
        os.makedirs(self.storage.instance_dir(instance), exist_ok=True)
        for disk in sent:
            adopt(instance, disk['disk_name'], disk['type'])

    # -- shared storage checks ---------------------------------------------

    def check_instance_shared_storage_local(self, context, instance):
        self.require('resize', instance)
        return {'filename': shared_storage.create(self.settings.instances_path)}

    def check_instance_shared_storage_remote(self, context, data):
        self.require('resize')
        return shared_storage.visible(self.settings.instances_path,
                                      (data or {}).get('filename'))

    def check_instance_shared_storage_cleanup(self, context, data):
        shared_storage.remove(self.settings.instances_path,
                              (data or {}).get('filename'))

    # -- helpers ----------------------------------------------------------

    def _is_this_host(self, dest):
        names = {self.settings.host, self.settings.my_ip, socket.gethostname(),
                 self.host.get_hostname()}
        return dest in names

    def _stopped_guest(self, instance):
        """The instance's domain, stopped; None when it has none here."""
        try:
            guest = self.host.get_guest(instance)
        except exception.InstanceNotFound:
            return None
        power.force_off(guest)
        if guest.has_managed_save():
            guest.remove_managed_save()
        return guest

    def _grow_disks(self, instance, block_device_info):
        """Give the disks the sizes of the new flavor (``instance.flavor``)."""
        backend = self.storage.backend
        flavor = instance.flavor
        if flavor.root_gb:
            _grow(backend, instance, build_context.ROOT, flavor.root_gb * GIB)
        ephemeral_gb = vstorage._ephemeral_gb(flavor, block_device_info)
        if ephemeral_gb:
            if backend.exists(instance, build_context.EPHEMERAL):
                _grow(backend, instance, build_context.EPHEMERAL,
                      ephemeral_gb * GIB)
            else:
                self.require('ephemeral-disk', instance)
                backend.create_blank(instance, build_context.EPHEMERAL,
                                     ephemeral_gb * GIB)
        swap_mb = vstorage._swap_mb(flavor, block_device_info)
        if swap_mb:
            self.require('swap-disk', instance)
            backend.delete(instance, build_context.SWAP)
            backend.create_blank(instance, build_context.SWAP, swap_mb * MIB,
                                 kind='swap')
        elif backend.exists(instance, build_context.SWAP):
            backend.delete(instance, build_context.SWAP)

    def _define_and_start(self, instance, guest, network_info, power_on):
        image_meta, saved_network = self.storage.load_record(instance)
        ports = serialports.ports_of(guest.get_config(dump_inactive=True)) \
            if guest is not None else ()
        domain = builder.build_domain(self._context(
            instance, image_meta, network_info or saved_network,
            self.storage.existing_disks(instance), serial_ports=ports))
        guest = self.host.write_instance_config(domain)
        if power_on:
            guest.launch()
            guest.wait_for_state([power_state.RUNNING], timeout=60)
            self.write_guest_config(instance, network_info)
        return guest


def _check_no_shrink(instance, flavor):
    """Nova refuses to resize disks down; so do we, before anything stops."""
    old = instance.flavor
    for attr, what in (('root_gb', 'root disk'), ('ephemeral_gb', 'ephemeral disk')):
        new_size, old_size = getattr(flavor, attr, 0) or 0, getattr(old, attr, 0) or 0
        if new_size and new_size < old_size:
            raise exception.MigrationPreCheckError(
                reason='the %s of instance %s cannot shrink from %d GiB to '
                '%d GiB (flavor %s)' % (what, instance.uuid, old_size, new_size,
                                        getattr(flavor, 'name', '?')))


def _grow(backend, instance, disk_name, size_bytes):
    """Grow a disk; one that is bigger already (an image larger than the
    flavor's disk) stays as it is."""
    try:
        backend.resize(instance, disk_name, size_bytes)
    except exception.InvalidInput:
        LOG.info('Disk %s of instance %s is larger than %d bytes already',
                 disk_name, instance.uuid, size_bytes)
