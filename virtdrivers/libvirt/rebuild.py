"""Rebuild and evacuation of libvirt guests, as a mixin of
:class:`.driver.LibvirtDriver`.

Rebuild replaces the instance's disks with new ones from an image and
starts it again, keeping its identity (uuid, name, flavor, network). The
image is checked and fetched into the cache before the old disks go, so a
bad image leaves the instance as it was.

Evacuation re-creates, on this host, an instance whose host failed. When
its disks are here already (``instances_path`` or the image storage is
shared with the failed host) the guest starts from them; otherwise it is
built afresh from the image, like a spawn.
"""

import logging

from virtdrivers import exception
from virtdrivers import network
from virtdrivers import power_state
from virtdrivers import transaction
from virtdrivers.libvirt import builder
from virtdrivers.libvirt.builder import context as build_context

LOG = logging.getLogger(__name__)


class RebuildMixin:
    """Nova's ``rebuild`` (with ``evacuate``) for the libvirt driver."""

    def rebuild(self, context, instance, image_meta, injected_files,
                admin_password, allocations, bdms, detach_block_devices,
                attach_block_devices, network_info=None, evacuate=False,
                block_device_info=None, preserve_ephemeral=False,
                accel_uuids=None, reimage_boot_volume=False):
        operation = 'evacuate' if evacuate else 'rebuild'
        self.require(operation, instance, image_meta)
        if bdms or reimage_boot_volume or network.bdi_mapping(block_device_info):
            self.require('attach-volume', instance, image_meta)
        if preserve_ephemeral:
            raise exception.InvalidInput(
                reason='preserve_ephemeral is not supported by the libvirt '
                'driver: instance %s would lose its ephemeral disk'
                % instance.uuid)
        profile = self.profile.for_image(image_meta)
        profile.validate_image(image_meta, self.settings.builder.hw_machine_type)
        self._check_image_format(image_meta)
        if evacuate:
            return self._evacuate(context, instance, image_meta, injected_files,
                                  admin_password, allocations, network_info,
                                  block_device_info)
        # Fetch (and inspect) the new image before the old disks go.
        self.storage.backend.cache.fetch(context, image_meta)
        self.destroy(context, instance, network_info, block_device_info)
        self.spawn(context, instance, image_meta, injected_files, admin_password,
                   allocations, network_info, block_device_info)
        LOG.info('Rebuilt instance %s from image %s', instance.uuid, image_meta.id)
        return None

    def _evacuate(self, context, instance, image_meta, injected_files,
                  admin_password, allocations, network_info, block_device_info):
        self._refuse_existing(instance)
        if not self.storage.backend.exists(instance, build_context.ROOT):
            self.spawn(context, instance, image_meta, injected_files,
                       admin_password, allocations, network_info,
                       block_device_info)
            LOG.info('Evacuated instance %s: rebuilt from image %s',
                     instance.uuid, image_meta.id)
            return None
        # Shared storage: the failed host's disks are here.
        with self._lock(instance), \
                transaction.Transaction('evacuate', instance.uuid) as txn:
            self.storage.save_record(instance, image_meta, network_info)
            domain = builder.build_domain(self._context(
                instance, image_meta, network_info,
                self.storage.existing_disks(instance),
                serial_ports=self._new_serial_ports(txn)))
            guest = self.host.write_instance_config(domain)
            txn.on_undo('domain', self._remove_domain, instance)
            guest.launch()
            guest.wait_for_state([power_state.RUNNING], timeout=60)
        self.write_guest_config(instance, network_info)
        LOG.info('Evacuated instance %s onto its shared disks', instance.uuid)
        return None
