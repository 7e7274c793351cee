"""The configuration channel's document, its framing, and the socket
writer, against real Unix sockets."""

import json
import os
import socket

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import network
from virtdrivers import objects
from virtdrivers.libvirt import configchannel


def instance(**kwargs):
    kwargs.setdefault('display_name', 'web-1')
    return objects.Instance(flavor=objects.Flavor(name='m1.small', vcpus=2),
                            **kwargs)


def image(**props):
    return objects.ImageMeta(id='img-1', properties=objects.ImageMetaProps(
        **props))


def network_info(address='192.0.2.10', **subnet):
    net = network.Network(bridge='br0', subnets=[network.Subnet(
        cidr='192.0.2.0/24', gateway='192.0.2.1', ips=[{'address': address}],
        dns=['192.0.2.53'], **subnet)])
    return network.NetworkInfo([network.VIF(address='52:54:00:12:34:56',
                                            network=net, devname='tap0')])


class TestDocument(testtools.TestCase):

    def test_what_the_guest_is_told(self):
        inst = instance(hostname='web-1.example')
        doc = configchannel.document(
            inst, image(os_distro='debian', hw_disk_bus='virtio',
                        os_admin_user='admin'), network_info())
        self.assertEqual(
            (1, inst.uuid, 'web-1', 'web-1.example'),
            (doc['version'], doc['uuid'], doc['name'], doc['hostname']))
        self.assertEqual({'name': 'm1.small', 'vcpus': 2, 'memory_mb': 128,
                          'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0},
                         doc['flavor'])
        # Only the properties a guest acts on, not the host's hardware ones.
        self.assertEqual({'id': 'img-1', 'properties': {
            'os_distro': 'debian', 'os_admin_user': 'admin'}}, doc['image'])
        link, = doc['network_data']['links']
        net, = doc['network_data']['networks']
        self.assertEqual(('tap0', '52:54:00:12:34:56'),
                         (link['id'], link['ethernet_mac_address']))
        self.assertEqual(('ipv4', '192.0.2.10', '255.255.255.0', 'tap0'),
                         (net['type'], net['ip_address'], net['netmask'],
                          net['link']))
        self.assertEqual([{'network': '0.0.0.0', 'netmask': '0.0.0.0',
                           'gateway': '192.0.2.1'}], net['routes'])
        self.assertEqual([{'type': 'dns', 'address': '192.0.2.53'}],
                         doc['network_data']['services'])

    def test_dhcp_subnets_say_dhcp(self):
        doc = configchannel.document(instance(), image(), network_info(
            meta={'dhcp_server': '192.0.2.2'}))
        net, = doc['network_data']['networks']
        self.assertEqual('ipv4_dhcp', net['type'])
        self.assertNotIn('ip_address', net)

    def test_no_network(self):
        doc = configchannel.document(instance(), image(), [])
        self.assertEqual({'links': [], 'networks': [], 'services': []},
                         doc['network_data'])

    def test_bad_cidr_is_named(self):
        vifs = network_info()
        vifs[0]['network']['subnets'][0]['cidr'] = '192.0.2.0/33'
        err = self.assertRaises(exception.InvalidInput, configchannel.document,
                                instance(), image(), vifs)
        self.assertIn("'192.0.2.0/33'", str(err))


class TestFraming(testtools.TestCase):

    def test_one_line_per_document(self):
        doc = {'version': 1, 'hostname': 'two\nlines', 'name': 'caf\u00e9'}
        data = configchannel.encode(doc)
        self.assertEqual(1, data.count(b'\n'))
        self.assertTrue(data.endswith(b'\n'))
        self.assertEqual(doc, json.loads(data))

    def test_the_latest_complete_line_wins(self):
        first = configchannel.encode({'version': 1, 'n': 1})
        second = configchannel.encode({'version': 1, 'n': 2})
        self.assertEqual({'version': 1, 'n': 2},
                         configchannel.decode(first + second))
        # A line still being written is not a document yet.
        self.assertEqual({'version': 1, 'n': 1},
                         configchannel.decode(first + second[:5]))
        self.assertIsNone(configchannel.decode(b''))
        self.assertRaises(ValueError, configchannel.decode, b'[1]\n')


class TestSend(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'channel.sock')

    def listen(self, backlog=4):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(server.close)
        server.bind(self.path)
        server.listen(backlog)
        return server

    def received(self, server):
        conn, _addr = server.accept()
        with conn:
            chunks = []
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return b''.join(chunks)
                chunks.append(chunk)

    def test_each_write_is_one_connection_and_one_line(self):
        server = self.listen()
        configchannel.send(self.path, {'version': 1, 'n': 1})
        self.assertEqual(b'{"n":1,"version":1}\n', self.received(server))

    def test_connections_stay_open_until_the_next_write(self):
        # QEMU discards what a connection that hung up left unread: the
        # connection stays until a newer document replaces it.
        server = self.listen()
        connections = configchannel.Connections()
        self.addCleanup(connections.close, 'a')
        connections.send('a', self.path, {'version': 1, 'n': 1})
        first, _addr = server.accept()
        self.addCleanup(first.close)
        first.settimeout(5)
        self.assertEqual(b'{"n":1,"version":1}\n', first.recv(100))
        first.settimeout(0.2)
        self.assertRaises(socket.timeout, first.recv, 100)
        connections.send('a', self.path, {'version': 1, 'n': 2})
        first.settimeout(5)
        self.assertEqual(b'', first.recv(100))
        second, _addr = server.accept()
        self.addCleanup(second.close)
        second.settimeout(5)
        self.assertEqual(b'{"n":2,"version":1}\n', second.recv(100))
        self.assertEqual(1, len(connections))

    def test_connections_the_other_end_closed_are_dropped(self):
        server = self.listen()
        connections = configchannel.Connections()
        connections.send('gone', self.path, {'version': 1})
        conn, _addr = server.accept()
        conn.close()    # its QEMU stopped
        connections.send('other', self.path, {'version': 1})
        self.addCleanup(connections.close, 'other')
        self.assertEqual(1, len(connections))

    def test_a_failed_write_leaves_no_connection(self):
        connections = configchannel.Connections()
        self.assertRaises(exception.HypervisorError, connections.send, 'a',
                          self.path, {'version': 1})
        self.assertEqual(0, len(connections))

    def test_no_socket_is_named(self):
        err = self.assertRaises(exception.HypervisorError, configchannel.send,
                                self.path, {'version': 1})
        self.assertIn(self.path, str(err))

    def test_a_socket_nobody_reads_times_out(self):
        self.listen(backlog=0)
        # Writes a guest never read fill the backlog; then they wait.
        err = None
        for _ in range(8):
            try:
                configchannel.send(self.path, {'version': 1}, timeout=0.2)
            except exception.HypervisorError as exc:
                err = exc
                break
        self.assertIsNotNone(err, 'writes never blocked')
        self.assertIn('timed out', str(err))
        self.assertIn(self.path, str(err))
