"""The configuration channel and inject_network_info, on libvirt's test
driver, with the channel's host socket a real one the test listens on.

The test driver keeps no socket of its own: the tests point the running
domain's channel at theirs (redefine, restart), as libvirt does for QEMU.
"""

import copy
import os
import socket

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import network
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import configchannel
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import guest_config
from virtdrivers.testing import libvirt_test

CHANNEL = 'org.virtdrivers.config.0'
MAC = '52:54:00:12:34:56'


def network_info(address='192.0.2.10', mac=MAC):
    net = network.Network(bridge='br0', subnets=[network.Subnet(
        cidr='192.0.2.0/24', gateway='192.0.2.1', ips=[{'address': address}])])
    return network.NetworkInfo([network.VIF(address=mac, network=net)])


def addresses(doc):
    return [net['ip_address'] for net in doc['network_data']['networks']]


class GuestConfigTestBase(testtools.TestCase):
    virt_type = 'qemu'
    image_properties = {}

    def setUp(self):
        super().setUp()
        self.workdir = self.useFixture(fixtures.TempDir()).path
        conf = vconf.new_conf()
        conf([], project='virtdrivers-functional')
        conf.set_override('instances_path', os.path.join(self.workdir, 'i'))
        host = self.useFixture(libvirt_test.PrivateTestHost())
        conf.set_override('connection_uri', host.uri, group='libvirt')
        conf.set_override('virt_type', self.virt_type, group='libvirt')
        images = local.LocalImageStore(os.path.join(self.workdir, 'images'))
        path = os.path.join(self.workdir, 'disk.raw')
        with open(path, 'wb') as f:
            f.truncate(1024 * 1024)
        self.image = images.create(None, {
            'name': 'disk', 'disk_format': 'raw', 'container_format': 'bare',
            'properties': dict(self.image_properties)}, data_path=path)
        self.driver = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                  image_service=images)
        self.addCleanup(self.driver.cleanup_host, 'h')
        self.driver.init_host('h')

    def spawn(self, nw_info=None):
        instance = objects.Instance(image_ref=self.image.id,
                                    display_name='cfg', hostname='cfg-host')
        self.driver.spawn(None, instance, self.image, [], None, {},
                          network_info=nw_info or network_info())
        self.addCleanup(self._destroy, instance)
        return instance

    def _destroy(self, instance):
        try:
            self.driver.destroy(None, instance, None)
        except exception.InstanceNotFound:
            pass


