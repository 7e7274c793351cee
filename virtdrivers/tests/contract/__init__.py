"""The driver contract suite.

Subclass :class:`DriverContract` and implement ``make_driver``; see
:mod:`virtdrivers.tests.contract.base` for the hooks.
"""

from virtdrivers import capabilities as caps
from virtdrivers.tests.contract.consoles import ConsoleContract
from virtdrivers.tests.contract.host import HostContract
from virtdrivers.tests.contract.lifecycle import LifecycleContract
from virtdrivers.tests.contract.migration import MigrationContract
from virtdrivers.tests.contract.storage import StorageContract


def test_name(operation):
    return 'test_op_' + operation.replace('-', '_')


class DriverContract(LifecycleContract, ConsoleContract, StorageContract,
                     HostContract, MigrationContract):
    """Every operation's contract test, for one driver setup."""

    def test_every_operation_has_a_contract_test(self):
        missing = [op.name for op in caps.OPERATIONS
                   if not hasattr(self, test_name(op.name))]
        self.assertEqual([], missing)

    def test_declarations_are_valid(self):
        capabilities = self.driver.capabilities
        self.assertLessEqual(caps.MANDATORY, capabilities.operations)
        for key in caps.CAPABILITY_KEYS:
            self.assertIsInstance(capabilities[key], bool, key)
