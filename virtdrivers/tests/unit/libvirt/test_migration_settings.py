"""Live migration per profile: destination URIs, libvirt flags and
parameters, the [libvirt] live_migration_* options and bad input."""

import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers.libvirt import migration_settings as ms
from virtdrivers.libvirt import migration_xml
from virtdrivers.libvirt import profiles
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.binding import libvirt

DEFAULTS = ms.MigrationSettings()


def settings(**options):
    conf = vconf.new_conf()
    conf([], project='virtdrivers-unit')
    for name, value in options.items():
        conf.set_override(name, value, group='libvirt')
    return ms.MigrationSettings.from_conf(conf)


class UriTest(testtools.TestCase):
    def test_uri_per_profile(self):
        expected = {
            'kvm': 'qemu+tcp://dst.example/system',
            'qemu': 'qemu+tcp://dst.example/system',
            'xen-pv': 'xenmigr://dst.example/system',
            'xen-hvm': 'xenmigr://dst.example/system',
            'parallels-vm': 'parallels+tcp://dst.example/system',
            'parallels-ct': 'parallels+tcp://dst.example/system',
        }
        self.assertEqual(expected, {
            name: ms.destination_uri(profiles.by_name(name), DEFAULTS,
                                     'dst.example')
            for name in profiles.names()})

    def test_scheme_and_ipv6(self):
        self.assertEqual(
            'qemu+ssh://[fd00::5]/system',
            ms.destination_uri(profiles.KVM, settings(
                live_migration_scheme='ssh'), 'fd00::5'))

    def test_deprecated_template_wins(self):
        self.assertEqual('qemu+tls://dst/system', ms.destination_uri(
            profiles.KVM, settings(live_migration_uri='qemu+tls://%s/system'),
            'dst'))

    def test_template_without_placeholder_is_refused_at_start(self):
        err = self.assertRaises(exception.ConfigurationError, settings,
                                live_migration_uri='qemu+tcp://fixed/system')
        self.assertIn('live_migration_uri=qemu+tcp://fixed/system', str(err))

    def test_bad_destination_is_named(self):
        for dest in ('', None, 'host/evil', 'user@host'):
            err = self.assertRaises(exception.InvalidInput, ms.destination_uri,
                                    profiles.QEMU, DEFAULTS, dest)
            self.assertIn(repr(dest), str(err))

    def test_stream_uri_only_on_qemu(self):
        self.assertEqual('tcp://10.0.0.2', ms.stream_uri(profiles.KVM,
                                                         '10.0.0.2'))
        self.assertIsNone(ms.stream_uri(profiles.XEN_PV, '10.0.0.2'))
        self.assertIsNone(ms.stream_uri(profiles.PARALLELS_CT, '10.0.0.2'))


class FlagsTest(testtools.TestCase):
    BASE = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
            | libvirt.VIR_MIGRATE_PERSIST_DEST
            | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)

    def test_shared_storage(self):
        self.assertEqual(self.BASE, ms.flags(profiles.KVM, DEFAULTS, False))
        self.assertEqual(self.BASE | libvirt.VIR_MIGRATE_UNSAFE,
                         ms.flags(profiles.KVM, DEFAULTS, False, True))

    def test_block_migration_on_qemu(self):
        self.assertEqual(self.BASE | libvirt.VIR_MIGRATE_NON_SHARED_INC,
                         ms.flags(profiles.QEMU, DEFAULTS, True))

    def test_block_migration_refused_on_xen_and_parallels(self):
        for profile in (profiles.XEN_PV, profiles.XEN_HVM,
                        profiles.PARALLELS_VM, profiles.PARALLELS_CT):
            err = self.assertRaises(exception.MigrationPreCheckError,
                                    ms.flags, profile, DEFAULTS, True)
            self.assertIn(profile.description, str(err))

    def test_auto_converge_where_qemu_has_it(self):
        on = settings(live_migration_permit_auto_converge=True)
        self.assertTrue(ms.flags(profiles.KVM, on, False)
                        & libvirt.VIR_MIGRATE_AUTO_CONVERGE)
        self.assertFalse(ms.flags(profiles.XEN_PV, on, False)
                         & libvirt.VIR_MIGRATE_AUTO_CONVERGE)


class ParamsTest(testtools.TestCase):
    def test_qemu_takes_all(self):
        found = ms.params(profiles.KVM, settings(live_migration_bandwidth=50),
                          '10.0.0.2', '<domain/>')
        self.assertEqual({libvirt.VIR_MIGRATE_PARAM_URI: 'tcp://10.0.0.2',
                          libvirt.VIR_MIGRATE_PARAM_DEST_XML: '<domain/>',
                          libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: 50}, found)

    def test_vz_gets_none_it_refuses(self):
        # vz refuses a destination XML and any bandwidth limit.
        self.assertEqual({}, ms.params(
            profiles.PARALLELS_VM, settings(live_migration_bandwidth=50),
            'dst', '<domain/>'))

    def test_xen_gets_no_bandwidth(self):
        self.assertEqual({libvirt.VIR_MIGRATE_PARAM_DEST_XML: '<domain/>'},
                         ms.params(profiles.XEN_PV, settings(
                             live_migration_bandwidth=50), 'dst', '<domain/>'))

    def test_completion_timeout_scales_with_data(self):
        self.assertEqual(1600, ms.completion_timeout(DEFAULTS, 512))
        self.assertEqual(4000, ms.completion_timeout(DEFAULTS, 4096, ms.GIB))
        self.assertEqual(0, ms.completion_timeout(
            settings(live_migration_completion_timeout=0), 4096))


class DestinationXmlTest(testtools.TestCase):
    XML = """<domain type='qemu'><name>i</name><devices>
      <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
        <source file='/src/inst/uuid/disk'/>
        <backingStore type='file'><format type='raw'/>
          <source file='/src/inst/_base/abc'/></backingStore>
        <target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='disk'><source file='/volumes/v1'/>
        <target dev='vdb' bus='virtio'/></disk>
      <serial type='pty'><log file='/src/inst/uuid/console.log'/>
        <target port='0'/></serial></devices></domain>"""

    def test_paths_move_to_the_destination_directory(self):
        domain = vxml.Domain.from_xml(migration_xml.for_destination(
            self.XML, '/src/inst/uuid', '/dst/inst/uuid'))
        disks = domain.devices.disks
        self.assertEqual(['/dst/inst/uuid/disk', '/volumes/v1'],
                         [d.source_file for d in disks])
        self.assertEqual([], disks[0].element.findall('backingStore'))
        self.assertEqual('/dst/inst/uuid/console.log',
                         domain.devices.serials[0].log_file)

    def test_same_directory_is_unchanged(self):
        self.assertEqual(self.XML, migration_xml.for_destination(
            self.XML, '/src/inst/uuid', '/src/inst/uuid/'))
