"""FakeDriver's resize, cold and live migration.

Fake hosts find each other through a process-wide registry keyed by host
name, so a live migration really moves the instance between two drivers.
"""

import json
import threading
import weakref

from virtdrivers import exception
from virtdrivers import power_state

_HOSTS = weakref.WeakValueDictionary()
_HOSTS_LOCK = threading.Lock()


def register_host(driver):
    """Make *driver* reachable as a live migration target by its host name."""
    with _HOSTS_LOCK:
        _HOSTS[driver.settings.host] = driver


class FakeMigrationMixin:
    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   network_info, block_device_info=None,
                                   timeout=0, retry_interval=0):
        with self._lock:
            rec = self._get(instance)
            if flavor.root_gb < rec.flavor.root_gb:
                raise exception.MigrationError(
                    reason='root disk of instance %s cannot shrink from %d to '
                    '%d GiB' % (rec.uuid, rec.flavor.root_gb, flavor.root_gb))
            if rec.state != power_state.SHUTDOWN:
                self._set_state(rec, power_state.SHUTDOWN, 'powered off to migrate')
            rec.pending_migration = {'dest': dest, 'old_flavor': rec.flavor}
            return json.dumps([{'path': '%s/%s' % (rec.uuid, n), 'virt_disk_size':
                                gb * 1024 ** 3} for n, gb in sorted(rec.disks.items())])

    def finish_migration(self, context, migration, instance, disk_info,
                         network_info, image_meta, resize_instance, allocations,
                         block_device_info=None, power_on=True, share_info=None):
        with self._lock:
            rec = self._get(instance)
            if rec.pending_migration is None:
                raise exception.MigrationError(
                    reason='instance %s has no migration in progress' % rec.uuid)
            if resize_instance:
                rec.flavor = instance.flavor
                rec.disks['disk'] = instance.flavor.root_gb
            if power_on:
                self._set_state(rec, power_state.RUNNING, 'boot (migrated)')

    def confirm_migration(self, context, migration, instance, network_info):
        with self._lock:
            self._get(instance).pending_migration = None

    def finish_revert_migration(self, context, instance, network_info,
                                migration, block_device_info=None,
                                power_on=True, share_info=None):
        with self._lock:
            rec = self._get(instance)
            pending, rec.pending_migration = rec.pending_migration, None
            if pending is None:
                raise exception.MigrationError(
                    reason='instance %s has no migration to revert' % rec.uuid)
            rec.flavor = pending['old_flavor']
            rec.disks['disk'] = rec.flavor.root_gb
            if power_on and rec.state != power_state.RUNNING:
                self._set_state(rec, power_state.RUNNING, 'boot (reverted)')

    def check_instance_shared_storage_local(self, context, instance):
        return {'host': self.settings.host}

    def check_instance_shared_storage_remote(self, context, data):
        # Fake hosts share storage only with themselves.
        return data.get('host') == self.settings.host

    # -- live migration ---------------------------------------------------

    def check_can_live_migrate_destination(self, context, instance,
                                           src_compute_info, dst_compute_info,
                                           block_migration=False,
                                           disk_over_commit=False):
        return {'dest_host': self.settings.host, 'block_migration': block_migration}

    def cleanup_live_migration_destination_check(self, context, dest_check_data):
        pass

    def check_can_live_migrate_source(self, context, instance, dest_check_data,
                                      block_device_info=None):
        with self._lock:
            self._expect(self._get(instance), 'live migrate', power_state.RUNNING,
                         power_state.PAUSED)
        if dest_check_data.get('dest_host') == self.settings.host:
            raise exception.MigrationPreCheckError(
                reason='instance %s is already on host %s'
                % (instance.uuid, self.settings.host))
        return dest_check_data

    def pre_live_migration(self, context, instance, block_device_info,
                           network_info, disk_info, migrate_data):
        return migrate_data

    def live_migration(self, context, instance, dest, post_method,
                       recover_method, block_migration=False, migrate_data=None):
        with _HOSTS_LOCK:
            target = _HOSTS.get(dest)
        try:
            if target is None or target is self:
                raise exception.MigrationError(
                    reason='no fake host named %r is running' % (dest,))
            with self._lock:
                rec = self._get(instance)
                with target._lock:
                    if instance.uuid in target._instances:
                        raise exception.InstanceExists(name=instance.name)
                    target._instances[instance.uuid] = rec
                del self._instances[instance.uuid]
                rec.log('live migrated to %s' % dest)
        except Exception:
            recover_method(context, instance, dest, migrate_data)
            raise
        post_method(context, instance, dest, block_migration, migrate_data)

    def rollback_live_migration_at_destination(self, context, instance,
                                               network_info, block_device_info,
                                               destroy_disks=True,
                                               migrate_data=None):
        with self._lock:
            self._instances.pop(instance.uuid, None)

    def post_live_migration_at_source(self, context, instance, network_info):
        with self._lock:
            self._instances.pop(instance.uuid, None)

    def post_live_migration_at_destination(self, context, instance,
                                           network_info, block_migration=False,
                                           block_device_info=None):
        with self._lock:
            self._get(instance).log('arrived by live migration')
