"""The driver contract suite against the real libvirtd (QEMU, TCG here).

Every operation the libvirt driver declares is exercised on real QEMU
guests booted from the tiny guest's disk; every operation it does not
declare must raise NotSupported. Instances get uuids with a per-test
prefix: only they are destroyed at clean-up (the host may run other
domains), and a leak check over that prefix fails a test that leaves a
domain, an instance file, a cache reference or libvirt state behind.
"""

import dataclasses
import uuid

from virtdrivers import exception
from virtdrivers import network
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.testing import realhv
from virtdrivers.testing import realhv_peer
from virtdrivers.tests import contract
from virtdrivers.tests.realhv import base
from virtdrivers.tests.realhv import test_config_channel
from virtdrivers.tests.realhv import test_pool


class RealLibvirtContractTest(contract.DriverContract):
    # TCG boots the guest in ~5 s; ACPI shutdown works once it has.
    timeout = 60

    def make_conf(self):
        self.hv = realhv.use_or_skip(self, realhv.RealLibvirtFixture())
        self.guest = realhv.use_or_skip(self, realhv.GuestImageFixture())
        self.prefix = uuid.uuid4().hex[:8]
        conf = super().make_conf()
        conn = self.hv.connect()
        # Set up before the driver, so that it checks after the clean-up.
        self.useFixture(realhv.LeakCheckFixture(
            conn, (conf.instances_path, *realhv.LIBVIRT_STATE_DIRS),
            match=self.prefix))
        conf.set_override('virt_type', self.hv.virt_type, group='libvirt')
        conf.set_override('connection_uri', self.hv.uri, group='libvirt')
        conf.set_override('wait_soft_reboot_seconds', base.SOFT_REBOOT_SECONDS,
                          group='libvirt')
        return conf

    def make_driver(self):
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=self.conf,
                                           image_service=self.image_service)
        if drv.settings.pools is not None:
            # The host's nova-*-pool must not end up over this test's
            # temporary directory: pools of the test's own, removed after.
            drv.settings = dataclasses.replace(
                drv.settings, pools=dataclasses.replace(
                    drv.settings.pools, **test_pool.unique_pools(self.prefix)))
            self.addCleanup(test_pool.forget_pools, drv.host, drv.settings.pools)
        self.addCleanup(drv.cleanup_host, self.host)
        return drv

    def make_peer_driver(self):
        """A driver on the peer libvirtd sharing this driver's storage
        (one instances_path, the same pools): live migration without
        block copy."""
        peer_hv = realhv.use_or_skip(self, realhv_peer.PeerLibvirtFixture())
        conf = peer_hv.make_conf(self.workdir,
                                 instances_path=self.conf.instances_path,
                                 images_type=self.conf.libvirt.images_type)
        drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                           image_service=self.image_service)
        if drv.settings.pools is not None:
            drv.settings = dataclasses.replace(drv.settings,
                                               pools=self.driver.settings.pools)
            self.addCleanup(test_pool.forget_pools, drv.host, drv.settings.pools)
        drv.init_host(peer_hv.hostname)
        self.addCleanup(drv.cleanup_host, peer_hv.hostname)
        return drv

    def make_image(self):
        return self.image_service.create(
            self.ctx, {'name': 'realhv-guest', 'disk_format': 'qcow2',
                       'container_format': 'bare'},
            data_path=self.guest.disk_qcow2)

    def make_network_info(self):
        # The suite's bridge does not exist on a real host, and the driver
        # plugs no VIFs (plug-vifs is not declared): an ethernet VIF is one
        # libvirt makes itself, a tap device it removes with the domain.
        vifs = super().make_network_info()
        return network.NetworkInfo(
            network.VIF(**dict(vif, type=network.VIF_TYPE_ETHERNET,
                               devname='tap%s%d' % (self.prefix, index)))
            for index, vif in enumerate(vifs))

    def guest_addresses(self, instance):
        # The tiny guest prints each line of its configuration channel.
        console = self.driver.get_console_output(self.ctx, instance)
        docs = test_config_channel.guest_documents(
            console.decode('utf-8', 'replace'))
        return test_config_channel.addresses(docs[-1]) if docs else []

    def new_instance(self, **kwargs):
        kwargs.setdefault('uuid', base.uuid_with_prefix(self.prefix))
        return super().new_instance(**kwargs)

    def _cleanup_instances(self, driver):
        # Not every domain of the host: only this test's.
        for instance_uuid in driver.list_instance_uuids():
            if not instance_uuid.startswith(self.prefix):
                continue
            try:
                driver.destroy(self.ctx, objects.Instance(uuid=instance_uuid),
                               None)
            except exception.InstanceNotFound:
                pass
