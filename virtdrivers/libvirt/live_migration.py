"""Live migration of libvirt guests: Nova's pre-checks, the migration
itself and its clean-up, as a mixin of :class:`.driver.LibvirtDriver`.

The flow (Nova's compute manager drives it; ``dest`` runs on the
destination host, ``source`` on the source)::

    dest   check_can_live_migrate_destination   marker file, own facts
    source check_can_live_migrate_source        same hypervisor, shared
                                                storage?, block or not
    dest   cleanup_live_migration_destination_check
    dest   pre_live_migration                   disks (block migration)
    source live_migration                       libvirt peer-to-peer
    source post_live_migration_at_source        (or recover_method)
    dest   post_live_migration_at_destination   (or rollback_...)

Migrate data is a plain dict (a Nova ``LibvirtLiveMigrateData`` or any
object with these attributes is read too). Shared storage is decided
Nova's way: the destination makes a file in its ``instances_path`` and the
source looks for it in its own.
"""

import logging
import os

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers import transaction
from virtdrivers.libvirt import migration_checks
from virtdrivers.libvirt import migration_job
from virtdrivers.libvirt import migration_settings as msettings
from virtdrivers.libvirt import migration_xml
from virtdrivers.libvirt import power
from virtdrivers.libvirt import serialports
from virtdrivers.libvirt import shared_storage
from virtdrivers.libvirt.builder import context as build_context

LOG = logging.getLogger(__name__)

OPERATION = 'live-migrate'
# What the checks put in migrate data, and what the other host reads.
DATA_KEYS = (
    'filename', 'dst_host', 'dst_hypervisor_type', 'target_connect_addr',
    'block_migration', 'disk_over_commit', 'is_shared_instance_path',
    'src_instance_dir', 'dst_instance_dir', 'image_meta', 'disks')


def as_dict(migrate_data):
    """*migrate_data* as a new dict: a dict, or an object with attributes
    (Nova's ``LibvirtLiveMigrateData``); None is empty."""
    if migrate_data is None:
        return {}
    if isinstance(migrate_data, dict):
        return dict(migrate_data)
    return {key: getattr(migrate_data, key) for key in DATA_KEYS
            if getattr(migrate_data, key, None) is not None}


