"""The configuration channel on real QEMU (TCG): the tiny guest copies each
line it reads from ``org.virtdrivers.config.0`` to its serial console as
``REALHV-CONFIG <line>``, and the test reads it from the console log.

The driver writes the metadata after each start of the guest and when
inject_network_info changes the network.
"""

import json
import time

from virtdrivers import network
from virtdrivers.tests.contract import host as host_contract
from virtdrivers.tests.realhv import base

CONFIG_MARKER = 'REALHV-CONFIG '


def guest_documents(console):
    """Every document the guest printed whole, in order."""
    docs = []
    for line in console.splitlines():
        if CONFIG_MARKER in line:
            try:
                docs.append(json.loads(line.split(CONFIG_MARKER, 1)[1]))
            except ValueError:
                pass    # still being written
    return docs


def addresses(doc):
    return [net['ip_address'] for net in doc['network_data']['networks']]


class ConfigChannelTest(base.DriverTestCase):

    def network_info(self):
        # An ethernet VIF: a tap device libvirt makes and removes itself.
        net = network.Network(bridge='unused', subnets=[network.Subnet(
            cidr='192.0.2.0/24', gateway='192.0.2.1',
            ips=[{'address': '192.0.2.10'}])])
        return network.NetworkInfo([network.VIF(
            address='52:54:00:12:34:56', network=net,
            type=network.VIF_TYPE_ETHERNET, devname='tap%s0' % self.prefix)])

    def wait_config(self, instance, after):
        """The next document the guest printed after offset *after*, once
        its whole line is in the log."""
        for _ in range(50):
            match = self.wait_for(instance, CONFIG_MARKER, after)
            try:
                return match, json.loads(match.line.split(CONFIG_MARKER, 1)[1])
            except ValueError:
                time.sleep(0.2)     # the serial port is still writing it
        self.fail('no complete %s line: %r' % (CONFIG_MARKER, match.line))
        return None

    def test_the_guest_reads_its_metadata_and_injected_networks(self):
        instance = self.new_instance()
        instance.hostname = 'cfg-%s' % self.prefix
        net_info = self.network_info()
        self.timed('spawn', self.driver.spawn, self.ctx, instance, self.image,
                   [], None, {}, network_info=net_info)
        # Written right after the start; the guest reads it once booted.
        booted = self.wait_boot(instance)
        match, doc = self.wait_config(instance, 0)
        self.assertEqual(self.driver.guest_config_document(instance), doc)
        self.assertEqual((1, instance.uuid, 'cfg-%s' % self.prefix,
                          ['192.0.2.10'], 'realhv.tiny'),
                         (doc['version'], doc['uuid'], doc['hostname'],
                          addresses(doc), doc['flavor']['name']))
        self.assertLess(booted.start, match.start)

        # Injected into the running guest at once.
        new = host_contract.renumbered(net_info, '192.0.2.77')
        self.timed('inject_network_info', self.driver.inject_network_info,
                   instance, new)
        match, doc = self.wait_config(instance, match.end)
        self.assertEqual(['192.0.2.77'], addresses(doc))

        # A hard reboot restarts QEMU, which drops what its socket held:
        # the driver writes again, from the spawn record, which kept the
        # injected network.
        mark = len(self.output(instance))
        self.timed('hard reboot', self.driver.reboot, self.ctx, instance,
                   None, 'HARD')
        self.wait_boot(instance, mark, 'hard reboot')
        match, doc = self.wait_config(instance, mark)
        self.assertEqual(['192.0.2.77'], addresses(doc))

        # Destroying the instance closes the driver's connection to the
        # channel: nothing of it is left open.
        self.assertEqual(1, len(self.driver.config_channels))
        self.driver.destroy(self.ctx, instance, None)
        self.assertEqual(0, len(self.driver.config_channels))
