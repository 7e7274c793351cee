"""The driver contract suite against FakeDriver."""

from virtdrivers import virtapi
from virtdrivers.fake import driver as fake_driver
from virtdrivers.tests import contract


class FakeDriverContractTest(contract.DriverContract):
    def make_driver(self):
        return fake_driver.FakeDriver(virtapi.LocalVirtAPI(), conf=self.conf,
                                      image_service=self.image_service)

    def make_peer_driver(self):
        conf = self.make_conf()
        conf.set_override('host', 'contract-peer')
        peer = fake_driver.FakeDriver(virtapi.LocalVirtAPI(), conf=conf,
                                      image_service=self.image_service)
        peer.init_host('contract-peer')
        return peer