class LiveMigrationMixin:
    """Nova's live migration methods for the libvirt driver."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read at construction: a bad option stops the driver at start-up.
        self.migration_settings = msettings.MigrationSettings.from_conf(
            self.conf)

    # -- pre-checks --------------------------------------------------------

    def _compute_info(self):
        return {'hypervisor_type': self.profile.virt_type,
                'hypervisor_hostname': self.settings.host}

    def check_can_live_migrate_destination(self, context, instance,
                                           src_compute_info, dst_compute_info,
                                           block_migration=False,
                                           disk_over_commit=False):
        self.require(OPERATION)
        if migration_checks._field(src_compute_info, 'hypervisor_type'):
            migration_checks.check_same_hypervisor(src_compute_info,
                                                   self._compute_info())
        return {'filename': shared_storage.create(self.settings.instances_path),
                'dst_host': self.settings.host,
                'dst_hypervisor_type': self.profile.virt_type,
                'target_connect_addr': self.migration_settings.inbound_addr,
                'block_migration': block_migration,
                'disk_over_commit': disk_over_commit}

    def cleanup_live_migration_destination_check(self, context,
                                                 dest_check_data):
        self.require(OPERATION)
        name = as_dict(dest_check_data).get('filename')
        if name:
            shared_storage.remove(self.settings.instances_path, name)

    def check_can_live_migrate_source(self, context, instance,
                                      dest_check_data, block_device_info=None):
        self.require(OPERATION, instance)
        data = as_dict(dest_check_data)
        guest = self.host.get_guest(instance)
        power.expect(guest, 'live migrate', power_state.RUNNING,
                     power_state.PAUSED)
        migration_checks.check_same_hypervisor(
            self._compute_info(),
            {'hypervisor_type': data.get('dst_hypervisor_type'),
             'hypervisor_hostname': data.get('dst_host')})
        if data.get('dst_host') == self.settings.host:
            raise exception.MigrationPreCheckError(
                reason='instance %s is already on host %s'
                % (instance.uuid, self.settings.host))
        shared = self._sees_marker(data.get('filename'))
        data['is_shared_instance_path'] = shared
        data['block_migration'] = self._block_migration(
            instance, data.get('block_migration'), shared)
        data['src_instance_dir'] = self.storage.instance_dir(instance)
        if data['block_migration']:
            self._check_block_migration(instance, guest)
            image_meta, _network = self.storage.load_record(instance)
            data['image_meta'] = image_meta.to_dict()
            data['disks'] = self.storage.backend.disk_names(instance)
        return data

    def _sees_marker(self, name):
        return bool(name) and shared_storage.visible(
            self.settings.instances_path, name)

    def _block_migration(self, instance, asked, shared):
        """Nova's rule: shared storage migrates live, anything else copies
        the disks; asking for the other is refused."""
        if asked is None:
            return not shared
        if asked and shared:
            raise exception.MigrationPreCheckError(
                reason='instance %s is on storage both hosts share: block '
                       'migration would copy its disks onto themselves'
                       % instance.uuid)
        if not asked and not shared:
            raise exception.MigrationPreCheckError(
                reason='instance %s is not on storage both hosts share '
                       '(the destination\'s instances_path is another '
                       'directory): it needs a block migration'
                       % instance.uuid)
        return bool(asked)

    def _check_block_migration(self, instance, guest):
        profile = self.profile.for_image(self._image_of(instance))
        msettings.flags(profile, self.migration_settings, True)
        names = self.storage.backend.disk_names(instance)
        if any(name.startswith(build_context.CONFIG) for name in names):
            raise exception.MigrationPreCheckError(
                reason='instance %s has a config drive, which block '
                       'migration does not copy (it is read-only)'
                       % instance.uuid)
        instance_dir = self.storage.instance_dir(instance)
        for disk in guest.get_config().devices.disks:
            if disk.device == 'disk' and os.path.dirname(
                    disk.source_file or '') != instance_dir:
                raise exception.MigrationPreCheckError(
                    reason='instance %s has disk %s outside its instance '
                           'directory (image backend %s): block migration '
                           'copies file disks only' % (
                               instance.uuid, disk.target_dev,
                               self.settings.image_backend))

    # -- destination -------------------------------------------------------

    def pre_live_migration(self, context, instance, block_device_info,
                           network_info, disk_info, migrate_data):
        self.require(OPERATION)
        data = as_dict(migrate_data)
        if data.get('block_migration'):
            self._create_disks(context, instance, data, network_info,
                               block_device_info)
        elif not os.path.isdir(self.storage.instance_dir(instance)):
            raise exception.MigrationError(
                reason='instance %s: its directory %s is not on this host; '
                       'the storage is not shared' % (
                           instance.uuid, self.storage.instance_dir(instance)))
        data['dst_instance_dir'] = self.storage.instance_dir(instance)
        return data

    def _create_disks(self, context, instance, data, network_info,
                      block_device_info):
        """The disks the source's are copied into: made from the image and
        the flavor as spawn makes them (the image's base fetched into this
        host's cache), no config drive."""
        if 'image_meta' not in data:
            raise exception.InvalidInput(
                reason='migrate data of instance %s has no image_meta: run '
                       'check_can_live_migrate_source first' % instance.uuid)
        image_meta = objects.ImageMeta.from_dict(data['image_meta'])
        with self._lock(instance), \
                transaction.Transaction('pre_live_migration',
                                        instance.uuid) as txn:
            self.storage.prepare(txn, context, instance, image_meta,
                                 network_info, block_device_info)
            made = self.storage.backend.disk_names(instance)
            missing = sorted(set(data.get('disks', made)) - set(made))
            if missing:
                raise exception.MigrationError(
                    reason='instance %s: disk(s) %s of the source cannot be '
                           'made here' % (instance.uuid, ', '.join(missing)))

    def post_live_migration_at_destination(self, context, instance,
                                           network_info, block_migration=False,
                                           block_device_info=None):
        self.require(OPERATION)
        guest = self.host.get_guest(instance)
        if self.settings.builder.serial_console_enabled:
            self.serial_ports.claim(serialports.ports_of(guest.get_config()))
        # QEMU here is a new process: its configuration channel is empty.
        self.write_guest_config(instance, network_info)
        LOG.info('Instance %s arrived by live migration', instance.uuid)

    def rollback_live_migration_at_destination(self, context, instance,
                                               network_info, block_device_info,
                                               destroy_disks=True,
                                               migrate_data=None):
        """Remove the guest and, after a block migration, the disks made
        here; disks on shared storage are the source's and stay."""
        self.require(OPERATION)
        data = as_dict(migrate_data)
        with self._lock(instance):
            try:
                guest = self.host.get_guest(instance)
            except exception.InstanceNotFound:
                guest = None
            if guest is not None:
                power.force_off(guest)
                guest.undefine()
            if destroy_disks and data.get('block_migration') and \
                    not data.get('is_shared_instance_path'):
                self.storage.remove(instance)

    # -- source ------------------------------------------------------------

    def live_migration(self, context, instance, dest, post_method,
                       recover_method, block_migration=False,
                       migrate_data=None):
        self.require(OPERATION, instance)
        data = as_dict(migrate_data)
        block = bool(data.get('block_migration', block_migration))
        try:
            with self._lock(instance):
                ports = self._migrate(instance, dest, data, block)
        except Exception:
            LOG.warning('Live migration of instance %s to %s failed; it stays '
                        'here', instance.uuid, dest)
            recover_method(context, instance, dest, migrate_data)
            raise
        self.serial_ports.release(*ports)
        LOG.info('Instance %s live-migrated to %s', instance.uuid, dest)
        post_method(context, instance, dest, block, migrate_data)

    def post_live_migration_at_source(self, context, instance, network_info):
        """Forget the guest here. The driver plugs no VIFs (libvirt removed
        the guest's tap devices with it); a definition a migration without
        ``VIR_MIGRATE_UNDEFINE_SOURCE`` left is removed.

        :raises MigrationError: the guest still runs here.
        """
        self.require(OPERATION)
        self.config_channels.close(instance.uuid)
        try:
            guest = self.host.get_guest(instance)
        except exception.InstanceNotFound:
            return
        if guest.is_active():
            raise exception.MigrationError(
                reason='instance %s still runs on this host: it did not '
                       'migrate' % instance.uuid)
        guest.undefine()

    def _migrate(self, instance, dest, data, block):
        """Run the migration; the serial ports the guest had here."""
        guest = self.host.get_guest(instance)
        profile = self.profile.for_image(self._image_of(instance))
        config = guest.get_config()
        address = data.get('target_connect_addr') or dest
        settings = self.migration_settings
        uri = msettings.destination_uri(profile, settings, address)
        dest_xml = None
        if block and data.get('dst_instance_dir'):
            dest_xml = migration_xml.for_destination(
                migration_job.migratable_xml(guest),
                self.storage.instance_dir(instance), data['dst_instance_dir'])
        flags = msettings.flags(profile, settings, block,
                                data.get('is_shared_instance_path', False))
        disk_bytes = sum(d['virt_disk_size'] for d in
                         self.storage.backend.disk_info(instance)) if block else 0
        timeout = msettings.completion_timeout(
            settings, instance.flavor.memory_mb, disk_bytes)
        migration_job.MigrationJob(
            guest, uri, msettings.params(profile, settings, address, dest_xml),
            flags, timeout, settings.timeout_action, dest).run()
        return serialports.ports_of(config)