class TestConfigChannel(GuestConfigTestBase):

    def listen(self):
        """A socket in the channel's place, and the domain restarted with
        its channel there."""
        path = os.path.join(self.workdir, 'channel-%d.sock' % len(
            os.listdir(self.workdir)))
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(server.close)
        server.bind(path)
        server.listen(4)
        server.settimeout(5)
        return path, server

    def point_channel(self, instance, path):
        guest = self.driver.host.get_guest(instance)
        config = guest.get_config(dump_inactive=True)
        channel, = [c for c in config.devices.channels
                    if c.target_name == CHANNEL]
        channel.source_mode = 'bind'
        channel.source_path = path
        guest.poweroff()
        self.driver.host.write_instance_config(config).create()

    def received(self, server):
        conn, _addr = server.accept()
        with conn:
            conn.settimeout(5)
            data = b''
            while not data.endswith(b'\n'):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
        return configchannel.decode(data)

    def test_the_domain_has_the_channel(self):
        instance = self.spawn()
        config = self.driver.host.get_guest(instance).get_config()
        self.assertEqual([('unix', 'virtio')],
                         [(c.type, c.target_type) for c in config.devices.channels
                          if c.target_name == CHANNEL])
        # The test driver has no socket for it: nothing to write to.
        self.assertEqual(0, len(self.driver.config_channels))

    def test_metadata_is_written_into_the_channel(self):
        instance = self.spawn()
        path, server = self.listen()
        self.point_channel(instance, path)
        self.assertEqual(path, guest_config.channel_socket(
            self.driver.host.get_guest(instance).get_config(), CHANNEL))
        self.assertTrue(self.driver.write_guest_config(instance))
        doc = self.received(server)
        self.assertEqual(self.driver.guest_config_document(instance), doc)
        self.assertEqual((1, instance.uuid, 'cfg-host', ['192.0.2.10']),
                         (doc['version'], doc['uuid'], doc['hostname'],
                          addresses(doc)))

    def test_inject_network_info_reaches_the_guest_and_its_next_boot(self):
        instance = self.spawn()
        path, server = self.listen()
        self.point_channel(instance, path)
        self.driver.inject_network_info(instance, network_info('192.0.2.77'))
        self.assertEqual(['192.0.2.77'], addresses(self.received(server)))
        # Kept for the next boot: after a power cycle (the domain rebuilt
        # from the spawn record) the channel carries it again.
        self.driver.power_off(instance)
        self.driver.power_on(None, instance, None)
        path, server = self.listen()
        self.point_channel(instance, path)
        self.assertTrue(self.driver.write_guest_config(instance))
        self.assertEqual(['192.0.2.77'], addresses(self.received(server)))

    def test_inject_into_a_stopped_guest_waits_for_its_boot(self):
        instance = self.spawn()
        self.driver.power_off(instance)
        self.driver.inject_network_info(instance, network_info('192.0.2.78'))
        self.assertEqual(['192.0.2.78'], addresses(
            self.driver.guest_config_document(instance)))

    def test_an_unwritable_channel_fails_inject_and_changes_nothing(self):
        instance = self.spawn()
        path = os.path.join(self.workdir, 'nobody.sock')
        self.point_channel(instance, path)
        err = self.assertRaises(exception.HypervisorError,
                                self.driver.inject_network_info, instance,
                                network_info('192.0.2.79'))
        self.assertIn(path, str(err))
        self.assertEqual(['192.0.2.10'], addresses(
            self.driver.guest_config_document(instance)))
        # A start never fails for it.
        self.assertFalse(self.driver.write_guest_config(instance))

    def test_inject_for_an_unknown_instance(self):
        self.assertRaises(exception.InstanceNotFound,
                          self.driver.inject_network_info,
                          objects.Instance(), network_info())


class TestXenConfigChannel(GuestConfigTestBase):
    virt_type = 'xen'

    def test_a_xen_pv_channel(self):
        instance = self.spawn()
        config = self.driver.host.get_guest(instance).get_config()
        self.assertEqual(['xen'], [c.target_type for c in config.devices.channels
                                   if c.target_name == CHANNEL])


class TestParallelsInterfaces(GuestConfigTestBase):
    virt_type = 'parallels'
    image_properties = {'vm_mode': 'hvm'}

    def ips(self, instance, inactive=True):
        config = self.driver.host.get_guest(instance).get_config(
            dump_inactive=inactive)
        return [(ip.get('address'), ip.get('prefix'))
                for nic in config.devices.interfaces
                for ip in nic.element.findall('ip')]

    def test_no_channel_but_addresses_in_the_interfaces(self):
        instance = self.spawn()
        self.assertEqual([], list(self.driver.host.get_guest(
            instance).get_config().devices.channels))
        self.assertEqual(0, len(self.driver.config_channels))
        self.assertEqual([('192.0.2.10', '24')], self.ips(instance, False))

    def test_inject_network_info_changes_the_interfaces(self):
        instance = self.spawn()
        self.driver.inject_network_info(instance, network_info('192.0.2.77'))
        self.assertEqual([('192.0.2.77', '24')], self.ips(instance))
        # And the spawn record, so a rebuilt domain keeps them.
        self.driver.reboot(None, instance, None, 'HARD')
        self.assertEqual([('192.0.2.77', '24')], self.ips(instance, False))

    def test_a_vif_the_instance_lacks_is_refused_and_nothing_changes(self):
        instance = self.spawn()
        both = network_info('192.0.2.77')
        other = copy.deepcopy(network_info('192.0.2.88', mac='52:54:00:00:00:99'))
        both.append(other[0])
        err = self.assertRaises(exception.InvalidInput,
                                self.driver.inject_network_info, instance, both)
        self.assertIn('52:54:00:00:00:99', str(err))
        self.assertEqual([('192.0.2.10', '24')], self.ips(instance))
        self.driver.reboot(None, instance, None, 'HARD')
        self.assertEqual([('192.0.2.10', '24')], self.ips(instance, False))
