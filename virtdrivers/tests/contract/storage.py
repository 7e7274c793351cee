"""Contract: volumes, disks, device names, image caching, spawn features."""

import json

from virtdrivers import capabilities as caps
from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers.tests.contract.base import ContractBase


class StorageContract(ContractBase):
    def _attached(self, operation):
        instance = self.spawn()
        if not self.declared(operation, instance):
            self.assert_not_supported(operation, instance)
            return None, None
        info = self.make_volume_connection_info(instance)
        self.driver.attach_volume(self.ctx, info, instance, '/dev/vdb')
        return instance, info

    def test_op_attach_volume(self):
        instance, info = self._attached('attach-volume')
        if instance is None:
            return
        connector = self.driver.get_volume_connector(instance)
        self.assertEqual(self.conf.my_ip, connector['ip'])
        self.assertRaises(exception.VolumeError, self.driver.attach_volume,
                          self.ctx, self.make_volume_connection_info(instance),
                          instance, '/dev/vdb')
        self.driver.detach_volume(self.ctx, info, instance, '/dev/vdb')
        self.assertRaises(exception.VolumeError, self.driver.detach_volume,
                          self.ctx, info, instance, '/dev/vdb')
        self.assertEqual(power_state.RUNNING, self.state(instance))

    def test_op_swap_volume(self):
        instance, info = self._attached('swap-volume')
        if instance is None:
            return
        new = self.make_volume_connection_info(instance)
        self.driver.swap_volume(self.ctx, info, new, instance, '/dev/vdb', None)
        self.driver.detach_volume(self.ctx, new, instance, '/dev/vdb')

    def test_op_extend_volume(self):
        instance, info = self._attached('extend-volume')
        if instance is None:
            return
        self.driver.extend_volume(self.ctx, info, instance, 32 * 1024 * 1024)
        other = dict(info, serial='vol-other', data={'volume_id': 'vol-other'})
        self.assertRaises(exception.VolumeError, self.driver.extend_volume,
                          self.ctx, other, instance, 1)

    def test_op_volume_usage(self):
        instance, info = self._attached('volume-usage')
        if instance is None:
            return
        usage = self.driver.get_all_volume_usage(self.ctx, [
            {'instance': instance, 'instance_bdms': [
                {'device_name': '/dev/vdb', 'volume_id': 'vol-contract'}]}])
        self.assertEqual(['vol-contract'], [u['volume'] for u in usage])

    def test_op_volume_snapshot(self):
        instance = self.spawn()
        if not self.declared('volume-snapshot', instance):
            return self.assert_not_supported('volume-snapshot', instance)
        self.fail('no contract test for volume-snapshot yet: write one first')
        return None

    def test_op_block_stats(self):
        instance = self.spawn()
        if not self.declared('block-stats', instance):
            return self.assert_not_supported('block-stats', instance)
        self.assertIsNone(self.driver.block_stats(instance, 'no-such-disk'))
        return None

    def test_op_disk_info(self):
        instance = self.spawn()
        if not self.declared('disk-info', instance):
            return self.assert_not_supported('disk-info', instance)
        disks = json.loads(self.driver.get_instance_disk_info(instance))
        self.assertGreaterEqual(len(disks), 1)
        self.assertIn(1024 ** 3, [d['virt_disk_size'] for d in disks])
        return None

    def test_op_device_names(self):
        instance = self.spawn()
        if not self.declared('device-names', instance):
            return self.assert_not_supported('device-names', instance)
        root = self.driver.default_root_device_name(instance, self.image, None)
        self.assertTrue(root.startswith('/dev/'))
        bdms = [{'device_name': None}, {'device_name': None}]
        self.driver.default_device_names_for_instance(instance, root, bdms)
        names = [b['device_name'] for b in bdms]
        self.assertEqual(2, len(set(names)))
        self.assertNotIn(root, names)
        new = self.driver.get_device_name_for_instance(instance, bdms, {})
        self.assertNotIn(new, names + [root])
        return None

    def test_op_cache_images(self):
        if not self.declared('cache-images'):
            return self.assert_not_supported('cache-images')
        self.assertTrue(self.driver.cache_image(self.ctx, self.image.id))
        self.assertFalse(self.driver.cache_image(self.ctx, self.image.id))
        self.assertRaises(exception.ImageNotFound, self.driver.cache_image,
                          self.ctx, '00000000-0000-0000-0000-000000000000')
        return None

    def test_op_image_cache(self):
        if not self.declared('image-cache'):
            return self.assert_not_supported('image-cache')
        self.assertTrue(self.driver.capabilities['has_imagecache'])
        if not self.declared('cache-images'):
            self.skipTest('observing the cache needs cache-images')
        in_use = self.spawn()
        self.driver.cache_image(self.ctx, self.image.id)
        self.driver.manage_image_cache(self.ctx, [in_use])
        self.assertFalse(self.driver.cache_image(self.ctx, self.image.id),
                         'an image in use was removed from the cache')
        self.driver.destroy(self.ctx, in_use, None)
        self.driver.manage_image_cache(self.ctx, [])
        self.assertTrue(self.driver.cache_image(self.ctx, self.image.id),
                        'an unused image (minimum age 0) stayed in the cache')
        return None

    def test_op_shares(self):
        instance = self.spawn()
        if not self.declared('shares', instance):
            return self.assert_not_supported('shares', instance)
        self.fail('no contract test for shares yet: write one first')
        return None

    # -- features of spawn ------------------------------------------------

    def _feature(self, operation):
        if not self.declared(operation, image=self.image):
            return self.assert_not_supported(operation)
        instance, kwargs = self.spawn_feature_kwargs(operation)
        self.spawn(instance, **kwargs)
        self.assertState(power_state.RUNNING, instance)
        return instance

    def test_op_inject_files(self):
        self._feature('inject-files')

    def test_op_config_drive(self):
        self._feature('config-drive')

    def test_op_swap_disk(self):
        self._feature('swap-disk')

    def test_op_ephemeral_disk(self):
        instance = self._feature('ephemeral-disk')
        if instance is not None and self.declared('disk-info', instance):
            disks = json.loads(self.driver.get_instance_disk_info(instance))
            self.assertEqual(2, len(disks), 'root and ephemeral disk expected')

    def assert_file_system_grown(self, instance, size):
        """Hook: the root file system of *instance* (spawned with
        ``auto_disk_config``) was grown to fill its *size*-byte disk.
        Setups that declare auto-configure-disk implement it."""
        raise NotImplementedError(
            '%s declares auto-configure-disk: implement '
            'assert_file_system_grown' % type(self).__name__)

    def test_op_auto_configure_disk(self):
        if not self.declared("auto-configure-disk", image=self.image):
            return self.assert_not_supported('auto-configure-disk')
        instance = self.new_instance(flavor=self.make_flavor(root_gb=1))
        instance.auto_disk_config = True
        self.spawn(instance)
        self.assertState(power_state.RUNNING, instance)
        if self.declared('disk-info', instance):
            disks = json.loads(self.driver.get_instance_disk_info(instance))
            self.assertIn(1024 ** 3, [d['virt_disk_size'] for d in disks])
        self.assert_file_system_grown(instance, 1024 ** 3)
        return None

    def test_refused_image_format_leaves_nothing(self):
        refused = [key for key in caps.CAPABILITY_KEYS
                   if key.startswith('supports_image_type_')
                   and not self.driver.capabilities[key]]
        if not refused:
            self.skipTest('the driver boots every image type')
        bogus = self.image_service.create(
            self.ctx, {'name': 'bogus', 'container_format': 'bare',
                       'disk_format': refused[0][len('supports_image_type_'):]})
        instance = self.new_instance()
        self.assertRaises(exception.InvalidImage, self.spawn, instance, bogus)
        self.assertNotIn(instance.uuid, self.driver.list_instance_uuids())
