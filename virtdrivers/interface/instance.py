"""Instance lifecycle, power, information and consoles."""

import abc

from virtdrivers.interface.base import InterfaceBase


class InstanceInterface(InterfaceBase):
    # -- lifecycle --------------------------------------------------------

    @abc.abstractmethod
    def init_host(self, host):
        """Prepare the driver to run on *host*; called once at start-up.

        :raises ConfigurationError: the configuration cannot work here.
        :raises HypervisorUnavailable: the hypervisor cannot be reached.
        """

    def cleanup_host(self, host):
        """Release what ``init_host`` acquired (connections, threads)."""

    def process_instances_at_startup(self, context, instances):
        """Return the instances the compute service should keep managing."""
        return instances

    def prepare_for_spawn(self, instance):
        """Reserve driver-side resources before ``spawn``; default nothing."""

    def failed_spawn_cleanup(self, instance):
        """Undo ``prepare_for_spawn`` after a failed ``spawn``."""

    @abc.abstractmethod
    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True, accel_info=None):
        """Create and (when *power_on*) start *instance* from *image_meta*.

        A transaction: on failure nothing the call created is left behind.

        :param injected_files: ``[(path, contents)]`` to put in the guest.
        :param network_info: a :class:`~virtdrivers.network.NetworkInfo`.
        :raises InstanceExists: an instance with this name already exists.
        :raises InvalidImage: the image or one of its properties is unusable.
        :raises NotSupported: a requested feature (config drive, swap ...)
            is not supported for this instance.
        :raises SpawnError: the hypervisor refused or failed; cleaned up.
        """

    @abc.abstractmethod
    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        """Stop *instance* and remove it (and its disks when *destroy_disks*).

        :raises InstanceNotFound: the driver does not know *instance* (Nova's
            compute manager treats that as already deleted).
        """

    @abc.abstractmethod
    def cleanup(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, migrate_data=None, destroy_vifs=True,
                destroy_secrets=True):
        """Remove what is left of a stopped *instance* on this host."""

    def rebuild(self, context, instance, image_meta, injected_files,
                admin_password, allocations, bdms, detach_block_devices,
                attach_block_devices, network_info=None, evacuate=False,
                block_device_info=None, preserve_ephemeral=False,
                accel_uuids=None, reimage_boot_volume=False):
        """Re-create *instance* from *image_meta*, keeping its identity."""
        self._unsupported('rebuild')

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None,
               accel_info=None, share_info=None):
        """Reboot *instance*; *reboot_type* is ``'SOFT'`` or ``'HARD'``.

        :raises InstanceNotFound, InstanceRebootFailure:
        """
        self._unsupported('reboot')

    def rescue(self, context, instance, network_info, image_meta,
               rescue_password, block_device_info, share_info):
        """Boot *instance* from a rescue image, with its disks attached."""
        self._unsupported('rescue')

    def unrescue(self, context, instance):
        """Leave rescue: boot *instance* from its own disks again."""
        self._unsupported('unrescue')

    def soft_delete(self, instance):
        """Stop *instance* but keep it restorable."""
        self._unsupported('soft_delete')

    def restore(self, instance):
        """Bring back a soft-deleted *instance*."""
        self._unsupported('restore')

    def set_admin_password(self, instance, new_pass):
        """Set the guest's administrator password (never logged)."""
        self._unsupported('set_admin_password')

    def poll_rebooting_instances(self, timeout, instances):
        """Act on instances stuck rebooting longer than *timeout* seconds."""
        self._unsupported('poll_rebooting_instances')

    def trigger_crash_dump(self, instance):
        """Send an NMI to the guest so it writes a crash dump."""
        self._unsupported('trigger_crash_dump')

    def quiesce(self, context, instance, image_meta):
        """Freeze the guest's filesystems (guest agent) before a snapshot."""
        self._unsupported('quiesce')

    def unquiesce(self, context, instance, image_meta):
        """Thaw filesystems frozen by :meth:`quiesce`."""
        self._unsupported('unquiesce')

    def delete_instance_files(self, instance):
        """Delete the instance's local files; True when nothing is left."""
        return True

    def cleanup_lingering_instance_resources(self, instance):
        """Remove resources of a deleted instance; True when done."""
        return True

    def instance_on_disk(self, instance):
        """True when the instance's files survive on shared storage."""
        return False

    # -- information ------------------------------------------------------

    @abc.abstractmethod
    def get_info(self, instance, use_cache=True):
        """Return an :class:`~virtdrivers.objects.InstanceInfo`.

        :raises InstanceNotFound: the hypervisor has no such instance.
        """

    @abc.abstractmethod
    def list_instances(self):
        """Return the hypervisor-side names of this host's instances."""

    @abc.abstractmethod
    def list_instance_uuids(self):
        """Return the uuids of this host's instances."""

    def get_num_instances(self):
        """How many instances this host has."""
        return len(self.list_instances())

    def instance_exists(self, instance):
        """True when the hypervisor knows *instance*."""
        return instance.uuid in self.list_instance_uuids()

    def get_diagnostics(self, instance):
        """Return a dict of hypervisor-specific diagnostics."""
        self._unsupported('get_diagnostics')

    def get_instance_diagnostics(self, instance):
        """Return a :class:`~virtdrivers.diagnostics.Diagnostics`."""
        self._unsupported('get_instance_diagnostics')

    # -- power ------------------------------------------------------------

    def power_off(self, instance, timeout=0, retry_interval=0):
        """Power *instance* off: gracefully for *timeout* seconds, then hard.

        :raises InstanceNotFound, InstancePowerOffFailure:
        """
        self._unsupported('power_off')

    def power_on(self, context, instance, network_info,
                 block_device_info=None, accel_info=None, share_info=None):
        """Power *instance* on."""
        self._unsupported('power_on')

    def pause(self, instance):
        """Pause a running *instance* (CPU stopped, memory kept).

        :raises InstanceInvalidState: the instance is not running.
        """
        self._unsupported('pause')

    def unpause(self, instance):
        """Resume a paused *instance*.

        :raises InstanceInvalidState: the instance is not paused.
        """
        self._unsupported('unpause')

    def suspend(self, context, instance):
        """Save *instance*'s memory to disk and stop it."""
        self._unsupported('suspend')

    def resume(self, context, instance, network_info, block_device_info=None,
               share_info=None):
        """Restart a suspended *instance* from its saved memory."""
        self._unsupported('resume')

    def resume_state_on_host_boot(self, context, instance, network_info,
                                  share_info, block_device_info=None):
        """Restore *instance*'s power state after the host rebooted."""
        self._unsupported('resume_state_on_host_boot')

    def power_update_event(self, instance, target_power_state):
        """Apply an external power-state change (Ironic)."""
        self._unsupported('power_update_event')

    # -- consoles ---------------------------------------------------------

    def get_console_output(self, context, instance):
        """Return the guest's serial console log (bytes, size-capped)."""
        self._unsupported('get_console_output')

    def get_vnc_console(self, context, instance):
        """Return a :class:`~virtdrivers.console.ConsoleVNC`."""
        self._unsupported('get_vnc_console')

    def get_spice_console(self, context, instance):
        """Return a :class:`~virtdrivers.console.ConsoleSpice`."""
        self._unsupported('get_spice_console')

    def get_serial_console(self, context, instance):
        """Return a :class:`~virtdrivers.console.ConsoleSerial`."""
        self._unsupported('get_serial_console')

    def get_mks_console(self, context, instance):
        """Return a :class:`~virtdrivers.console.ConsoleMKS`."""
        self._unsupported('get_mks_console')
