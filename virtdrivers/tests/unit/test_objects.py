"""Objects, exceptions and VirtAPI as a compute service sees them."""

import threading

import testtools

from virtdrivers import capabilities as caps
from virtdrivers import exception
from virtdrivers import network
from virtdrivers import objects
from virtdrivers import virtapi


class TestImageMeta(testtools.TestCase):
    def test_legacy_property_names_read_both_ways(self):
        meta = objects.ImageMeta.from_dict({
            'id': 'i1', 'disk_format': 'qcow2',
            'properties': {'vm_mode': 'hvm', 'hypervisor_type': 'xen',
                           'architecture': 'x86_64', 'os_type': 'linux'}})
        props = meta.properties
        self.assertEqual('hvm', props.hw_vm_mode)
        self.assertEqual('hvm', props.vm_mode)
        self.assertEqual('xen', props.img_hv_type)
        self.assertEqual('xen', props.get('hypervisor_type'))
        self.assertEqual('linux', props.os_type)
        self.assertIsNone(props.hw_disk_bus)
        self.assertFalse(props.obj_attr_is_set('hw_disk_bus'))
        self.assertEqual('qcow2', meta['disk_format'])

    def test_typed_properties_are_converted(self):
        props = objects.ImageMetaProps(hw_qemu_guest_agent='yes', hw_video_ram='64')
        self.assertIs(True, props.hw_qemu_guest_agent)
        self.assertEqual(64, props.hw_video_ram)

    def test_bad_typed_property_names_it(self):
        err = self.assertRaises(exception.InvalidImage, objects.ImageMetaProps,
                                hw_qemu_guest_agent='maybe')
        self.assertIn('hw_qemu_guest_agent', str(err))
        self.assertIn('maybe', str(err))
        err = self.assertRaises(exception.InvalidImage, objects.ImageMetaProps,
                                vm_mode='amiga')
        self.assertIn('amiga', str(err))

    def test_vm_mode_aliases(self):
        self.assertEqual('xen', objects.ImageMetaProps(vm_mode='pv').vm_mode)

    def test_round_trip(self):
        data = {'id': 'i1', 'name': 'n', 'disk_format': 'raw', 'min_disk': 2,
                'min_ram': 0, 'container_format': 'bare',
                'properties': {'hw_disk_bus': 'scsi'}}
        self.assertEqual(data, objects.ImageMeta.from_dict(data).to_dict())


class TestInstanceAndFlavor(testtools.TestCase):
    def test_defaults_and_dict_compat(self):
        inst = objects.Instance(flavor=objects.Flavor(memory_mb=256, vcpus=2))
        self.assertEqual('instance-%s' % inst.uuid, inst.name)
        self.assertEqual(256, inst.memory_mb)
        self.assertEqual(2, inst['vcpus'])
        self.assertIsNone(inst.get('host'))
        self.assertRaises(KeyError, inst.__getitem__, 'nope')

    def test_flavor_rejects_bad_sizes_naming_them(self):
        err = self.assertRaises(exception.InvalidInput, objects.Flavor,
                                name='bad', root_gb=-1)
        self.assertIn('root_gb', str(err))
        self.assertRaises(exception.InvalidInput, objects.Flavor, memory_mb=0)


class TestNetwork(testtools.TestCase):
    def test_nova_style_dict_access(self):
        net = network.Network(bridge='br0', subnets=[network.Subnet(
            cidr='10.0.0.0/24', gateway='10.0.0.1', ips=[{'address': '10.0.0.5'}])])
        vif = network.VIF(address='52:54:00:00:00:01', network=net)
        self.assertEqual('br0', vif['network']['bridge'])
        self.assertEqual('br0', vif.network.bridge)
        self.assertEqual(['10.0.0.5'], [ip['address'] for ip in vif.fixed_ips()])
        self.assertTrue(vif['devname'].startswith('tap'))
        self.assertLessEqual(len(vif['devname']), 14)

    def test_block_device_info_helpers(self):
        bdi = network.block_device_info(swap={'swap_size': 0})
        self.assertIsNone(network.bdi_swap(bdi))
        self.assertEqual([], network.bdi_mapping(None))


