"""The driver contract suite against LibvirtDriver on libvirt's test driver."""

from virtdrivers import virtapi
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.testing import libvirt_test
from virtdrivers.tests import contract


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


class LibvirtKvmContractTest(LibvirtQemuContractTest):
    virt_type = 'kvm'
