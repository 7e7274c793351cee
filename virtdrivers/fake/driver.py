"""FakeDriver: a complete compute driver that keeps everything in memory.

It is the reference the contract suite is written against, and what
``virtdrivers smoke`` falls back to. State transitions are real: a paused
instance reports PAUSED, pausing a shut-off one raises
``InstanceInvalidState``, an unknown instance raises ``InstanceNotFound``.
"""

import dataclasses
import json
import logging
import os
import tempfile
import threading
import time

from virtdrivers import capabilities as caps
from virtdrivers import console
from virtdrivers import diagnostics
from virtdrivers import driver
from virtdrivers import events
from virtdrivers import exception
from virtdrivers import network
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers.fake import migration as fake_migration
from virtdrivers.fake import state
from virtdrivers.fake import storage as fake_storage

LOG = logging.getLogger(__name__)

_TRANSITION_EVENTS = {
    power_state.RUNNING: events.EVENT_LIFECYCLE_STARTED,
    power_state.SHUTDOWN: events.EVENT_LIFECYCLE_STOPPED,
    power_state.PAUSED: events.EVENT_LIFECYCLE_PAUSED,
    power_state.SUSPENDED: events.EVENT_LIFECYCLE_SUSPENDED,
}


@dataclasses.dataclass(frozen=True)
class FakeSettings:
    """The options the fake driver reads, once, at construction."""

    host: str
    my_ip: str
    force_config_drive: bool
    reserved_host_memory_mb: int
    reserved_host_disk_mb: int
    reserved_host_cpus: int
    cpu_ratio: float
    ram_ratio: float
    disk_ratio: float
    image_cache_min_age: int

    @classmethod
    def from_conf(cls, conf):
        return cls(host=conf.host, my_ip=conf.my_ip,
                   force_config_drive=conf.force_config_drive,
                   reserved_host_memory_mb=conf.reserved_host_memory_mb,
                   reserved_host_disk_mb=conf.reserved_host_disk_mb,
                   reserved_host_cpus=conf.reserved_host_cpus,
                   cpu_ratio=conf.initial_cpu_allocation_ratio,
                   ram_ratio=conf.initial_ram_allocation_ratio,
                   disk_ratio=conf.initial_disk_allocation_ratio,
                   image_cache_min_age=conf.image_cache
                   .remove_unused_original_minimum_age_seconds)


