"""FakeDriver's volumes, block devices and interfaces."""

import json
import string

from virtdrivers import exception


class FakeStorageMixin:
    """Volumes and VIFs of fake instances; needs ``_get`` and ``_lock``."""

    def attach_volume(self, context, connection_info, instance, mountpoint,
                      disk_bus=None, device_type=None, encryption=None):
        with self._lock:
            rec = self._get(instance)
            if mountpoint in rec.volumes:
                raise exception.VolumeError(
                    volume_id=_volume_id(connection_info),
                    reason='mountpoint %s of instance %s is in use'
                    % (mountpoint, rec.uuid))
            rec.volumes[mountpoint] = dict(connection_info)
            rec.log('volume attached at %s' % mountpoint)

    def detach_volume(self, context, connection_info, instance, mountpoint,
                      encryption=None):
        with self._lock:
            rec = self._get(instance)
            if mountpoint not in rec.volumes:
                raise exception.VolumeError(
                    volume_id=_volume_id(connection_info),
                    reason='nothing is attached at %s of instance %s'
                    % (mountpoint, rec.uuid))
            del rec.volumes[mountpoint]
            rec.log('volume detached from %s' % mountpoint)

    def swap_volume(self, context, old_connection_info, new_connection_info,
                    instance, mountpoint, resize_to):
        with self._lock:
            rec = self._get(instance)
            if mountpoint not in rec.volumes:
                raise exception.VolumeError(
                    volume_id=_volume_id(old_connection_info),
                    reason='nothing is attached at %s' % mountpoint)
            info = dict(new_connection_info)
            if resize_to:
                info['size_gb'] = resize_to
            rec.volumes[mountpoint] = info

    def extend_volume(self, context, connection_info, instance, requested_size):
        with self._lock:
            rec = self._get(instance)
            volume_id = _volume_id(connection_info)
            for info in rec.volumes.values():
                if _volume_id(info) == volume_id:
                    info['size_bytes'] = requested_size
                    return
            raise exception.VolumeError(
                volume_id=volume_id,
                reason='not attached to instance %s' % rec.uuid)

    def get_volume_connector(self, instance):
        return {'ip': self.settings.my_ip, 'host': self.settings.host,
                'initiator': 'iqn.2010-10.org.openstack:%s' % self.settings.host,
                'multipath': False, 'platform': 'x86_64', 'os_type': 'linux2'}

    def get_all_volume_usage(self, context, compute_host_bdms):
        usage = []
        with self._lock:
            for item in compute_host_bdms:
                rec = self._instances.get(item['instance'].uuid)
                for bdm in item['instance_bdms']:
                    if rec is not None and bdm['device_name'] in rec.volumes:
                        usage.append({'volume': bdm['volume_id'],
                                      'instance': item['instance'],
                                      'rd_req': 0, 'rd_bytes': 0,
                                      'wr_req': 0, 'wr_bytes': 0})
        return usage

    def block_stats(self, instance, disk_id):
        with self._lock:
            rec = self._get(instance)
            if disk_id not in rec.disks and disk_id not in rec.volumes:
                return None
            return [0, 0, 0, 0, 0]

    def get_instance_disk_info(self, instance, block_device_info=None):
        with self._lock:
            rec = self._get(instance)
            return json.dumps([
                {'type': 'raw', 'path': '%s/%s' % (rec.uuid, name),
                 'virt_disk_size': gb * 1024 ** 3, 'backing_file': '',
                 'disk_size': 0, 'over_committed_disk_size': gb * 1024 ** 3}
                for name, gb in sorted(rec.disks.items())])

    # -- device names -----------------------------------------------------

    def default_root_device_name(self, instance, image_meta, root_bdm):
        return '/dev/vda'

    def _used_devices(self, rec, bdms):
        used = {'/dev/vd' + string.ascii_lowercase[i] for i in range(len(rec.disks))}
        used |= set(rec.volumes)
        used |= {b.get('device_name') for b in bdms if b.get('device_name')}
        return used

    def _next_device(self, used):
        for letter in string.ascii_lowercase:
            name = '/dev/vd' + letter
            if name not in used:
                return name
        raise exception.InvalidInput(reason='no free device name is left')

    def get_device_name_for_instance(self, instance, bdms, block_device_obj):
        with self._lock:
            rec = self._get(instance)
            return self._next_device(self._used_devices(rec, bdms))

    def default_device_names_for_instance(self, instance, root_device_name,
                                          *block_device_lists):
        with self._lock:
            rec = self._get(instance)
            everything = [b for bdms in block_device_lists for b in bdms]
            used = self._used_devices(rec, everything) | {root_device_name}
            for bdm in everything:
                if not bdm.get('device_name'):
                    bdm['device_name'] = self._next_device(used)
                    used.add(bdm['device_name'])

    # -- interfaces -------------------------------------------------------

    def attach_interface(self, context, instance, image_meta, vif):
        with self._lock:
            rec = self._get(instance)
            if vif['id'] in rec.vifs:
                raise exception.InvalidInput(
                    reason='VIF %s is already attached to instance %s'
                    % (vif['id'], rec.uuid))
            rec.vifs[vif['id']] = vif

    def detach_interface(self, context, instance, vif):
        with self._lock:
            rec = self._get(instance)
            if rec.vifs.pop(vif['id'], None) is None:
                raise exception.NotFound(
                    'VIF %s is not attached to instance %s' % (vif['id'], rec.uuid))

    def plug_vifs(self, instance, network_info):
        with self._lock:
            rec = self._get(instance)
            for vif in network_info:
                rec.vifs[vif['id']] = vif

    def unplug_vifs(self, instance, network_info):
        with self._lock:
            rec = self._instances.get(instance.uuid)
            for vif in network_info if rec is not None else ():
                rec.vifs.pop(vif['id'], None)


def _volume_id(connection_info):
    data = (connection_info or {}).get('data') or {}
    return data.get('volume_id') or connection_info.get('serial') or '(unknown)'
