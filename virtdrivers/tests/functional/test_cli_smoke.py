"""The installed ``virtdrivers`` command, end to end, in a subprocess."""

import os
import shutil
import subprocess
import sys

import fixtures
import testtools


def virtdrivers_command():
    found = shutil.which('virtdrivers', path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, '-m', 'virtdrivers.cmd.main']


class TestSmokeCommand(testtools.TestCase):
    def run_command(self, *args, config):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'nova.conf')
        with open(path, 'w') as f:
            f.write(config)
        return subprocess.run(
            virtdrivers_command() + ['--config-file', path] + list(args),
            capture_output=True, text=True, timeout=300, cwd=tmp)

    def test_smoke_with_nova_fake_driver(self):
        proc = self.run_command(
            'smoke', config='[DEFAULT]\ncompute_driver = fake.FakeDriver\n')
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
        self.assertIn('0 failed', proc.stdout)
        self.assertRegex(proc.stdout, r'\[13/13\] destroy +ok')

    def test_check_config_reports_bad_value(self):
        proc = self.run_command('check-config',
                                config='[libvirt]\nvirt_type = amiga\n')
        self.assertEqual(2, proc.returncode)
        self.assertIn('amiga', proc.stderr)

    def test_check_config_reports_unknown_image_backend(self):
        # Backends are plugins: the name is checked when the driver loads.
        proc = self.run_command(
            'check-config', config='[DEFAULT]\ncompute_driver = libvirt\n'
            '[libvirt]\nconnection_uri = test:///default\nvirt_type = qemu\n'
            'images_type = floppy\n')
        self.assertEqual(2, proc.returncode)
        self.assertIn("images_type='floppy' is unknown", proc.stderr)
        self.assertIn('qcow2', proc.stderr)