class TestExceptions(testtools.TestCase):
    def test_message_names_values(self):
        err = exception.InstanceNotFound(instance_id='u-1')
        self.assertEqual('Instance u-1 could not be found.', str(err))
        self.assertIsInstance(err, exception.NotFound)

    def test_wrong_kwargs_still_give_a_message(self):
        err = exception.InstanceNotFound(uuid='u-2')
        self.assertIn("uuid='u-2'", str(err))

    def test_not_supported_is_what_nova_catches(self):
        err = exception.NotSupported(operation='pause', reason='containers')
        self.assertIsInstance(err, NotImplementedError)
        self.assertEqual('pause is not supported: containers', str(err))


class TestCapabilities(testtools.TestCase):
    def test_is_nova_mapping_with_all_keys(self):
        c = caps.Capabilities(supports_image_type_raw=True)
        self.assertEqual(35, len(dict(c)))
        self.assertTrue(c['supports_image_type_raw'])
        self.assertFalse(c.get('has_imagecache'))
        self.assertNotIn('operations', dict(c))

    def test_mandatory_operations_always_declared(self):
        self.assertTrue(caps.Capabilities().supports('launch'))
        self.assertFalse(caps.Capabilities().supports('pause'))

    def test_unknown_operation_is_an_error(self):
        self.assertRaises(ValueError, caps.Capabilities, operations={'fly'})
        self.assertRaises(ValueError, caps.Capabilities().supports, 'fly')

    def test_traits(self):
        traits = caps.Capabilities(supports_image_type_raw=True,
                                   supports_attach_interface=True).as_traits()
        self.assertTrue(traits['COMPUTE_IMAGE_TYPE_RAW'])
        self.assertTrue(traits['COMPUTE_NET_ATTACH_INTERFACE'])
        self.assertFalse(traits['COMPUTE_IMAGE_TYPE_QCOW2'])

    def test_operations_cover_methods_once(self):
        seen = [m for op in caps.OPERATIONS for m in op.methods]
        self.assertEqual(len(seen), len(set(seen)))


class TestLocalVirtAPI(testtools.TestCase):
    def test_waits_for_delivered_events(self):
        api, inst = virtapi.LocalVirtAPI(), objects.Instance()
        with api.wait_for_instance_event(inst, [('network-vif-plugged', 'v1')],
                                         deadline=5):
            threading.Timer(0.05, api.deliver,
                            (inst.uuid, 'network-vif-plugged', 'v1')).start()

    def test_timeout_names_the_missing_event(self):
        api, inst = virtapi.LocalVirtAPI(), objects.Instance()

        def wait():
            with api.wait_for_instance_event(
                    inst, [('network-vif-plugged', 'v9')], deadline=0.05):
                pass
        err = self.assertRaises(exception.InstanceEventTimeout, wait)
        self.assertIn('network-vif-plugged:v9', str(err))
        self.assertIsInstance(err, TimeoutError)

    def test_failed_event_calls_error_callback(self):
        api, inst, failed = virtapi.LocalVirtAPI(), objects.Instance(), []
        with api.wait_for_instance_event(
                inst, [('network-vif-plugged', 'v1')], deadline=5,
                error_callback=lambda name, i: failed.append(name)):
            api.deliver(inst.uuid, 'network-vif-plugged', 'v1', status='failed')
        self.assertEqual(['network-vif-plugged'], failed)

    def test_exit_wait_early(self):
        api, inst = virtapi.LocalVirtAPI(), objects.Instance()
        with api.wait_for_instance_event(inst, [('network-vif-plugged', 'v1')],
                                         deadline=5):
            api.exit_wait_early([('network-vif-plugged', 'v1')])
