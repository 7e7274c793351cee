"""Volumes, block devices, shares, snapshots and images."""

from virtdrivers.interface.base import InterfaceBase


class StorageInterface(InterfaceBase):
    # -- volumes ----------------------------------------------------------

    def attach_volume(self, context, connection_info, instance, mountpoint,
                      disk_bus=None, device_type=None, encryption=None):
        """Attach the volume described by *connection_info* at *mountpoint*.

        :raises VolumeError: the hypervisor refused the device.
        """
        self._unsupported('attach_volume')

    def detach_volume(self, context, connection_info, instance, mountpoint,
                      encryption=None):
        """Detach the volume at *mountpoint*."""
        self._unsupported('detach_volume')

    def swap_volume(self, context, old_connection_info, new_connection_info,
                    instance, mountpoint, resize_to):
        """Copy the volume at *mountpoint* to a new one and switch to it."""
        self._unsupported('swap_volume')

    def extend_volume(self, context, connection_info, instance, requested_size):
        """Tell the guest that an attached volume grew to *requested_size*."""
        self._unsupported('extend_volume')

    def get_volume_connector(self, instance):
        """Return this host's connector dict (ip, host, initiator, ...)."""
        self._unsupported('get_volume_connector')

    def get_all_volume_usage(self, context, compute_host_bdms):
        """Return I/O counters of every attached volume."""
        self._unsupported('get_all_volume_usage')

    def volume_snapshot_create(self, context, instance, volume_id, create_info):
        """Snapshot an attached file-based volume (assisted snapshot)."""
        self._unsupported('volume_snapshot_create')

    def volume_snapshot_delete(self, context, instance, volume_id, snapshot_id,
                               delete_info):
        """Delete an assisted volume snapshot."""
        self._unsupported('volume_snapshot_delete')

    def block_stats(self, instance, disk_id):
        """Return ``[rd_req, rd_bytes, wr_req, wr_bytes, errs]`` of a disk."""
        self._unsupported('block_stats')

    def get_instance_disk_info(self, instance, block_device_info=None):
        """Return a JSON list describing the instance's local disks."""
        self._unsupported('get_instance_disk_info')

    # -- device names -----------------------------------------------------

    def default_root_device_name(self, instance, image_meta, root_bdm):
        """Return the root device name this driver would choose."""
        self._unsupported('default_root_device_name')

    def default_device_names_for_instance(self, instance, root_device_name,
                                          *block_device_lists):
        """Fill in device names missing from the block device lists."""
        self._unsupported('default_device_names_for_instance')

    def get_device_name_for_instance(self, instance, bdms, block_device_obj):
        """Return the device name a new block device would get."""
        self._unsupported('get_device_name_for_instance')

    def is_supported_fs_format(self, fs_type):
        """True when this driver can format ephemeral disks as *fs_type*."""
        return False

    # -- shares -----------------------------------------------------------

    def mount_share(self, context, instance, share_mapping):
        """Mount a Manila share on the host for the instance."""
        self._unsupported('mount_share')

    def umount_share(self, context, instance, share_mapping):
        """Unmount a share mounted by :meth:`mount_share`."""
        self._unsupported('umount_share')

    def is_share_mounted(self, share_mapping):
        """True when the share is mounted on this host."""
        self._unsupported('is_share_mounted')

    # -- snapshots and images ---------------------------------------------

    def snapshot(self, context, instance, image_id, update_task_state):
        """Upload a copy of *instance*'s root disk as image *image_id*.

        *image_id* names an image record that already exists in the image
        service; the driver uploads its data. ``update_task_state`` is called
        with ``task_state=`` ``'image_pending_upload'`` and then
        ``'image_uploading'`` (and ``expected_state=``) as Nova does.

        :raises ImageNotFound: no such image record.
        """
        self._unsupported('snapshot')

    def manage_image_cache(self, context, all_instances):
        """Age out base images no instance in *all_instances* uses."""
        self._unsupported('manage_image_cache')

    def cache_image(self, context, image_id):
        """Fetch *image_id* into the cache ahead of use; True if it was new."""
        self._unsupported('cache_image')
