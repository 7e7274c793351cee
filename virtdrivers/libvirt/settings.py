"""The libvirt driver's options, read once at construction (STYLE habit 7)."""

import dataclasses
import os

from virtdrivers import exception
from virtdrivers.libvirt import profiles
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt.builder import context as build_context
from virtdrivers.libvirt.imagebackend import base as backend_base


def _port_range(text):
    low, _, high = text.partition(':')
    low, high = int(low), int(high)
    if not 0 < low <= high < 65536:
        raise exception.ConfigurationError(
            reason='[serial_console] port_range=%s is not a range of TCP '
                   'ports' % text)
    return low, high


@dataclasses.dataclass(frozen=True)
class LibvirtSettings:
    virt_type: str
    uri: str
    host: str
    my_ip: str
    instances_path: str
    base_dir: str
    lock_path: str
    images_type: str
    image_backend: str
    pools: storagepools.PoolSettings | None
    force_config_drive: bool
    wait_soft_reboot_seconds: int
    max_console_log_bytes: int
    snapshot_image_format: str | None
    rescue_image_id: str | None
    reserved_host_memory_mb: int
    reserved_host_disk_mb: int
    reserved_host_cpus: int
    cpu_allocation_ratio: float
    ram_allocation_ratio: float
    disk_allocation_ratio: float
    image_cache_min_age: int
    remove_unused_base_images: bool
    max_concurrent_disk_ops: int
    vnc_proxyclient_address: str
    spice_proxyclient_address: str
    serial_proxyclient_address: str
    serial_port_range: tuple
    builder: build_context.BuilderSettings
    backend: backend_base.BackendSettings

    @classmethod
    def from_conf(cls, conf):
        """Read every option the driver uses.

        :raises ConfigurationError: a combination that cannot work, naming
            the options (an unknown value already fails in oslo.config).
        """
        virt_type = conf.libvirt.virt_type
        profile = profiles.get(virt_type)
        instances_path = conf.instances_path
        builder = build_context.BuilderSettings.from_conf(conf)
        profile.validate_settings(builder.cpu_mode, builder.cpu_models,
                                  builder.graphics_types)
        uri = conf.libvirt.connection_uri or profile.default_uri
        # [libvirt] use_storage_pools turns images_type=default into pool.
        image_backend = storagepools.backend_name(
            conf.libvirt.images_type, conf.libvirt.use_storage_pools, uri)
        return cls(
            virt_type=virt_type,
            uri=uri,
            host=conf.host, my_ip=conf.my_ip,
            instances_path=instances_path,
            base_dir=os.path.join(instances_path,
                                  conf.image_cache.subdirectory_name),
            lock_path=os.path.join(instances_path, 'locks'),
            images_type=conf.libvirt.images_type,
            image_backend=image_backend,
            pools=storagepools.PoolSettings.from_conf(conf)
            if image_backend == 'pool' else None,
            force_config_drive=conf.force_config_drive,
            wait_soft_reboot_seconds=conf.libvirt.wait_soft_reboot_seconds,
            max_console_log_bytes=conf.libvirt.max_console_log_bytes,
            snapshot_image_format=conf.libvirt.snapshot_image_format,
            rescue_image_id=conf.libvirt.rescue_image_id,
            reserved_host_memory_mb=conf.reserved_host_memory_mb,
            reserved_host_disk_mb=conf.reserved_host_disk_mb,
            reserved_host_cpus=conf.reserved_host_cpus,
            cpu_allocation_ratio=conf.initial_cpu_allocation_ratio,
            ram_allocation_ratio=conf.initial_ram_allocation_ratio,
            disk_allocation_ratio=conf.initial_disk_allocation_ratio,
            image_cache_min_age=conf.image_cache
            .remove_unused_original_minimum_age_seconds,
            remove_unused_base_images=conf.image_cache.remove_unused_base_images,
            max_concurrent_disk_ops=conf.max_concurrent_disk_ops,
            vnc_proxyclient_address=conf.vnc.server_proxyclient_address,
            spice_proxyclient_address=conf.spice.server_proxyclient_address,
            serial_proxyclient_address=conf.serial_console.proxyclient_address,
            serial_port_range=_port_range(conf.serial_console.port_range),
            builder=builder,
            backend=backend_base.BackendSettings.from_conf(conf),
        )
