"""Contract: consoles and diagnostics."""

from virtdrivers import console
from virtdrivers import diagnostics
from virtdrivers import exception
from virtdrivers.tests.contract.base import ContractBase


class ConsoleContract(ContractBase):
    def test_op_console_output(self):
        instance = self.spawn()
        if not self.declared('console-output', instance):
            return self.assert_not_supported('console-output', instance)
        output = self.driver.get_console_output(self.ctx, instance)
        self.assertIsInstance(output, bytes | str)
        return None

    def _graphics(self, operation, method, cls):
        instance = self.spawn()
        if not self.declared(operation, instance):
            return self.assert_not_supported(operation, instance)
        info = getattr(self.driver, method)(self.ctx, instance)
        self.assertIsInstance(info, cls)
        self.assertTrue(info.host)
        self.assertGreater(info.port, 0)
        stopped = self.spawn(power_on=False)
        self.assertRaises(exception.ConsoleNotAvailable,
                          getattr(self.driver, method), self.ctx, stopped)
        return None

    def test_op_vnc_console(self):
        self._graphics('vnc-console', 'get_vnc_console', console.ConsoleVNC)

    def test_op_spice_console(self):
        self._graphics('spice-console', 'get_spice_console', console.ConsoleSpice)

    def test_op_serial_console(self):
        self._graphics('serial-console', 'get_serial_console', console.ConsoleSerial)

    def test_op_mks_console(self):
        self._graphics('mks-console', 'get_mks_console', console.ConsoleMKS)

    def test_op_diagnostics(self):
        instance = self.spawn(instance=self.new_instance(
            flavor=self.make_flavor(vcpus=2)))
        if not self.declared('diagnostics', instance):
            return self.assert_not_supported('diagnostics', instance)
        diags = self.driver.get_instance_diagnostics(instance)
        self.assertIsInstance(diags, diagnostics.Diagnostics)
        self.assertEqual('running', diags.state)
        self.assertEqual(2, diags.num_cpus)
        self.assertGreaterEqual(diags.num_disks, 1)
        self.assertIsInstance(self.driver.get_diagnostics(instance), dict)
        return None
