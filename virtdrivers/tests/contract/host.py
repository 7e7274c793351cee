"""Contract: host resources, host actions and networking."""

import copy
import json
import time

from virtdrivers import exception
from virtdrivers import network
from virtdrivers import power_state
from virtdrivers.testing import provider_tree
from virtdrivers.tests.contract.base import ContractBase

RESOURCE_KEYS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
                 'local_gb_used', 'hypervisor_type', 'hypervisor_version',
                 'hypervisor_hostname', 'cpu_info', 'disk_available_least',
                 'supported_instances', 'numa_topology', 'pci_passthrough_devices')


class HostContract(ContractBase):
    def test_op_resources(self):
        nodes = self.driver.get_available_nodes()
        self.assertEqual(1, len(nodes))
        node = nodes[0]
        before = self.driver.get_available_resource(node)
        for key in RESOURCE_KEYS:
            self.assertIn(key, before)
        self.assertIsInstance(before['hypervisor_version'], int)
        self.assertGreater(before['vcpus'], 0)
        self.assertIsInstance(json.loads(before['cpu_info']), dict)
        self.spawn(instance=self.new_instance(flavor=self.make_flavor(vcpus=2)))
        after = self.driver.get_available_resource(node)
        self.assertEqual(before['vcpus_used'] + 2, after['vcpus_used'])
        tree = provider_tree.ProviderTree(node)
        self.driver.update_provider_tree(tree, node)
        inventory = tree.data(node).inventory
        for rc in ('VCPU', 'MEMORY_MB', 'DISK_GB'):
            self.assertGreater(inventory[rc]['total'], 0, rc)
        self.assertEqual(before['vcpus'], inventory['VCPU']['total'])
        self.assertIn(node, self.driver.get_nodenames_by_uuid().values())
        self.assertTrue(self.driver.node_is_available(node))

    def test_op_host_uptime(self):
        if not self.declared('host-uptime'):
            return self.assert_not_supported('host-uptime')
        self.assertIn('up', self.driver.get_host_uptime())
        return None

    def test_op_host_ip(self):
        if not self.declared('host-ip'):
            return self.assert_not_supported('host-ip')
        self.assertEqual(self.conf.my_ip, self.driver.get_host_ip_addr())
        return None

    def test_op_host_cpu_stats(self):
        if not self.declared('host-cpu-stats'):
            return self.assert_not_supported('host-cpu-stats')
        stats = self.driver.get_host_cpu_stats()
        for key in ('kernel', 'idle', 'user', 'iowait', 'frequency'):
            self.assertIsInstance(stats[key], int, key)
        return None

    def _host_action(self, operation):
        if not self.declared(operation):
            return self.assert_not_supported(operation)
        self.fail('no contract test for %s yet: write one first' % operation)
        return None

    def test_op_host_maintenance_mode(self):
        self._host_action('host-maintenance-mode')

    def test_op_set_host_enabled(self):
        self._host_action('set-host-enabled')

    def test_op_host_power_action(self):
        self._host_action('host-power-action')

    def test_op_poll_rebooting(self):
        self._host_action('poll-rebooting')

    def test_op_power_update_event(self):
        self._host_action('power-update-event')

    # -- networking -------------------------------------------------------

    def guest_addresses(self, instance):
        """Hook: the IP addresses the guest of the running *instance* is
        given now, as the guest would learn them. Setups that declare
        inject-networking implement it."""
        raise NotImplementedError(
            '%s declares inject-networking: implement guest_addresses'
            % type(self).__name__)

    def wait_for_guest_address(self, instance, address):
        """The guest's addresses once *address* is among them (the guest
        may take a moment to read them), else what they are after
        ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        while True:
            found = self.guest_addresses(instance)
            if address in found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def test_op_inject_networking(self):
        net_info = self.make_network_info()
        instance = self.spawn(network_info=net_info)
        if not self.declared('inject-networking', instance):
            return self.assert_not_supported('inject-networking', instance)
        old = net_info.fixed_ips()[0]['address']
        new = renumbered(net_info, '192.0.2.77')
        self.driver.inject_network_info(instance, new)
        found = self.wait_for_guest_address(instance, '192.0.2.77')
        self.assertIn('192.0.2.77', found)
        self.assertNotIn(old, found)
        self.assertEqual(power_state.RUNNING, self.state(instance))
        return None

    def test_op_attach_interface(self):
        instance = self.spawn()
        if not self.declared('attach-interface', instance):
            return self.assert_not_supported('attach-interface', instance)
        vif = self.make_network_info()[0]
        self.driver.attach_interface(self.ctx, instance, self.image, vif)
        self.assertRaises(exception.VirtDriverError, self.driver.attach_interface,
                          self.ctx, instance, self.image, vif)
        self.driver.detach_interface(self.ctx, instance, vif)
        self.assertRaises(exception.VirtDriverError, self.driver.detach_interface,
                          self.ctx, instance, vif)
        self.assertEqual(power_state.RUNNING, self.state(instance))
        return None

    def test_op_plug_vifs(self):
        net_info = self.make_network_info()
        instance = self.spawn(network_info=net_info)
        if not self.declared('plug-vifs', instance):
            return self.assert_not_supported('plug-vifs', instance)
        # Plugging what is plugged is harmless (Nova replugs at start-up).
        self.driver.plug_vifs(instance, net_info)
        self.driver.unplug_vifs(instance, net_info)
        self.driver.unplug_vifs(instance, network.NetworkInfo())
        self.assertEqual(power_state.RUNNING, self.state(instance))
        return None


def renumbered(network_info, address):
    """A copy of *network_info* whose first fixed IP is *address*."""
    found = copy.deepcopy(network_info)
    found.fixed_ips()[0]['address'] = address
    return found
