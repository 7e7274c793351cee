"""An instance's files: its disks (through the image backend), the config
drive, the console log and the record spawn leaves for later rebuilds.

Layout: ``<instances_path>/<uuid>/`` holds ``console.log``,
``instance.json`` (the image metadata and network info the domain was built
from, so a hard reboot can regenerate its XML) and, while rescued,
``unrescue.xml``. Disk files are the backend's business.
"""

import json
import os
import shutil
import tempfile

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers import network
from virtdrivers import objects
from virtdrivers.image import configdrive
from virtdrivers.libvirt.builder import context as build_context

GIB = 1024 ** 3
MIB = 1024 ** 2
CONSOLE_LOG = 'console.log'
RECORD = 'instance.json'
UNRESCUE_XML = 'unrescue.xml'


class InstanceStorage:
    """Disks and files of instances, on top of one image backend."""

    def __init__(self, backend, instances_path):
        self.backend = backend
        self.instances_path = os.path.abspath(instances_path)

    def instance_dir(self, instance):
        return os.path.join(self.instances_path, instance.uuid)

    def path(self, instance, name):
        return os.path.join(self.instance_dir(instance), name)

    def console_log_path(self, instance):
        return self.path(instance, CONSOLE_LOG)

    # -- spawn ------------------------------------------------------------

    def prepare(self, txn, context, instance, image_meta, network_info,
                block_device_info=None, injected_files=(), admin_password=None,
                config_drive=False):
        """Create every disk of a new instance; return its ``DiskSpec`` list.

        Registers one undo on *txn* that removes all of it (disks, cache
        references, the instance directory), so a failure at any later step
        leaves nothing behind.
        """
        os.makedirs(self.instance_dir(instance), exist_ok=False)
        txn.on_undo('instance files', self.remove, instance)
        flavor = instance.flavor
        disks = [build_context.DiskSpec(
            build_context.ROOT, self.backend.create_from_image(
                context, instance, build_context.ROOT, image_meta,
                flavor.root_gb * GIB or None), boot_index=0)]
        ephemeral_gb = _ephemeral_gb(flavor, block_device_info)
        if ephemeral_gb:
            disks.append(build_context.DiskSpec(
                build_context.EPHEMERAL, self.backend.create_blank(
                    instance, build_context.EPHEMERAL, ephemeral_gb * GIB)))
        swap_mb = _swap_mb(flavor, block_device_info)
        if swap_mb:
            disks.append(build_context.DiskSpec(
                build_context.SWAP, self.backend.create_blank(
                    instance, build_context.SWAP, swap_mb * MIB, kind='swap')))
        if config_drive:
            disks.append(self.config_drive(instance, network_info,
                                           injected_files, admin_password))
        self.save_record(instance, image_meta, network_info)
        return disks

    def config_drive(self, instance, network_info, injected_files,
                     admin_password, name=build_context.CONFIG):
        """Build a config drive ISO and import it as disk *name*."""
        fd, iso = tempfile.mkstemp(prefix='.config-drive-',
                                   dir=self.instance_dir(instance))
        os.close(fd)
        try:
            configdrive.build_config_drive(instance, network_info,
                                           list(injected_files or ()),
                                           admin_password, iso)
            source = self.backend.import_file(instance, name, iso, 'raw')
        finally:
            fileutils.remove(iso)
        return build_context.DiskSpec(name, source, device='cdrom', readonly=True)

    # -- existing instances -----------------------------------------------

    def existing_disks(self, instance):
        """``DiskSpec`` of the instance's disks as they are now (no rescue)."""
        specs = []
        for name in self.backend.disk_names(instance):
            if name.startswith(build_context.RESCUE) or name.endswith('.rescue'):
                continue
            source = self.backend.source(instance, name)
            if name.startswith(build_context.CONFIG):
                specs.append(build_context.DiskSpec(name, source, device='cdrom',
                                                    readonly=True))
            else:
                specs.append(build_context.DiskSpec(
                    name, source, boot_index=0 if name == build_context.ROOT
                    else None))
        if not any(s.name == build_context.ROOT for s in specs):
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr='storage',
                state='without a root disk', method='rebuild its domain')
        return specs

    def save_record(self, instance, image_meta, network_info):
        data = {'image_meta': image_meta.to_dict(),
                'network_info': [dict(vif) for vif in network_info or ()]}
        fd, tmp = tempfile.mkstemp(prefix='.record-',
                                   dir=self.instance_dir(instance))
        with os.fdopen(fd, 'w') as f:
            json.dump(data, f, sort_keys=True, default=str)
        os.replace(tmp, self.path(instance, RECORD))

    def load_record(self, instance):
        """``(ImageMeta, NetworkInfo)`` saved at spawn."""
        try:
            with open(self.path(instance, RECORD)) as f:
                data = json.load(f)
        except FileNotFoundError:
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr='storage',
                state='without its spawn record', method='rebuild its domain'
            ) from None
        return (objects.ImageMeta.from_dict(data['image_meta']),
                network.NetworkInfo(network.VIF(**vif)
                                    for vif in data['network_info']))

    def remove(self, instance):
        """Remove every disk, cache reference and file of the instance."""
        self.backend.delete_all(instance)
        shutil.rmtree(self.instance_dir(instance), ignore_errors=True)


def _ephemeral_gb(flavor, block_device_info):
    ephemerals = network.bdi_ephemerals(block_device_info)
    if ephemerals:
        return sum(e.get('size', 0) for e in ephemerals)
    return flavor.ephemeral_gb


def _swap_mb(flavor, block_device_info):
    swap = network.bdi_swap(block_device_info)
    return swap['swap_size'] if swap else flavor.swap
