"""LibvirtDriver: short recipes over Host, Guest, the builder and storage.

Hypervisor differences are profile answers (:mod:`.profiles`); libvirt
errors are translated in :mod:`.errors`; domain XML is built from small
steps (:mod:`.builder`); disks come from the image backend chosen by
``[libvirt] images_type`` and ``use_storage_pools`` (:mod:`.storagepools`).
"""

import functools
import json
import logging
import os
import time

from oslo_concurrency import lockutils

from virtdrivers import driver
from virtdrivers import exception
from virtdrivers import network
from virtdrivers import power_state
from virtdrivers import transaction
from virtdrivers.libvirt import builder
from virtdrivers.libvirt import cold_migration
from virtdrivers.libvirt import consoles
from virtdrivers.libvirt import declarations
from virtdrivers.libvirt import detect
from virtdrivers.libvirt import guest_config
from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt import imagebackend
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import live_migration
from virtdrivers.libvirt import power
from virtdrivers.libvirt import profiles
from virtdrivers.libvirt import rebuild as vrebuild
from virtdrivers.libvirt import rescue
from virtdrivers.libvirt import resources
from virtdrivers.libvirt import serialports
from virtdrivers.libvirt import settings as vsettings
from virtdrivers.libvirt import snapshot as vsnapshot
from virtdrivers.libvirt import storage as vstorage
from virtdrivers.libvirt.builder import context as build_context

LOG = logging.getLogger(__name__)

MIN_LIBVIRT = (7, 0, 0)
MIN_QEMU = (5, 2, 0)


