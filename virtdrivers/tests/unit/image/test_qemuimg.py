"""The qemu-img wrapper against the real qemu-img."""

import os
import shutil

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers.image import qemuimg

MiB = 1024 * 1024


@testtools.skipUnless(shutil.which('qemu-img'), 'qemu-img is not installed')
class QemuImgTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def path(self, name):
        return os.path.join(self.tmp, name)

    def test_create_and_info(self):
        qemuimg.create(self.path('d.qcow2'), 'qcow2', 32 * MiB)
        info = qemuimg.info(self.path('d.qcow2'), 'qcow2')
        self.assertEqual(('qcow2', 32 * MiB, None),
                         (info.file_format, info.virtual_size,
                          info.backing_file))
        self.assertEqual(65536, info.cluster_size)

    def test_overlay_records_backing_file_and_format(self):
        qemuimg.create(self.path('base.raw'), 'raw', 8 * MiB)
        qemuimg.create(self.path('top.qcow2'), 'qcow2', None,
                       backing_file=self.path('base.raw'), backing_fmt='raw')
        info = qemuimg.info(self.path('top.qcow2'), 'qcow2')
        self.assertEqual(self.path('base.raw'), info.backing_file)
        self.assertEqual('raw', info.backing_file_format)
        self.assertEqual(8 * MiB, info.virtual_size)

    def test_backing_file_without_format_is_refused(self):
        err = self.assertRaises(exception.InvalidInput, qemuimg.create,
                                self.path('top.qcow2'), 'qcow2', None,
                                backing_file=self.path('base.raw'))
        self.assertIn('backing format', str(err))
        self.assertFalse(os.path.exists(self.path('top.qcow2')))

    def test_convert_round_trip_keeps_data(self):
        raw = self.path('a.raw')
        qemuimg.create(raw, 'raw', 4 * MiB)
        payload = os.urandom(4096)
        with open(raw, 'r+b') as f:
            f.seek(MiB)
            f.write(payload)
        qemuimg.convert(raw, 'raw', self.path('b.qcow2'), 'qcow2')
        self.assertEqual('qcow2', qemuimg.info(self.path('b.qcow2'),
                                               'qcow2').file_format)
        qemuimg.convert(self.path('b.qcow2'), 'qcow2', self.path('c.raw'),
                        'raw')
        with open(self.path('c.raw'), 'rb') as f:
            data = f.read()
        self.assertEqual(4 * MiB, len(data))
        self.assertEqual(payload, data[MiB:MiB + 4096])

    def test_convert_sparse_false_allocates_everything(self):
        raw = self.path('a.raw')
        qemuimg.create(raw, 'raw', 4 * MiB)
        qemuimg.convert(raw, 'raw', self.path('sparse.raw'), 'raw')
        qemuimg.convert(raw, 'raw', self.path('full.raw'), 'raw',
                        sparse=False)
        sparse = os.stat(self.path('sparse.raw')).st_blocks * 512
        full = os.stat(self.path('full.raw')).st_blocks * 512
        self.assertLess(sparse, MiB)
        self.assertGreaterEqual(full, 4 * MiB)

    def test_resize_grows_and_refuses_to_shrink(self):
        qemuimg.create(self.path('d.qcow2'), 'qcow2', 8 * MiB)
        qemuimg.resize(self.path('d.qcow2'), 'qcow2', 16 * MiB)
        self.assertEqual(16 * MiB, qemuimg.info(self.path('d.qcow2'),
                                                'qcow2').virtual_size)
        err = self.assertRaises(exception.ImageBackendError, qemuimg.resize,
                                self.path('d.qcow2'), 'qcow2', MiB)
        self.assertIn('--shrink', str(err))

    def test_info_on_missing_file_carries_stderr(self):
        err = self.assertRaises(exception.InvalidImage, qemuimg.info,
                                self.path('missing.qcow2'), 'qcow2')
        self.assertIn('No such file or directory', str(err))
        self.assertIn('missing.qcow2', str(err))

    def test_info_with_the_wrong_format_fails_rather_than_probing(self):
        qemuimg.create(self.path('d.qcow2'), 'qcow2', MiB)
        err = self.assertRaises(exception.InvalidImage, qemuimg.info,
                                self.path('d.qcow2'), 'vmdk')
        self.assertIn('VMDK', str(err))

    def test_failed_convert_leaves_no_output_and_carries_stderr(self):
        err = self.assertRaises(exception.ImageBackendError, qemuimg.convert,
                                self.path('missing.raw'), 'raw',
                                self.path('out.qcow2'), 'qcow2')
        self.assertIn('No such file or directory', str(err))
        self.assertFalse(os.path.exists(self.path('out.qcow2')))

    def test_relative_name_with_colon_is_a_file_not_a_protocol(self):
        cwd = os.getcwd()
        self.addCleanup(os.chdir, cwd)
        os.chdir(self.tmp)
        qemuimg.create('nbd:evil', 'raw', MiB)
        self.assertEqual(MiB, os.path.getsize(self.path('nbd:evil')))
        self.assertEqual(MiB, qemuimg.info('nbd:evil', 'raw').virtual_size)

    def _spy_calls(self):
        calls = []
        for site in ('processutils.execute', 'processes.run'):
            module, name = site.split('.')
            real = getattr(getattr(qemuimg, module), name)

            def spy(*cmd, _real=real, **kwargs):
                calls.append((cmd, kwargs))
                return _real(*cmd, **kwargs)

            self.useFixture(fixtures.MonkeyPatch(
                'virtdrivers.image.qemuimg.%s' % site, spy))
        return calls

    def test_info_runs_under_nova_process_limits(self):
        calls = self._spy_calls()
        qemuimg.create(self.path('d.raw'), 'raw', MiB)
        qemuimg.info(self.path('d.raw'), 'raw')
        cmd, _kwargs = calls[-1]
        # util-linux prlimit sets the limits, then execs qemu-img.
        self.assertTrue(cmd[0].endswith('prlimit'))
        self.assertEqual(['--cpu=30', '--as=%d' % (1024 * MiB), '--'],
                         list(cmd[1:4]))
        self.assertTrue(cmd[4].endswith('qemu-img'))
        self.assertEqual(['info', '-f', 'raw', '--output=json'], list(cmd[5:9]))
        self.assertTrue(all(c[0].endswith('prlimit') for c, _kw in calls))

    def test_limits_without_prlimit_command_use_oslo_wrapper(self):
        real_which = qemuimg.shutil.which
        self.useFixture(fixtures.MonkeyPatch(
            'virtdrivers.image.qemuimg.shutil.which',
            lambda name: None if name == 'prlimit' else real_which(name)))
        calls = self._spy_calls()
        qemuimg.create(self.path('d.raw'), 'raw', MiB)
        self.assertEqual(MiB, qemuimg.info(self.path('d.raw'), 'raw').virtual_size)
        cmd, kwargs = calls[-1]
        self.assertEqual(30, kwargs['prlimit'].cpu_time)
        self.assertEqual(1024 * MiB, kwargs['prlimit'].address_space)
        self.assertTrue(cmd[0].endswith('qemu-img'))

    def test_missing_qemu_img_is_a_configuration_error(self):
        empty = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('PATH', empty))
        err = self.assertRaises(exception.ConfigurationError, qemuimg.info,
                                self.path('d.raw'), 'raw')
        self.assertIn('qemu-img was not found', str(err))
