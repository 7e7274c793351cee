"""Cold migration, resize and live migration."""

from virtdrivers.interface.base import InterfaceBase


class MigrationInterface(InterfaceBase):
    # -- cold migration and resize ----------------------------------------

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None,
                                   timeout=0, retry_interval=0):
        """Power off *instance* and move its disks to *dest*; return disk_info."""
        self._unsupported('migrate_disk_and_power_off')

    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance, allocations,
                         block_device_info=None, power_on=True, share_info=None):
        """Complete a migration on the destination host."""
        self._unsupported('finish_migration')

    def confirm_migration(self, context, migration, instance, network_info):
        """Remove the source copy after a confirmed migration."""
        self._unsupported('confirm_migration')

    def finish_revert_migration(self, context, instance, network_info,
                                migration, block_device_info=None,
                                power_on=True, share_info=None):
        """Bring the instance back up on the source after a revert."""
        self._unsupported('finish_revert_migration')

    def check_instance_shared_storage_local(self, context, instance):
        """Start a shared-storage check; return data for the remote side."""
        self._unsupported('check_instance_shared_storage_local')

    def check_instance_shared_storage_remote(self, context, data):
        """True when the file the local side created is visible here."""
        self._unsupported('check_instance_shared_storage_remote')

    def check_instance_shared_storage_cleanup(self, context, data):
        """Remove what the shared-storage check created."""

    # -- live migration ---------------------------------------------------

    def check_can_live_migrate_destination(self, context, instance,
                                           src_compute_info, dst_compute_info,
                                           block_migration=False,
                                           disk_over_commit=False):
        """Run the destination's pre-checks; return migrate data.

        :raises MigrationPreCheckError: naming the check that failed.
        """
        self._unsupported('check_can_live_migrate_destination')

    def cleanup_live_migration_destination_check(self, context,
                                                 dest_check_data):
        """Remove what the destination check created."""
        self._unsupported('cleanup_live_migration_destination_check')

    def check_can_live_migrate_source(self, context, instance,
                                      dest_check_data, block_device_info=None):
        """Run the source's pre-checks; return migrate data."""
        self._unsupported('check_can_live_migrate_source')

    def check_source_migrate_data_at_dest(self, ctxt, instance, migrate_data,
                                          migration, limits, allocs):
        """Adjust migrate data on the destination after the claim."""
        return migrate_data

    def post_claim_migrate_data(self, context, instance, migrate_data, claim):
        """Adjust migrate data once the destination claim is made."""
        return migrate_data

    def pre_live_migration(self, context, instance, block_device_info,
                           network_info, disk_info, migrate_data):
        """Prepare the destination (disks, volumes, VIFs)."""
        self._unsupported('pre_live_migration')

    def live_migration(self, context, instance, dest, post_method,
                       recover_method, block_migration=False,
                       migrate_data=None):
        """Migrate *instance* to *dest*; call *post_method* or *recover_method*."""
        self._unsupported('live_migration')

    def live_migration_force_complete(self, instance):
        """Make a running live migration converge (pause or post-copy)."""
        self._unsupported('live_migration_force_complete')

    def live_migration_abort(self, instance):
        """Abort a running live migration."""
        self._unsupported('live_migration_abort')

    def rollback_live_migration_at_source(self, context, instance,
                                          migrate_data):
        """Undo source-side preparation after a failed migration."""

    def rollback_live_migration_at_destination(self, context, instance,
                                               network_info, block_device_info,
                                               destroy_disks=True,
                                               migrate_data=None):
        """Remove what a failed migration left on the destination."""
        self._unsupported('rollback_live_migration_at_destination')

    def post_live_migration(self, context, instance, block_device_info,
                            migrate_data=None):
        """Source-side work right after a successful migration."""

    def post_live_migration_at_source(self, context, instance, network_info):
        """Unplug the source's VIFs after a successful migration."""
        self._unsupported('post_live_migration_at_source')

    def post_live_migration_at_destination(self, context, instance,
                                           network_info, block_migration=False,
                                           block_device_info=None):
        """Destination-side work after a successful migration."""
        self._unsupported('post_live_migration_at_destination')
