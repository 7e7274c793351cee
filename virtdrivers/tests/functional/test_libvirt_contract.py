"""The driver contract suite against LibvirtDriver on libvirt's test driver.

One class per profile: KVM and QEMU; Xen with its default (PV) images and
with HVM images; Parallels VMs and containers. The test driver parses the
domain XML of every kind (``<domain type='xen'>``, ``'vz'``, containers'
``<filesystem>``) and runs the lifecycle, so each profile's declarations,
including what it does not support, are held to the contract.
"""

import os

import fixtures
import testtools

from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import detect
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import host as vhost
from virtdrivers.testing import libvirt_test
from virtdrivers.tests import contract
from virtdrivers.tests.unit.libvirt.imagebackend import test_ploop


class LibvirtQemuContractTest(contract.DriverContract):
    virt_type = 'qemu'

    def make_conf(self):
        conf = super().make_conf()
        host = self.useFixture(libvirt_test.PrivateTestHost())
        conf.set_override('virt_type', self.virt_type, group='libvirt')
        conf.set_override('connection_uri', host.uri, group='libvirt')
        return conf

    def make_driver(self):
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=self.conf,
                                           image_service=self.image_service)
        self.addCleanup(drv.cleanup_host, self.host)
        return drv

    def guest_addresses(self, instance):
        # The test driver has no channel socket and no guest: what the
        # guest is given is the channel's document (from the spawn
        # record), or, on Parallels, the interfaces' <ip> elements.
        if self.driver.profile.for_image(self.image).interface_ip_config:
            config = self.driver.host.get_guest(instance).get_config(
                dump_inactive=True)
            return [ip.get('address') for nic in config.devices.interfaces
                    for ip in nic.element.findall('ip')]
        doc = self.driver.guest_config_document(instance)
        return [net.get('ip_address')
                for net in doc['network_data']['networks']]


class LibvirtKvmContractTest(LibvirtQemuContractTest):
    virt_type = 'kvm'


class ImageKindContract:
    """Mixin: a setup whose instances are all of the kind its image selects.

    ``image_properties`` go on the image every test boots (``vm_mode``
    picks the family member). A host of a family (a Parallels host runs VMs
    and containers) declares the union of its kinds; the suite asks the
    spawn-time features (swap, ephemeral disk, config drive) for the image.
    """

    image_properties = {}

    def make_image(self):
        path = os.path.join(self.workdir, 'contract-image.raw')
        with open(path, 'wb') as f:
            f.truncate(1024 * 1024)
        return self.image_service.create(
            self.ctx, {'name': 'contract', 'disk_format': 'raw',
                       'container_format': 'bare',
                       'properties': dict(self.image_properties)},
            data_path=path)

    def assert_refused_for_the_kind(self, operation, method, *args):
        """*method* raises NotSupported naming *operation* and the kind."""
        err = self.assertRaises(exception.NotSupported, method, *args)
        self.assertEqual(operation, err.operation)
        self.assertIn(self.kind_description, str(err))
        self.assertIn(operation, str(err))


class LibvirtKvmGuestAgentContractTest(ImageKindContract, LibvirtKvmContractTest):
    """KVM guests whose image runs the QEMU guest agent: admin password and
    quiesce are declared, and the suite exercises them."""

    image_properties = {'hw_qemu_guest_agent': 'yes'}

    def test_agent_operations_are_declared(self):
        instance = self.spawn()
        for operation in ('set-admin-password', 'quiesce'):
            self.assertTrue(self.declared(operation, instance), operation)


class LibvirtXenContractTest(ImageKindContract, LibvirtQemuContractTest):
    """Xen guests with images that say nothing: PV."""

    virt_type = 'xen'
    kind_description = 'Xen PV guests'

    def test_guests_are_pv(self):
        instance = self.spawn()
        config = self.driver.host.get_guest(instance).get_config()
        self.assertEqual(('xen', 'xvda', 'xen'),
                         (config.type, config.devices.disks[0].target_dev,
                          config.devices.consoles[0].target_type))

    def test_no_console_log_for_pv_guests(self):
        instance = self.spawn()
        self.assert_refused_for_the_kind(
            'console-output', self.driver.get_console_output, self.ctx,
            instance)


class LibvirtXenHvmContractTest(ImageKindContract, LibvirtQemuContractTest):
    """Xen guests with images that say vm_mode=hvm."""

    virt_type = 'xen'
    image_properties = {'vm_mode': 'hvm'}
    kind_description = 'Xen HVM guests'

    def test_guests_are_hvm(self):
        instance = self.spawn()
        config = self.driver.host.get_guest(instance).get_config()
        self.assertEqual(('hvm', 'hda', 'ide'),
                         (config.os.os_type, config.devices.disks[0].target_dev,
                          config.devices.disks[0].target_bus))
        self.assertEqual(['file'], [s.type for s in config.devices.serials])