class FakeDriver(fake_storage.FakeStorageMixin, fake_migration.FakeMigrationMixin,
                 driver.ComputeDriver):
    """An in-memory hypervisor with a fixed-size host."""

    driver_name = 'fake'
    HOST_VCPUS = 16
    HOST_MEMORY_MB = 32768
    HOST_DISK_GB = 1024
    capabilities = caps.Capabilities(
        has_imagecache=True, supports_evacuate=True,
        supports_migrate_to_same_host=True, supports_attach_interface=True,
        supports_extend_volume=True, supports_multiattach=True,
        supports_image_type_raw=True, supports_image_type_qcow2=True,
        supports_image_type_iso=True,
        operations={
            'reboot', 'power', 'pause', 'suspend', 'resume-state-on-host-boot',
            'rescue', 'snapshot', 'rebuild', 'evacuate', 'resize',
            'live-migrate', 'soft-delete', 'set-admin-password',
            'trigger-crash-dump', 'quiesce', 'console-output', 'vnc-console',
            'spice-console', 'serial-console', 'diagnostics', 'attach-volume',
            'swap-volume', 'extend-volume', 'volume-usage', 'block-stats',
            'disk-info', 'device-names', 'attach-interface', 'plug-vifs',
            'inject-files', 'config-drive', 'swap-disk', 'ephemeral-disk',
            'cache-images', 'image-cache', 'host-uptime', 'host-ip',
            'host-cpu-stats'})

    def __init__(self, virtapi, conf=None, image_service=None):
        super().__init__(virtapi, conf=conf, image_service=image_service)
        self.settings = FakeSettings.from_conf(self.conf)
        self._lock = threading.RLock()
        self._instances = {}
        self._image_cache = {}     # image id -> last time an instance used it
        self._booted_at = time.time()
        self._console_ports = iter(range(5900, 65535))

    # -- helpers ----------------------------------------------------------

    def _get(self, instance):
        try:
            return self._instances[instance.uuid]
        except KeyError:
            raise exception.InstanceNotFound(instance_id=instance.uuid) from None

    def _expect(self, rec, method, *allowed):
        if rec.state not in allowed:
            raise exception.InstanceInvalidState(
                instance_uuid=rec.uuid, attr='power state',
                state=power_state.name(rec.state), method=method)

    def _set_state(self, rec, new_state, line):
        old, rec.state = rec.state, new_state
        rec.log(line)
        transition = _TRANSITION_EVENTS.get(new_state)
        if new_state == power_state.RUNNING and old in (power_state.PAUSED,
                                                        power_state.SUSPENDED):
            transition = events.EVENT_LIFECYCLE_RESUMED
        if transition is not None and old != new_state:
            self.emit_event(events.LifecycleEvent(rec.uuid, transition))

    # -- lifecycle --------------------------------------------------------

    def init_host(self, host):
        fake_migration.register_host(self)
        LOG.info('Fake driver ready on host %s', host)

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True, accel_info=None):
        self._check_spawn_features(instance, image_meta, injected_files,
                                   block_device_info)
        with self._lock:
            if instance.uuid in self._instances:
                raise exception.InstanceExists(name=instance.name)
            self._fetch_image(context, image_meta)
            rec = state.FakeInstance(
                uuid=instance.uuid, name=instance.name, flavor=instance.flavor,
                image_id=image_meta.id, state=power_state.SHUTDOWN,
                disks=self._disks_for(instance.flavor, block_device_info),
                injected_files=list(injected_files or ()),
                config_drive=self._wants_config_drive(instance),
                admin_password_set=bool(admin_password))
            for vif in network_info or ():
                rec.vifs[vif['id']] = vif
            self._instances[instance.uuid] = rec
            if power_on:
                self._set_state(rec, power_state.RUNNING, 'boot')
        LOG.info('Spawned instance %s', instance.uuid)

    def _wants_config_drive(self, instance):
        return bool(instance.get('config_drive')) or self.settings.force_config_drive

    def _check_spawn_features(self, instance, image_meta, injected_files,
                              block_device_info):
        wanted = {
            'inject-files': bool(injected_files),
            'config-drive': self._wants_config_drive(instance),
            'swap-disk': bool(instance.flavor.swap or
                              network.bdi_swap(block_device_info)),
            'ephemeral-disk': bool(instance.flavor.ephemeral_gb or
                                   network.bdi_ephemerals(block_device_info)),
        }
        for operation, asked in wanted.items():
            if asked:
                self.require(operation, instance, image_meta)
        fmt = image_meta.disk_format
        if fmt and not self.capabilities.get('supports_image_type_%s' % fmt):
            raise exception.InvalidImage(
                image_id=image_meta.id,
                reason='disk_format %r is not supported by the %s driver'
                % (fmt, self.driver_name))

    def _fetch_image(self, context, image_meta):
        if image_meta.id is None:
            return
        if image_meta.id not in self._image_cache:
            # Fetching checks that the image exists; the data stays put.
            self.image_service.show(context, image_meta.id)
        self._image_cache[image_meta.id] = time.time()

    @staticmethod
    def _disks_for(flavor, block_device_info):
        disks = {'disk': flavor.root_gb}
        if flavor.ephemeral_gb:
            disks['disk.local'] = flavor.ephemeral_gb
        for i, eph in enumerate(network.bdi_ephemerals(block_device_info)):
            disks['disk.eph%d' % i] = eph.get('size', 0)
        swap = network.bdi_swap(block_device_info)
        if swap or flavor.swap:
            disks['disk.swap'] = swap['swap_size'] if swap else flavor.swap
        return disks

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        with self._lock:
            rec = self._get(instance)
            if rec.state != power_state.SHUTDOWN:
                self._set_state(rec, power_state.SHUTDOWN, 'destroyed')
            del self._instances[instance.uuid]
        LOG.info('Destroyed instance %s', instance.uuid)

    def cleanup(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, migrate_data=None, destroy_vifs=True,
                destroy_secrets=True):
        with self._lock:
            rec = self._instances.get(instance.uuid)
            if rec is not None and rec.state == power_state.SHUTDOWN:
                del self._instances[instance.uuid]

    def rebuild(self, context, instance, image_meta, injected_files,
                admin_password, allocations, bdms, detach_block_devices,
                attach_block_devices, network_info=None, evacuate=False,
                block_device_info=None, preserve_ephemeral=False,
                accel_uuids=None, reimage_boot_volume=False):
        with self._lock:
            if evacuate and instance.uuid not in self._instances:
                return self.spawn(context, instance, image_meta, injected_files,
                                  admin_password, allocations, network_info,
                                  block_device_info)
            rec = self._get(instance)
            self._fetch_image(context, image_meta)
            rec.image_id = image_meta.id
            if not preserve_ephemeral:
                rec.disks = self._disks_for(instance.flavor, block_device_info)
            self._set_state(rec, power_state.SHUTDOWN, 'rebuilding')
            self._set_state(rec, power_state.RUNNING, 'boot (rebuilt)')
        return None

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None,
               accel_info=None, share_info=None):
        if reboot_type not in ('SOFT', 'HARD'):
            raise exception.InvalidInput(
                reason='reboot_type must be SOFT or HARD, got %r' % (reboot_type,))
        with self._lock:
            rec = self._get(instance)
            # A soft reboot of a guest that is not running becomes a hard
            # one, as with a real hypervisor.
            self._set_state(rec, power_state.SHUTDOWN, '%s reboot' % reboot_type)
            self._set_state(rec, power_state.RUNNING, 'boot')

    def rescue(self, context, instance, network_info, image_meta,
               rescue_password, block_device_info, share_info):
        with self._lock:
            rec = self._get(instance)
            if rec.rescued:
                raise exception.InstanceInvalidState(
                    instance_uuid=rec.uuid, attr='rescue state', state='rescued',
                    method='rescue')
            rec.rescued = True
            self._set_state(rec, power_state.SHUTDOWN, 'entering rescue')
            self._set_state(rec, power_state.RUNNING, 'boot (rescue)')

    def unrescue(self, context, instance):
        with self._lock:
            rec = self._get(instance)
            if not rec.rescued:
                raise exception.InstanceInvalidState(
                    instance_uuid=rec.uuid, attr='rescue state',
                    state='not rescued', method='unrescue')
            rec.rescued = False
            self._set_state(rec, power_state.SHUTDOWN, 'leaving rescue')
            self._set_state(rec, power_state.RUNNING, 'boot')

    def soft_delete(self, instance):
        with self._lock:
            rec = self._get(instance)
            rec.soft_deleted = True
            self._set_state(rec, power_state.SHUTDOWN, 'soft deleted')

    def restore(self, instance):
        with self._lock:
            rec = self._get(instance)
            if not rec.soft_deleted:
                raise exception.InstanceInvalidState(
                    instance_uuid=rec.uuid, attr='deletion state',
                    state='not soft-deleted', method='restore')
            rec.soft_deleted = False
            self._set_state(rec, power_state.RUNNING, 'boot (restored)')

    def set_admin_password(self, instance, new_pass):
        with self._lock:
            rec = self._get(instance)
            self._expect(rec, 'set_admin_password', power_state.RUNNING)
            rec.admin_password_set = True
            rec.log('admin password changed')

    def trigger_crash_dump(self, instance):
        with self._lock:
            rec = self._get(instance)
            self._expect(rec, 'trigger_crash_dump', power_state.RUNNING)
            rec.log('NMI received: crash dump written')

    def quiesce(self, context, instance, image_meta):
        with self._lock:
            rec = self._get(instance)
            self._expect(rec, 'quiesce', power_state.RUNNING)
            if rec.frozen:
                raise exception.InstanceInvalidState(
                    instance_uuid=rec.uuid, attr='filesystems', state='frozen',
                    method='quiesce')
            rec.frozen = True

    def unquiesce(self, context, instance, image_meta):
        with self._lock:
            rec = self._get(instance)
            if not rec.frozen:
                raise exception.InstanceInvalidState(
                    instance_uuid=rec.uuid, attr='filesystems', state='thawed',
                    method='unquiesce')
            rec.frozen = False

    # -- information ------------------------------------------------------

    def get_info(self, instance, use_cache=True):
        with self._lock:
            return objects.InstanceInfo(state=self._get(instance).state,
                                        internal_id=instance.uuid)

    def list_instances(self):
        with self._lock:
            return [rec.name for rec in self._instances.values()]

    def list_instance_uuids(self):
        with self._lock:
            return list(self._instances)

    def get_diagnostics(self, instance):
        return self.get_instance_diagnostics(instance).serialize()

    def get_instance_diagnostics(self, instance):
        with self._lock:
            rec = self._get(instance)
            return diagnostics.Diagnostics(
                state=power_state.name(rec.state), driver=self.driver_name,
                hypervisor='fake', hypervisor_os='fake',
                uptime=int(time.time() - rec.started_at),
                config_drive=rec.config_drive,
                memory_details={'maximum': rec.flavor.memory_mb, 'used': 0},
                cpu_details=[diagnostics.CpuDiagnostics(id=i, time=0)
                             for i in range(rec.flavor.vcpus)],
                nic_details=[diagnostics.NicDiagnostics(mac_address=v['address'])
                             for v in rec.vifs.values()],
                disk_details=[diagnostics.DiskDiagnostics() for _ in rec.disks])

    # -- power ------------------------------------------------------------

    def power_off(self, instance, timeout=0, retry_interval=0):
        with self._lock:
            rec = self._get(instance)
            if rec.state != power_state.SHUTDOWN:
                self._set_state(rec, power_state.SHUTDOWN, 'powered off')

    def power_on(self, context, instance, network_info,
                 block_device_info=None, accel_info=None, share_info=None):
        with self._lock:
            rec = self._get(instance)
            if rec.state != power_state.RUNNING:
                self._set_state(rec, power_state.RUNNING, 'boot')

    def pause(self, instance):
        with self._lock:
            rec = self._get(instance)
            self._expect(rec, 'pause', power_state.RUNNING)
            self._set_state(rec, power_state.PAUSED, 'paused')

    def unpause(self, instance):
        with self._lock:
            rec = self._get(instance)
            self._expect(rec, 'unpause', power_state.PAUSED)
            self._set_state(rec, power_state.RUNNING, 'unpaused')

    def suspend(self, context, instance):
        with self._lock:
            rec = self._get(instance)
            self._expect(rec, 'suspend', power_state.RUNNING, power_state.PAUSED)
            self._set_state(rec, power_state.SUSPENDED, 'suspended')

    def resume(self, context, instance, network_info, block_device_info=None,
               share_info=None):
        with self._lock:
            rec = self._get(instance)
            self._expect(rec, 'resume', power_state.SUSPENDED)
            self._set_state(rec, power_state.RUNNING, 'resumed')

    def resume_state_on_host_boot(self, context, instance, network_info,
                                  share_info, block_device_info=None):
        with self._lock:
            rec = self._get(instance)
            if rec.state != power_state.RUNNING:
                self._set_state(rec, power_state.RUNNING, 'boot (host boot)')

    # -- consoles ---------------------------------------------------------

    def get_console_output(self, context, instance):
        with self._lock:
            return ('\n'.join(self._get(instance).console) + '\n').encode()

    def _graphics(self, instance, kind, factory):
        with self._lock:
            rec = self._get(instance)
            if rec.state != power_state.RUNNING:
                raise exception.ConsoleNotAvailable(
                    instance_id=rec.uuid,
                    reason='%s console needs a running instance' % kind)
            return factory(host=self.settings.my_ip, port=next(self._console_ports))

    def get_vnc_console(self, context, instance):
        return self._graphics(instance, 'VNC', console.ConsoleVNC)

    def get_spice_console(self, context, instance):
        return self._graphics(instance, 'SPICE', console.ConsoleSpice)

    def get_serial_console(self, context, instance):
        return self._graphics(instance, 'serial', console.ConsoleSerial)

    # -- snapshots and images ---------------------------------------------

    def snapshot(self, context, instance, image_id, update_task_state):
        with self._lock:
            rec = self._get(instance)
            content = json.dumps({'instance': rec.uuid, 'image': rec.image_id,
                                  'disks': rec.disks}, sort_keys=True)
        self.image_service.show(context, image_id)
        update_task_state(task_state='image_pending_upload')
        fd, path = tempfile.mkstemp(prefix='fake-snapshot-')
        try:
            with os.fdopen(fd, 'w') as f:
                f.write(content)
            update_task_state(task_state='image_uploading',
                              expected_state='image_pending_upload')
            self.image_service.update(
                context, image_id,
                {'disk_format': 'raw', 'container_format': 'bare',
                 'properties': {'image_location': 'snapshot',
                                'instance_uuid': rec.uuid}},
                data_path=path)
        finally:
            os.unlink(path)

    def cache_image(self, context, image_id):
        with self._lock:
            if image_id in self._image_cache:
                return False
            self.image_service.show(context, image_id)
            self._image_cache[image_id] = time.time()
            return True

    def manage_image_cache(self, context, all_instances):
        with self._lock:
            in_use = {rec.image_id for rec in self._instances.values()}
            in_use |= {getattr(i, 'image_ref', None) for i in all_instances}
            now = time.time()
            for image_id, used in list(self._image_cache.items()):
                if (image_id not in in_use and
                        now - used >= self.settings.image_cache_min_age):
                    LOG.info('Removing unused base image %s', image_id)
                    del self._image_cache[image_id]
                elif image_id in in_use:
                    self._image_cache[image_id] = now

    # -- host -------------------------------------------------------------

    def get_available_nodes(self, refresh=False):
        return [self.settings.host]

    def get_available_resource(self, nodename):
        with self._lock:
            flavors = [rec.flavor for rec in self._instances.values()]
        return {
            'vcpus': self.HOST_VCPUS, 'memory_mb': self.HOST_MEMORY_MB,
            'local_gb': self.HOST_DISK_GB,
            'vcpus_used': sum(f.vcpus for f in flavors),
            'memory_mb_used': self.settings.reserved_host_memory_mb +
            sum(f.memory_mb for f in flavors),
            'local_gb_used': sum(f.root_gb + f.ephemeral_gb for f in flavors),
            'hypervisor_type': 'fake', 'hypervisor_version': 1000,
            'hypervisor_hostname': nodename,
            'cpu_info': json.dumps({'arch': 'x86_64', 'model': 'fake',
                                    'vendor': 'fake', 'features': [],
                                    'topology': {'sockets': 1, 'cores':
                                                 self.HOST_VCPUS, 'threads': 1}}),
            'disk_available_least': self.HOST_DISK_GB -
            sum(f.root_gb + f.ephemeral_gb for f in flavors),
            'supported_instances': [('x86_64', 'fake', 'hvm')],
            'numa_topology': None, 'pci_passthrough_devices': '[]',
            'stats': {},
        }

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        s = self.settings
        provider_tree.update_inventory(nodename, {
            'VCPU': {'total': self.HOST_VCPUS, 'min_unit': 1,
                     'max_unit': self.HOST_VCPUS, 'step_size': 1,
                     'reserved': s.reserved_host_cpus,
                     'allocation_ratio': s.cpu_ratio},
            'MEMORY_MB': {'total': self.HOST_MEMORY_MB, 'min_unit': 1,
                          'max_unit': self.HOST_MEMORY_MB, 'step_size': 1,
                          'reserved': s.reserved_host_memory_mb,
                          'allocation_ratio': s.ram_ratio},
            'DISK_GB': {'total': self.HOST_DISK_GB, 'min_unit': 1,
                        'max_unit': self.HOST_DISK_GB, 'step_size': 1,
                        'reserved': -(-s.reserved_host_disk_mb // 1024),
                        'allocation_ratio': s.disk_ratio},
        })
        traits = {t for t, on in self.capabilities_as_traits().items() if on}
        provider_tree.update_traits(nodename, traits)

    def get_host_ip_addr(self):
        return self.settings.my_ip

    def get_host_uptime(self):
        up = int(time.time() - self._booted_at)
        return '%s up %d:%02d, %d users' % (
            time.strftime('%H:%M:%S'), up // 3600, (up // 60) % 60,
            len(self._instances))

    def get_host_cpu_stats(self):
        busy = int((time.time() - self._booted_at) * 1e9)
        return {'kernel': busy // 10, 'idle': busy * 8 // 10, 'user': busy // 10,
                'iowait': 0, 'frequency': 2400}
