"""Features of the libvirt driver beyond the contract, on the test driver."""

import io
import json
import os

import fixtures
import pycdlib
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import network
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import serialports
from virtdrivers.testing import libvirt_test

MiB = 1024 * 1024


class LibvirtFeaturesTest(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.images = local.LocalImageStore(os.path.join(self.tmp, 'images'))
        path = os.path.join(self.tmp, 'disk.raw')
        with open(path, 'wb') as f:
            f.truncate(MiB)
        self.image = self.images.create(None, {
            'name': 'disk', 'disk_format': 'raw', 'container_format': 'bare'},
            data_path=path)

    def make_driver(self, **groups):
        conf = vconf.new_conf()
        conf([])
        host = self.useFixture(libvirt_test.PrivateTestHost())
        conf.set_override('connection_uri', host.uri, group='libvirt')
        conf.set_override('virt_type', 'qemu', group='libvirt')
        conf.set_override('instances_path', os.path.join(self.tmp, 'instances'))
        for group, values in groups.items():
            for name, value in values.items():
                conf.set_override(name, value,
                                  group=None if group == 'DEFAULT' else group)
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                           image_service=self.images)
        drv.init_host('features')
        self.addCleanup(drv.cleanup_host, 'features')
        return drv

    def spawn(self, drv, **kwargs):
        instance = kwargs.pop('instance', None) or objects.Instance(
            image_ref=self.image.id)
        drv.spawn(None, instance, self.image, [], None, {}, **kwargs)
        return instance

    def test_serial_console_ports_come_from_the_range_and_go_back(self):
        drv = self.make_driver(serial_console={'enabled': True,
                                               'port_range': '21000:21001'})
        first, second = self.spawn(drv), self.spawn(drv)
        ports = [serialports.ports_of(drv.host.get_guest(i).get_config())
                 for i in (first, second)]
        self.assertEqual([[21000], [21001]], ports)
        err = self.assertRaises(exception.HypervisorError, self.spawn, drv)
        self.assertIn('port_range=21000:21001', str(err))
        drv.destroy(None, first, None)
        third = self.spawn(drv)
        self.assertEqual([21000], serialports.ports_of(
            drv.host.get_guest(third).get_config()))

    def test_volumes_at_spawn_are_refused_not_ignored(self):
        drv = self.make_driver()
        instance = objects.Instance(image_ref=self.image.id)
        bdi = network.block_device_info(block_device_mapping=[
            {'connection_info': {'driver_volume_type': 'iscsi'},
             'mount_device': '/dev/vdb'}])
        err = self.assertRaises(exception.NotSupported, drv.spawn, None, instance,
                                self.image, [], None, {}, block_device_info=bdi)
        self.assertEqual('attach-volume', err.operation)
        self.assertNotIn(instance.uuid, drv.list_instance_uuids())

    def test_rescue_config_drive_carries_the_rescue_password(self):
        drv = self.make_driver()
        instance = self.spawn(drv, instance=objects.Instance(
            image_ref=self.image.id, config_drive='True'))
        drv.rescue(None, instance, network.NetworkInfo(), self.image,
                   'rescue-s3cret', None, None)
        path = os.path.join(self.tmp, 'instances', instance.uuid,
                            'disk.config.rescue')
        iso = pycdlib.PyCdlib()
        iso.open(path)
        self.addCleanup(iso.close)
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, rr_path='/openstack/latest/meta_data.json')
        self.assertEqual('rescue-s3cret', json.loads(out.getvalue())['admin_pass'])
        disks = [d.source_file for d in
                 drv.host.get_guest(instance).get_config().devices.disks]
        self.assertIn(path, disks)
        drv.unrescue(None, instance)
        self.assertFalse(os.path.exists(path))

    def test_custom_cpu_model_from_the_options(self):
        drv = self.make_driver(libvirt={'cpu_mode': 'custom',
                                        'cpu_models': ['Westmere']})
        instance = self.spawn(drv)
        cpu = drv.host.get_guest(instance).get_config(dump_inactive=True).cpu
        self.assertEqual(('custom', 'Westmere'), (cpu.mode, cpu.model))

    def test_backend_the_hypervisor_cannot_open_fails_at_start(self):
        conf = vconf.new_conf()
        conf([])
        conf.set_override('virt_type', 'qemu', group='libvirt')
        conf.set_override('images_type', 'ploop', group='libvirt')
        err = self.assertRaises(exception.ConfigurationError,
                                libvirt_driver.LibvirtDriver,
                                virtapi.LocalVirtAPI(), conf=conf)
        self.assertIn('[libvirt] images_type=ploop', str(err))
        self.assertIn('[libvirt] virt_type=qemu', str(err))
