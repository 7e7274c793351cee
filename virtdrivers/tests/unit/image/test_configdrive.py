"""Config drives, read back from the ISO with pycdlib."""

import base64
import io
import json
import os
import stat

import fixtures
import pycdlib
import testtools

from virtdrivers import exception
from virtdrivers import network
from virtdrivers import objects
from virtdrivers.image import configdrive


def _network_info():
    subnet4 = network.Subnet(
        cidr='10.0.0.0/24', gateway='10.0.0.1', dns=['10.0.0.2'],
        ips=[{'address': '10.0.0.5'}],
        routes=[{'cidr': '192.168.0.0/16',
                 'gateway': {'address': '10.0.0.254'}}])
    subnet6 = network.Subnet(cidr='fd00::/64', gateway='fd00::1',
                             ips=[{'address': 'fd00::5', 'version': 6}],
                             version=6)
    vif = network.VIF(id='3ae1555c-884d-4797-ae50-2f93aeaab2ea',
                      address='fa:16:3e:00:00:01', type='ovs',
                      network=network.Network(
                          id='net-1', bridge='br-int', mtu=1450,
                          subnets=[subnet4, subnet6]))
    dhcp = network.VIF(id='vif-2', address='fa:16:3e:00:00:02',
                       type='ethernet', network=network.Network(
                           id='net-2', subnets=[network.Subnet(
                               cidr='172.16.0.0/24',
                               meta={'dhcp_server': '172.16.0.1'})]))
    return network.NetworkInfo([vif, dhcp])


class ConfigDriveTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.tmp, 'disk.config')
        self.instance = objects.Instance(
            display_name='web-1', key_name='mykey',
            key_data='ssh-ed25519 AAAAC3 me@host', availability_zone='az1',
            project_id='p-1', metadata={'role': 'web'},
            user_data=base64.b64encode(b'#cloud-config\nruncmd: []\n')
            .decode())

    def build(self, files=(('/etc/motd', b'hello\n'),), password=None,
              network_info=None):
        configdrive.build_config_drive(
            self.instance, network_info or _network_info(), list(files),
            password, self.path)
        iso = pycdlib.PyCdlib()
        iso.open(self.path)
        self.addCleanup(iso.close)
        return iso

    def read(self, iso, path, name_space='rr_path'):
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, **{name_space: path})
        return out.getvalue()

    def test_label_is_config_2(self):
        iso = self.build()
        self.assertEqual(b'config-2', iso.pvd.volume_identifier.rstrip())
        self.assertTrue(iso.has_rock_ridge())
        self.assertTrue(iso.has_joliet())

    def test_meta_data(self):
        iso = self.build()
        meta = json.loads(self.read(iso, '/openstack/latest/meta_data.json'))
        self.assertEqual(self.instance.uuid, meta['uuid'])
        self.assertEqual(('web-1', 'web-1', 0, 'az1', 'p-1'),
                         (meta['name'], meta['hostname'],
                          meta['launch_index'], meta['availability_zone'],
                          meta['project_id']))
        self.assertEqual({'mykey': 'ssh-ed25519 AAAAC3 me@host'},
                         meta['public_keys'])
        self.assertEqual([{'name': 'mykey', 'type': 'ssh',
                           'data': 'ssh-ed25519 AAAAC3 me@host'}],
                         meta['keys'])
        self.assertEqual({'role': 'web'}, meta['meta'])
        self.assertEqual([{'path': '/etc/motd',
                           'content_path': '/content/0000'}], meta['files'])
        self.assertNotIn('admin_pass', meta)

    def test_injected_files_are_under_content(self):
        iso = self.build(files=[('/etc/motd', b'hello\n'),
                                ('/root/.note', 'text \u00e9')])
        self.assertEqual(b'hello\n', self.read(iso, '/openstack/content/0000'))
        self.assertEqual('text \u00e9'.encode(),
                         self.read(iso, '/openstack/content/0001'))

    def test_admin_pass_only_when_given(self):
        iso = self.build(password='s3cret')
        for version in ('latest', '2012-08-10'):
            meta = json.loads(self.read(
                iso, '/openstack/%s/meta_data.json' % version))
            self.assertEqual('s3cret', meta['admin_pass'])

    def test_user_data_is_decoded(self):
        iso = self.build()
        expected = b'#cloud-config\nruncmd: []\n'
        self.assertEqual(expected,
                         self.read(iso, '/openstack/latest/user_data'))
        # Windows guests read the Joliet names.
        self.assertEqual(expected, self.read(
            iso, '/openstack/latest/user_data', 'joliet_path'))

    def test_no_user_data_file_without_user_data(self):
        self.instance.user_data = None
        iso = self.build()
        names = [name for _root, _dirs, files in
                 iso.walk(rr_path='/openstack/latest') for name in files]
        self.assertIn('meta_data.json', names)
        self.assertNotIn('user_data', names)

    def test_network_data(self):
        iso = self.build()
        data = json.loads(self.read(iso, '/openstack/latest/network_data.json'))
        link, link2 = data['links']
        self.assertEqual(('ovs', 1450, 'fa:16:3e:00:00:01'),
                         (link['type'], link['mtu'],
                          link['ethernet_mac_address']))
        self.assertEqual('phy', link2['type'])
        net4, net6, net_dhcp = data['networks']
        self.assertEqual(('ipv4', '10.0.0.5', '255.255.255.0', 'net-1',
                          link['id']),
                         (net4['type'], net4['ip_address'], net4['netmask'],
                          net4['network_id'], net4['link']))
        self.assertEqual(
            [{'network': '0.0.0.0', 'netmask': '0.0.0.0',
              'gateway': '10.0.0.1'},
             {'network': '192.168.0.0', 'netmask': '255.255.0.0',
              'gateway': '10.0.0.254'}], net4['routes'])
        self.assertEqual(('ipv6', 'ffff:ffff:ffff:ffff::'),
                         (net6['type'], net6['netmask']))
        self.assertEqual('::', net6['routes'][0]['network'])
        self.assertEqual(('ipv4_dhcp', 'net-2'),
                         (net_dhcp['type'], net_dhcp['network_id']))
        self.assertEqual([{'type': 'dns', 'address': '10.0.0.2'}],
                         data['services'])

    def test_dated_versions_follow_nova(self):
        iso = self.build()
        layout = {root: set(files) for root, _dirs, files in
                  iso.walk(rr_path='/openstack')}
        self.assertEqual({'meta_data.json', 'user_data'},
                         layout['/openstack/2012-08-10'])
        self.assertEqual({'meta_data.json', 'user_data', 'vendor_data.json'},
                         layout['/openstack/2013-10-17'])
        self.assertIn('network_data.json', layout['/openstack/2015-10-15'])
        self.assertEqual(json.loads(self.read(
            iso, '/openstack/latest/network_data.json')), json.loads(
            self.read(iso, '/openstack/2015-10-15/network_data.json')))
        self.assertEqual({}, json.loads(self.read(
            iso, '/openstack/2013-10-17/vendor_data.json')))
        old = json.loads(self.read(iso, '/openstack/2012-08-10/'
                                        'meta_data.json'))
        self.assertNotIn('project_id', old)

    def test_relative_injected_path_is_refused_naming_it(self):
        err = self.assertRaises(exception.InvalidInput, self.build,
                                files=[('etc/motd', b'x')])
        self.assertIn('etc/motd', str(err))
        self.assertFalse(os.path.exists(self.path))

    def test_bad_injected_contents_and_duplicates_are_refused(self):
        err = self.assertRaises(exception.InvalidInput, self.build,
                                files=[('/etc/a', 42)])
        self.assertIn('/etc/a', str(err))
        err = self.assertRaises(exception.InvalidInput, self.build,
                                files=[('/etc/a', b'1'), ('/etc/a', b'2')])
        self.assertIn('twice', str(err))

    def test_bad_user_data_is_refused(self):
        self.instance.user_data = 'not base64!'
        err = self.assertRaises(exception.InvalidInput, self.build)
        self.assertIn('user_data', str(err))

    def test_oversized_content_is_refused(self):
        self.useFixture(fixtures.MonkeyPatch(
            'virtdrivers.image.configdrive.MAX_CONTENT_BYTES', 1024))
        err = self.assertRaises(exception.InvalidInput, self.build,
                                files=[('/big', b'x' * 2048)])
        self.assertIn('more than 1024', str(err))

    def test_written_atomically_and_readable_by_qemu(self):
        old_umask = os.umask(0o022)
        self.addCleanup(os.umask, old_umask)
        self.build()
        self.assertEqual(['disk.config'], os.listdir(self.tmp))
        # As an ordinary open() makes it, not mkstemp's owner-only 0600.
        self.assertEqual(0o644, stat.S_IMODE(os.stat(self.path).st_mode))

    def test_unwritable_destination_is_an_image_backend_error(self):
        target = os.path.join(self.tmp, 'no-such-dir', 'disk.config')
        err = self.assertRaises(
            exception.ImageBackendError, configdrive.build_config_drive,
            self.instance, None, [], None, target)
        self.assertIn('no-such-dir', str(err))
