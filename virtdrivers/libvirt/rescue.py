"""Rescue: boot an instance from a rescue image with its disks attached.

The domain's own definition is kept in ``unrescue.xml`` while rescued, so
unrescue restores exactly what was there; ``unrescue.xml`` existing is what
"rescued" means. An instance with a config drive gets a rescue config drive
(``disk.config.rescue``) carrying the rescue password, as in Nova.
"""

import os

from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers import transaction
from virtdrivers.libvirt import builder
from virtdrivers.libvirt import power
from virtdrivers.libvirt import storage as vstorage
from virtdrivers.libvirt.builder import context as build_context

RESCUE_CONFIG = build_context.CONFIG + '.rescue'


def _unrescue_path(drv, instance):
    return drv.storage.path(instance, vstorage.UNRESCUE_XML)


def _rescue_image(drv, context, instance, image_meta):
    if image_meta is not None and image_meta.id:
        return image_meta
    if drv.settings.rescue_image_id:
        return drv.image_service.show(context, drv.settings.rescue_image_id)
    return drv.storage.load_record(instance)[0]


def rescue(drv, context, instance, network_info, image_meta, rescue_password):
    guest = drv.host.get_guest(instance)
    saved = _unrescue_path(drv, instance)
    if os.path.exists(saved):
        raise exception.InstanceInvalidState(
            instance_uuid=instance.uuid, attr='rescue state', state='rescued',
            method='rescue')
    rescue_image = _rescue_image(drv, context, instance, image_meta)
    original = guest.get_xml_desc(dump_inactive=True, dump_sensitive=True)
    with transaction.Transaction('rescue', instance.uuid) as txn:
        _write(saved, original)
        txn.on_undo('unrescue.xml', os.unlink, saved)
        source = drv.storage.backend.create_from_image(
            context, instance, build_context.RESCUE, rescue_image, None)
        txn.on_undo('rescue disk', drv.storage.backend.delete, instance,
                    build_context.RESCUE)
        disks = [build_context.DiskSpec(build_context.RESCUE, source, boot_index=0)]
        disks += [d for d in drv.storage.existing_disks(instance)
                  if not d.is_config_drive]
        if drv.storage.backend.exists(instance, build_context.CONFIG):
            disks.append(drv.storage.config_drive(
                instance, network_info, (), rescue_password, name=RESCUE_CONFIG))
            txn.on_undo('rescue config drive', drv.storage.backend.delete,
                        instance, RESCUE_CONFIG)
        domain = builder.build_domain(drv._context(
            instance, rescue_image, network_info, disks, rescue=True))
        power.force_off(guest)
        txn.on_undo('original domain', _restore, drv, original)
        guest = drv.host.write_instance_config(domain)
        guest.launch()
        guest.wait_for_state([power_state.RUNNING], timeout=60)


def unrescue(drv, instance):
    guest = drv.host.get_guest(instance)
    saved = _unrescue_path(drv, instance)
    if not os.path.exists(saved):
        raise exception.InstanceInvalidState(
            instance_uuid=instance.uuid, attr='rescue state',
            state='not rescued', method='unrescue')
    with open(saved) as f:
        original = f.read()
    power.force_off(guest)
    _restore(drv, original)
    drv.storage.backend.delete(instance, build_context.RESCUE)
    drv.storage.backend.delete(instance, RESCUE_CONFIG)
    os.unlink(saved)


def _restore(drv, xml):
    guest = drv.host.write_instance_config(xml)
    power.force_off(guest)
    guest.launch()
    guest.wait_for_state([power_state.RUNNING], timeout=60)


def _write(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)
