"""The virtdrivers command, run in-process as an operator would run it."""

import io
import os
import sys

import fixtures
import testtools

from virtdrivers import driver
from virtdrivers.cmd import main
from virtdrivers.tests.unit import entrypoints

BROKEN_DRIVER = '''
from virtdrivers.fake.driver import FakeDriver

class Driver(FakeDriver):
    driver_name = 'brokenfake'

    def pause(self, instance):
        """Claims to pause, does nothing."""
'''


class TestCLI(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def run_cli(self, *args, config=None):
        argv = []
        if config is not None:
            path = os.path.join(self.tmp, 'nova.conf')
            with open(path, 'w') as f:
                f.write(config)
            argv += ['--config-file', path]
        out, err = io.StringIO(), io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', out))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        rc = main.main(argv + list(args))
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        return rc, out.getvalue(), err.getvalue()

    def test_smoke_with_a_nova_conf(self):
        rc, out, _ = self.run_cli(
            'smoke', config='[DEFAULT]\ncompute_driver = fake.FakeDriver\n')
        self.assertEqual(0, rc, out)
        self.assertIn("driver fake (FakeDriver)", out)
        for step in ('spawn', 'pause', 'snapshot', 'destroy'):
            self.assertRegex(out, r'\] %s +ok' % step)
        self.assertIn('13 steps: 13 passed, 0 skipped, 0 failed', out)

    def test_smoke_fails_loudly_when_a_step_lies(self):
        self.useFixture(entrypoints.EntryPoints(
            {driver.NAMESPACE: {'brokenfake': 'vdbroken:Driver'}},
            modules={'vdbroken': BROKEN_DRIVER}))
        rc, out, _ = self.run_cli(
            'smoke', '--timeout', '1',
            config='[DEFAULT]\ncompute_driver = brokenfake\n')
        self.assertEqual(1, rc)
        self.assertRegex(out, r'\] pause +FAILED .*expected paused')
        self.assertIn('1 failed', out)

    def test_smoke_refuses_bad_configuration(self):
        rc, _, err = self.run_cli('smoke', config='[libvirt]\nvirt_type = amiga\n')
        self.assertEqual(2, rc)
        self.assertIn('amiga', err)

    def test_drivers_lists_availability(self):
        self.useFixture(entrypoints.EntryPoints(
            {driver.NAMESPACE: {'vdxen': 'vdxenmod:D'}},
            modules={'vdxenmod': 'import XenAPI\n'}))
        rc, out, _ = self.run_cli('drivers')
        self.assertEqual(0, rc)
        self.assertRegex(out, r'fake +available +virtdrivers.fake.driver.FakeDriver')
        self.assertRegex(out, r'vdxen +unavailable .*virtdrivers\[xenapi\]')

    def test_check_config(self):
        rc, out, _ = self.run_cli(
            'check-config', config='[DEFAULT]\ncompute_driver = fake.FakeDriver\n')
        self.assertEqual(0, rc)
        self.assertIn('configuration OK', out)
        rc, _, err = self.run_cli(
            'check-config', config='[DEFAULT]\ncompute_driver = amiga\n')
        self.assertEqual(2, rc)
        self.assertIn("'amiga' is unknown", err)

    def test_support_matrix_is_generated(self):
        rc, out, _ = self.run_cli('support-matrix')
        self.assertEqual(0, rc)
        self.assertRegex(out, r'Pause and unpause +yes')
        self.assertRegex(out, r'Abort live migration +no')
        rc, out, _ = self.run_cli('support-matrix', '--format', 'json')
        self.assertIn('"fake"', out)

    def test_missing_command(self):
        err = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        exit_ = self.assertRaises(SystemExit, main.main, [])
        self.assertEqual(2, exit_.code)
        self.assertIn('required: command', err.getvalue())

    def test_smoke_defaults_to_libvirt_on_the_test_driver(self):
        rc, out, _ = self.run_cli('smoke', config='')
        self.assertEqual(0, rc, out)
        self.assertIn('driver libvirt (LibvirtDriver)', out)
        self.assertIn('13 steps: 13 passed', out)