class LibvirtParallelsVmContractTest(ImageKindContract,
                                     LibvirtQemuContractTest):
    """Parallels (Virtuozzo) VMs, on qcow2 disks (Virtuozzo 7's VM disk
    format); ``test_libvirt_backends_contract`` runs them on ploop."""

    virt_type = 'parallels'
    image_properties = {'vm_mode': 'hvm'}
    kind_description = 'Parallels virtual machines'

    def test_no_diagnostics(self):
        instance = self.spawn()
        self.assert_refused_for_the_kind(
            'diagnostics', self.driver.get_diagnostics, instance)

    def test_password_without_a_guest_agent(self):
        self.assertTrue(self.declared('set-admin-password', self.spawn()))
        self.assertNotIn('hw_qemu_guest_agent', self.image_properties)


class LibvirtParallelsCtContractTest(LibvirtParallelsVmContractTest):
    """Parallels (Virtuozzo) containers: image vm_mode=exe, the root disk a
    ploop directory mounted as the container's root filesystem."""

    image_properties = {'vm_mode': 'exe'}
    kind_description = 'Parallels containers'

    def setUp(self):
        self.useFixture(test_ploop.PloopFixture(self))
        # Virtuozzo's prl_disk_tool, which grows the root file system with
        # its disk (auto configure disk): a stand-in that records its
        # arguments and grows the disk with ploop.
        self.disk_tool = self.useFixture(test_ploop.FakePrlDiskTool())
        super().setUp()

    def assert_file_system_grown(self, instance, size):
        disk = os.path.join(self.conf.instances_path, instance.uuid, 'disk')
        self.assertEqual([['resize', '--size', '%dM' % (size // 2 ** 20),
                           '--resize_partition', '--hdd', disk]],
                         self.disk_tool.calls)

    def test_without_auto_disk_config_the_file_system_is_left(self):
        self.spawn(self.new_instance(flavor=self.make_flavor(root_gb=1)))
        self.assertEqual([], self.disk_tool.calls)

    def make_conf(self):
        conf = super().make_conf()
        conf.set_override('images_type', 'ploop', group='libvirt')
        return conf

    def test_root_is_a_ploop_filesystem(self):
        instance = self.spawn()
        config = self.driver.host.get_guest(instance).get_config()
        self.assertEqual(('exe', '/sbin/init'),
                         (config.os.os_type, config.os.init))
        self.assertEqual([('ploop', 'ploop', '/')],
                         [(f.driver_type, f.driver_format, f.target_dir)
                          for f in config.devices.filesystems])
        self.assertEqual([], [d for d in config.devices.disks
                              if d.device == 'disk'])

    def test_pause_is_refused_naming_the_kind(self):
        instance = self.spawn()
        self.assert_refused_for_the_kind('pause', self.driver.pause, instance)

    def test_host_declares_both_kinds(self):
        # The host runs VMs too: pause and swap are declared for the host,
        # refused for the container.
        self.assertTrue(self.driver.capabilities.supports('pause'))
        self.assertTrue(self.driver.capabilities.supports('swap-disk'))
        self.assertFalse(self.declared('swap-disk', image=self.image))


class XenDriverTest(testtools.TestCase):
    """The Xen options and host detection, on a private test-driver host."""

    def make_driver(self, **libvirt_opts):
        workdir = self.useFixture(fixtures.TempDir()).path
        conf = vconf.new_conf()
        conf([], project='virtdrivers-functional')
        conf.set_override('instances_path', os.path.join(workdir, 'instances'))
        host = self.useFixture(libvirt_test.PrivateTestHost())
        conf.set_override('connection_uri', host.uri, group='libvirt')
        conf.set_override('virt_type', 'xen', group='libvirt')
        for name, value in libvirt_opts.items():
            conf.set_override(name, value, group='libvirt')
        self.images = local.LocalImageStore(os.path.join(workdir, 'images'))
        path = os.path.join(workdir, 'disk.raw')
        with open(path, 'wb') as f:
            f.truncate(1024 * 1024)
        self.image = self.images.create(None, {
            'name': 'disk', 'disk_format': 'raw', 'container_format': 'bare'},
            data_path=path)
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                           image_service=self.images)
        self.addCleanup(drv.cleanup_host, 'xen-host')
        return drv

    def test_xen_default_vm_mode_hvm(self):
        drv = self.make_driver(xen_default_vm_mode='hvm')
        drv.init_host('xen-host')
        instance = objects.Instance(image_ref=self.image.id)
        drv.spawn(None, instance, self.image, [], None, {})
        config = drv.host.get_guest(instance).get_config()
        self.assertEqual(('hvm', 'ide'), (config.os.os_type,
                                          config.devices.disks[0].target_bus))
        self.assertIn('Xen HVM guests', drv.describe_kind(instance))

    def test_a_xen_host_that_runs_no_xen_is_refused(self):
        # As if libvirt's libxl driver answered: detection reads this
        # host's real /sys/hypervisor/type.
        drv = self.make_driver()
        self.useFixture(fixtures.MockPatchObject(
            vhost.Host, 'get_hv_type', lambda _self: 'Xen'))
        if 'xen' in detect.detect().hypervisors:
            self.skipTest('this host runs Xen')
        err = self.assertRaises(exception.ConfigurationError, drv.init_host,
                                'xen-host')
        self.assertIn('[libvirt] virt_type=xen needs Xen on this host', str(err))