def uptime_line(seconds, loadavg):
    """What ``uptime`` prints, as Nova's ``get_host_uptime`` returns it."""
    days, rest = divmod(int(seconds), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    return '%s up %s%d:%02d,  load average: %.2f, %.2f, %.2f' % (
        time.strftime('%H:%M:%S'), '%d days, ' % days if days else '', hours,
        minutes, *loadavg)


class LibvirtDriver(cold_migration.ColdMigrationMixin,
                    live_migration.LiveMigrationMixin,
                    guest_config.GuestConfigMixin,
                    vrebuild.RebuildMixin,
                    driver.ComputeDriver):
    driver_name = 'libvirt'
    capabilities = declarations.for_profile(
        profiles.get('kvm'), imagebackend.load('default'),
        build_context.BuilderSettings())

    def __init__(self, virtapi, conf=None, image_service=None):
        super().__init__(virtapi, conf=conf, image_service=image_service)
        self.settings = vsettings.LibvirtSettings.from_conf(self.conf)
        self.profile = profiles.get(
            self.settings.virt_type,
            self.settings.builder.default_vm_modes.get(self.settings.virt_type))
        self.backend_cls = imagebackend.load(self.settings.image_backend,
                                             self.settings.backend.use_cow)
        self.profile.check_disk_format(self.backend_cls.disk_format,
                                       self.settings.images_type)
        self.capabilities = declarations.for_host(
            self.profile, self.backend_cls, self.settings.builder,
            self.settings.backend)
        self.host = vhost.Host(self.settings.uri, lifecycle_callback=self.emit_event)
        self._host_limits = frozenset()
        self._vcpu_counts = resources.VcpuCounts()
        self.serial_ports = serialports.PortAllocator(
            self.settings.builder.serial_console_listen,
            self.settings.serial_port_range)

    @classmethod
    def support_matrix_columns(cls):
        backend = imagebackend.load('default')
        return {'libvirt-%s' % name: declarations.for_profile(
                    profiles.by_name(name), backend, build_context.BuilderSettings())
                for name in profiles.names()}

    @functools.cached_property
    def storage(self):
        cache = imagecache.ImageCache.from_conf(self.conf, self.image_service)
        args = (self.settings.instances_path, cache, self.settings.backend)
        if self.settings.pools is not None:
            # pool: libvirt storage pools, on the driver's own connection.
            backend = self.backend_cls(*args, host=self.host,
                                       pools=self.settings.pools)
        else:
            # Options of its own (lvm, rbd) are read, and checked, here.
            backend = self.backend_cls.from_conf(*args, self.conf)
        return vstorage.InstanceStorage(backend, self.settings.instances_path)

    # -- helpers ----------------------------------------------------------

    @staticmethod
    def _lock(instance):
        return lockutils.lock('virtdrivers-instance-%s' % instance.uuid)

    def _image_of(self, instance):
        try:
            return self.storage.load_record(instance)[0]
        except exception.InstanceInvalidState:
            return None

    def capabilities_for(self, instance=None, image_meta=None):
        if image_meta is None and instance is not None:
            image_meta = self._image_of(instance)
        if image_meta is None:
            return self.capabilities
        return declarations.for_image(
            self.profile, self.backend_cls, self.settings.builder,
            self.settings.backend, self._host_limits, image_meta)

    def describe_kind(self, instance=None, image_meta=None):
        if image_meta is None and instance is not None:
            image_meta = self._image_of(instance)
        profile = self.profile.for_image(image_meta) if image_meta else \
            self.profile
        agent = image_meta is not None and \
            image_meta.properties.get('hw_qemu_guest_agent')
        if agent or not profile.agent_operations:
            return '%s (profile %s)' % (profile.description, profile.name)
        return '%s (profile %s) without the QEMU guest agent (image property ' \
            'hw_qemu_guest_agent)' % (profile.description, profile.name)

    def _context(self, instance, image_meta, network_info, disks, rescue=False,
                 serial_ports=()):
        return build_context.BuildContext(
            instance=instance, image_meta=image_meta, profile=self.profile,
            network_info=network_info or (), disks=disks,
            console_log_path=self.storage.console_log_path(instance),
            settings=self.settings.builder, rescue=rescue,
            serial_ports=serial_ports)

    def _new_serial_ports(self, txn):
        """A TCP port for the serial console when they are enabled."""
        if not self.settings.builder.serial_console_enabled:
            return ()
        port = self.serial_ports.acquire()
        txn.on_undo('serial port', self.serial_ports.release, port)
        return (port,)

    # -- lifecycle --------------------------------------------------------

    def init_host(self, host):
        os.makedirs(self.settings.instances_path, exist_ok=True)
        # Build the image backend now: one that checks its storage (lvm: the
        # volume group) fails at start-up, not at the first spawn.
        LOG.debug('Image backend %s ready', self.storage.backend.name)
        self.host.get_connection()
        self.host.check_versions(min_libvirt=MIN_LIBVIRT, min_qemu=MIN_QEMU)
        if profiles.needs_host_detection(self.profile, self.host.get_hv_type(),
                                         self.settings.uri):
            detect.require(self.profile.host_hypervisor, self.settings.virt_type)
        if self.settings.builder.serial_console_enabled:
            for guest in self.host.list_guests():
                self.serial_ports.claim(serialports.ports_of(guest.get_config()))
        self.storage.backend.prepare_host(self.host)
        limits = profiles.unsupported_on(self.host.get_hv_type()) | \
            self._init_pools()
        self._host_limits = limits
        self.capabilities = self.capabilities.without(
            *(limits & self.capabilities.operations))
        LOG.info('libvirt driver ready: %s on %s (image backend %s)',
                 self.profile.name, self.settings.uri,
                 self.settings.image_backend)

    def _init_pools(self):
        """With the pool backend: create and start its storage pools, name
        the instances still on file disks; return what the pools cannot do
        here."""
        if self.settings.pools is None:
            return frozenset()
        backend = self.storage.backend
        limits = backend.start()
        for guest in self.host.list_guests():
            names = backend.legacy_disk_names(guest)
            if names:
                LOG.warning('Instance %s still has disks as files (%s); they '
                            'move into storage pool %s at its next hard '
                            'reboot or power on', guest.uuid, ', '.join(names),
                            self.settings.pools.disks_pool)
        return limits

    def _move_into_pool(self, instance, guest):
        """Move an instance's file disks into the storage pool while its
        guest is off (hard reboot, power on); a move that fails leaves them
        where they are and the instance as it was."""
        if self.settings.pools is None or os.path.exists(
                self.storage.path(instance, vstorage.UNRESCUE_XML)):
            return False
        try:
            return bool(self.storage.backend.move_into_pool(instance, guest))
        except exception.VirtDriverError as err:
            LOG.warning('Instance %s: its disks stay files: %s', instance.uuid,
                        err)
            return False

    def cleanup_host(self, host):
        self.host.cleanup()

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True, accel_info=None):
        profile = self.profile.for_image(image_meta)
        profile.validate_image(image_meta, self.settings.builder.hw_machine_type)
        self._check_image_format(image_meta)
        config_drive = self._wants_config_drive(instance, injected_files)
        self._check_spawn_features(instance, image_meta, config_drive,
                                   injected_files, block_device_info)
        with self._lock(instance), \
                transaction.Transaction('spawn', instance.uuid) as txn:
            self._refuse_existing(instance)
            disks = self.storage.prepare(
                txn, context, instance, image_meta, network_info,
                block_device_info, injected_files, admin_password, config_drive)
            domain = builder.build_domain(self._context(
                instance, image_meta, network_info, disks,
                serial_ports=self._new_serial_ports(txn)))
            guest = self.host.write_instance_config(domain)
            txn.on_undo('domain', self._remove_domain, instance)
            if power_on:
                guest.launch()
                guest.wait_for_state([power_state.RUNNING], timeout=60)
                self.write_guest_config(instance, network_info)
        LOG.info('Spawned instance %s', instance.uuid)

    def _remove_domain(self, instance):
        """Stop and undefine the domain a failed spawn defined.

        Looked up again rather than through the Guest that defined it: when
        libvirtd restarted meanwhile, that Guest's connection is gone and
        only a new one (the Host reconnects) can remove the domain.
        """
        try:
            guest = self.host.get_guest(instance)
        except exception.InstanceNotFound:
            return
        power.force_off(guest)
        guest.undefine()

    def _check_image_format(self, image_meta):
        fmt = image_meta.disk_format
        if fmt and not self.capabilities.get('supports_image_type_%s' % fmt):
            raise exception.InvalidImage(
                image_id=image_meta.id,
                reason='disk_format %r is not supported with images_type=%s'
                % (fmt, self.settings.images_type))

    def _wants_config_drive(self, instance, injected_files):
        return bool(instance.get('config_drive') or self.settings.force_config_drive
                    or injected_files)

    def _check_spawn_features(self, instance, image_meta, config_drive,
                              injected_files, block_device_info):
        flavor = instance.flavor
        # Injected files before the config drive they imply: the refusal
        # names what was asked for.
        wanted = {'attach-volume': bool(network.bdi_mapping(block_device_info)),
                  'inject-files': bool(injected_files),
                  'config-drive': config_drive,
                  'swap-disk': bool(vstorage._swap_mb(flavor, block_device_info)),
                  'ephemeral-disk': bool(vstorage._ephemeral_gb(
                      flavor, block_device_info))}
        for operation, asked in wanted.items():
            if asked:
                self.require(operation, instance, image_meta)

    def _refuse_existing(self, instance):
        try:
            self.host.get_guest(instance)
        except exception.InstanceNotFound:
            return
        raise exception.InstanceExists(name=instance.name)

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            power.force_off(guest)
            self._cleanup(instance, guest, destroy_disks)
        LOG.info('Destroyed instance %s', instance.uuid)

    def cleanup(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, migrate_data=None, destroy_vifs=True,
                destroy_secrets=True):
        with self._lock(instance):
            try:
                guest = self.host.get_guest(instance)
            except exception.InstanceNotFound:
                guest = None
            self._cleanup(instance, guest, destroy_disks)

    def _cleanup(self, instance, guest, destroy_disks):
        self.config_channels.close(instance.uuid)
        if guest is not None:
            ports = serialports.ports_of(guest.get_config(dump_inactive=True))
            guest.undefine()
            self.serial_ports.release(*ports)
        if destroy_disks:
            self.storage.remove(instance)

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None,
               accel_info=None, share_info=None):
        if reboot_type not in ('SOFT', 'HARD'):
            raise exception.InvalidInput(
                reason='reboot_type must be SOFT or HARD, got %r' % (reboot_type,))
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            if reboot_type == 'SOFT' and self._soft_reboot(guest):
                self.write_guest_config(instance, network_info)
                return
            self._hard_reboot(instance, guest, network_info)

    def _soft_reboot(self, guest):
        """Nova's soft reboot: ACPI shutdown, then start it again."""
        if guest.get_power_state() != power_state.RUNNING:
            return False
        if not power.clean_shutdown(guest, self.settings.wait_soft_reboot_seconds):
            return False
        guest.launch()
        guest.wait_for_state([power_state.RUNNING], timeout=60)
        return True

    def _hard_reboot(self, instance, guest, network_info=None):
        """Destroy, regenerate the domain XML from the instance's disks, start."""
        image_meta, saved_network = self.storage.load_record(instance)
        ports = serialports.ports_of(guest.get_config(dump_inactive=True))

        def build():
            return builder.build_domain(self._context(
                instance, image_meta, network_info or saved_network,
                self.storage.existing_disks(instance), serial_ports=ports))

        domain = build()
        power.force_off(guest)
        if guest.has_managed_save():
            guest.remove_managed_save()
        if self._move_into_pool(instance, guest):
            domain = build()
        guest = self.host.write_instance_config(domain)
        guest.launch()
        guest.wait_for_state([power_state.RUNNING], timeout=60)
        self.write_guest_config(instance, network_info)
        return guest

    def power_off(self, instance, timeout=0, retry_interval=0):
        with self._lock(instance):
            power.power_off(self.host.get_guest(instance), timeout, retry_interval)

    def power_on(self, context, instance, network_info,
                 block_device_info=None, accel_info=None, share_info=None):
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            if guest.get_power_state() != power_state.RUNNING:
                self._hard_reboot(instance, guest, network_info)

    def resume_state_on_host_boot(self, context, instance, network_info,
                                  share_info, block_device_info=None):
        self.power_on(context, instance, network_info, block_device_info)

    def pause(self, instance):
        self.require('pause', instance)
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            power.expect(guest, 'pause', power_state.RUNNING)
            guest.pause()

    def unpause(self, instance):
        self.require('pause', instance)
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            power.expect(guest, 'unpause', power_state.PAUSED)
            guest.resume()

    def suspend(self, context, instance):
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            power.expect(guest, 'suspend', *power.RUNNING_STATES)
            guest.managed_save()

    def resume(self, context, instance, network_info, block_device_info=None,
               share_info=None):
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            if not guest.has_managed_save():
                raise exception.InstanceInvalidState(
                    instance_uuid=instance.uuid, attr='power state',
                    state=power_state.name(guest.get_power_state()),
                    method='resume (it is not suspended)')
            guest.create()
            guest.wait_for_state([power_state.RUNNING, power_state.PAUSED], 60)
            if guest.get_power_state() == power_state.PAUSED:
                guest.resume()
            self.write_guest_config(instance, network_info)

    def rescue(self, context, instance, network_info, image_meta,
               rescue_password, block_device_info, share_info):
        with self._lock(instance):
            rescue.rescue(self, context, instance, network_info, image_meta,
                          rescue_password)

    def unrescue(self, context, instance):
        with self._lock(instance):
            rescue.unrescue(self, instance)

    def set_admin_password(self, instance, new_pass):
        self.require('set-admin-password', instance)
        guest = self.host.get_guest(instance)
        power.expect(guest, 'set_admin_password', power_state.RUNNING)
        image_meta = self._image_of(instance)
        user = image_meta.properties.get('os_admin_user') or 'root'
        guest.set_user_password(user, new_pass)

    def quiesce(self, context, instance, image_meta):
        self.require('quiesce', instance, image_meta)
        guest = self.host.get_guest(instance)
        power.expect(guest, 'quiesce', power_state.RUNNING)
        # The agent reports how many filesystems it froze: none means they
        # are frozen already (a guest with nothing to freeze is refused too).
        if not guest.freeze_filesystems():
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr='filesystems',
                state='frozen (or with none to freeze)', method='quiesce')

    def unquiesce(self, context, instance, image_meta):
        self.require('quiesce', instance, image_meta)
        guest = self.host.get_guest(instance)
        power.expect(guest, 'unquiesce', power_state.RUNNING)
        if not guest.thaw_filesystems():
            raise exception.InstanceInvalidState(
                instance_uuid=instance.uuid, attr='filesystems',
                state='not frozen', method='unquiesce')

    def trigger_crash_dump(self, instance):
        self.require('trigger-crash-dump', instance)
        guest = self.host.get_guest(instance)
        power.expect(guest, 'trigger_crash_dump', power_state.RUNNING)
        guest.inject_nmi()

    # -- information ------------------------------------------------------

    def get_info(self, instance, use_cache=True):
        return self.host.get_guest(instance).get_info()

    def list_instances(self):
        return [guest.name for guest in self.host.list_guests()]

    def list_instance_uuids(self):
        return [guest.uuid for guest in self.host.list_guests()]

    def get_instance_diagnostics(self, instance):
        self.require('diagnostics', instance)
        guest = self.host.get_guest(instance)
        return resources.instance_diagnostics(
            guest, self.driver_name, self.profile.virt_type,
            self.storage.backend.exists(instance, build_context.CONFIG))

    def get_diagnostics(self, instance):
        return self.get_instance_diagnostics(instance).serialize()

    def get_instance_disk_info(self, instance, block_device_info=None):
        self.host.get_guest(instance)
        return json.dumps(self.storage.backend.disk_info(instance))

    def block_stats(self, instance, disk_id):
        return consoles.block_stats(self.host.get_guest(instance), disk_id)

    # -- consoles ---------------------------------------------------------

    def get_console_output(self, context, instance):
        self.require('console-output', instance)
        self.host.get_guest(instance)
        return consoles.console_log(self.storage.console_log_path(instance),
                                    self.settings.max_console_log_bytes)

    def get_vnc_console(self, context, instance):
        self.require('vnc-console', instance)
        return consoles.graphics(self.host.get_guest(instance), 'vnc',
                                 self.settings.vnc_proxyclient_address)

    def get_spice_console(self, context, instance):
        self.require('spice-console', instance)
        return consoles.graphics(self.host.get_guest(instance), 'spice',
                                 self.settings.spice_proxyclient_address)

    def get_serial_console(self, context, instance):
        self.require('serial-console', instance)
        return consoles.serial(self.host.get_guest(instance),
                               self.settings.serial_proxyclient_address)

    # -- snapshots and images ---------------------------------------------

    def snapshot(self, context, instance, image_id, update_task_state):
        self.require('snapshot', instance)
        with self._lock(instance):
            vsnapshot.snapshot(self, context, instance, image_id,
                               update_task_state)

    def cache_image(self, context, image_id):
        image_meta = self.image_service.show(context, image_id)
        cache = self.storage.backend.cache
        if cache.references(cache.path_for(image_id)) or \
                os.path.isfile(cache.path_for(image_id)):
            return False
        cache.fetch(context, image_meta)
        return True

    def manage_image_cache(self, context, all_instances):
        removed, _kept = self.storage.backend.cache.manage(
            self.settings.image_cache_min_age,
            remove_unused=self.settings.remove_unused_base_images)
        for path in removed:
            LOG.info('Removed unused base image %s', path)

    # -- host -------------------------------------------------------------

    def get_available_nodes(self, refresh=False):
        return [self.settings.host]

    def get_available_resource(self, nodename):
        return resources.available_resource(self.host, self.settings,
                                            self.profile, nodename,
                                            self.storage.backend,
                                            self._vcpu_counts)

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        found = self.get_available_resource(nodename)
        provider_tree.update_inventory(
            nodename, resources.inventory(found, self.settings))
        provider_tree.update_traits(
            nodename, {t for t, on in self.capabilities_as_traits().items() if on})

    def get_host_ip_addr(self):
        return self.settings.my_ip

    def get_host_uptime(self):
        return uptime_line(self.host.get_uptime(), os.getloadavg())

    def get_host_cpu_stats(self):
        return self.host.get_cpu_stats()
