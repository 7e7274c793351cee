"""The contract suite fails drivers that skip silently or lie.

Each case runs real contract tests against a deliberately broken FakeDriver
and asserts that they fail.
"""

import testtools

from virtdrivers import capabilities as caps
from virtdrivers import exception
from virtdrivers import virtapi
from virtdrivers.fake import driver as fake_driver
from virtdrivers.tests.unit.fake import test_contract as fake_contract


def run_contract_test(driver_cls, test_name):
    class Case(fake_contract.FakeDriverContractTest):
        timeout = 0.5

        def make_driver(self):
            return driver_cls(virtapi.LocalVirtAPI(), conf=self.conf,
                              image_service=self.image_service)

    result = testtools.TestResult()
    Case(test_name).run(result)
    return result


class SilentPause(fake_driver.FakeDriver):
    def pause(self, instance):
        pass


class DeclaresButRefuses(fake_driver.FakeDriver):
    def pause(self, instance):
        raise exception.NotSupported(operation='pause', reason='lying')


class WorksButUndeclared(fake_driver.FakeDriver):
    capabilities = fake_driver.FakeDriver.capabilities.without('pause')


class BareNotImplemented(fake_driver.FakeDriver):
    capabilities = fake_driver.FakeDriver.capabilities.without('pause')

    def pause(self, instance):
        raise NotImplementedError()


class WrongOperationName(fake_driver.FakeDriver):
    capabilities = fake_driver.FakeDriver.capabilities.without('pause')

    def pause(self, instance):
        raise exception.NotSupported(operation='suspend')

    def unpause(self, instance):
        raise exception.NotSupported(operation='suspend')


class IgnoresConfigDrive(fake_driver.FakeDriver):
    capabilities = fake_driver.FakeDriver.capabilities.without('config-drive')

    def require(self, operation, instance=None, image_meta=None):
        if operation != 'config-drive':
            super().require(operation, instance, image_meta)


class SnapshotUploadsNothing(fake_driver.FakeDriver):
    def snapshot(self, context, instance, image_id, update_task_state):
        update_task_state(task_state='image_pending_upload')
        update_task_state(task_state='image_uploading')


class WrongPowerState(fake_driver.FakeDriver):
    def power_off(self, instance, timeout=0, retry_interval=0):
        pass


class ContractStrictnessTest(testtools.TestCase):
    def assertFails(self, driver_cls, test_name):
        result = run_contract_test(driver_cls, test_name)
        self.assertFalse(result.wasSuccessful(),
                         '%s passed against %s' % (test_name, driver_cls.__name__))
        self.assertEqual(0, len(result.skip_reasons))

    def test_reference_driver_passes(self):
        for name in ('test_op_pause', 'test_op_config_drive', 'test_op_snapshot'):
            self.assertTrue(run_contract_test(fake_driver.FakeDriver, name)
                            .wasSuccessful(), name)

    def test_silent_skip_fails(self):
        self.assertFails(SilentPause, 'test_op_pause')

    def test_declared_but_not_supported_fails(self):
        self.assertFails(DeclaresButRefuses, 'test_op_pause')

    def test_undeclared_but_working_fails(self):
        self.assertFails(WorksButUndeclared, 'test_op_pause')

    def test_bare_not_implemented_error_fails(self):
        self.assertFails(BareNotImplemented, 'test_op_pause')

    def test_not_supported_for_the_wrong_operation_fails(self):
        self.assertFails(WrongOperationName, 'test_op_pause')

    def test_silently_ignored_spawn_feature_fails(self):
        self.assertFails(IgnoresConfigDrive, 'test_op_config_drive')

    def test_snapshot_without_upload_fails(self):
        self.assertFails(SnapshotUploadsNothing, 'test_op_snapshot')

    def test_power_off_that_does_nothing_fails(self):
        self.assertFails(WrongPowerState, 'test_op_power')

    def test_every_operation_is_exercised(self):
        for op in caps.OPERATIONS:
            name = 'test_op_' + op.name.replace('-', '_')
            self.assertTrue(hasattr(fake_contract.FakeDriverContractTest, name),
                            name)
