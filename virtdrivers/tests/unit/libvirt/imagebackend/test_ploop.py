"""The ploop backend against the real ploop tool (Debian's ``ploop``
package, installed here when missing), real qemu-img and real files.

Without the ploop kernel module (mainline kernels have none), ``ploop
init -t none``, ``restore-descriptor``, ``grow`` and ``snapshot`` work,
which is all the backend runs. ``prl_disk_tool`` exists only on Virtuozzo:
resizing is tested both without it (NotSupported) and with a stand-in on
PATH that records its arguments and grows the image with ``ploop grow``.
"""

import os
import shutil
import subprocess
import threading

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.image import configdrive
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import ploop
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import ploop as ploop_backend
from virtdrivers.tests.unit.libvirt.imagebackend import helpers
from virtdrivers.tests.unit.libvirt.imagebackend import suite

MiB = helpers.MiB
SWAP_MAGIC_OFFSET = 4096 - 10

_INSTALL_LOCK = threading.Lock()
_INSTALL = {}

PRL_DISK_TOOL = """#!/bin/sh
# prl_disk_tool stand-in for tests: records its arguments and grows the
# image with "ploop grow" (the real tool also grows the partition and the
# file system inside).
echo "$@" >> "$(dirname "$0")/prl_disk_tool.log"
while [ $# -gt 0 ]; do
    case $1 in
        --size) size=$2; shift ;;
        --hdd) hdd=$2; shift ;;
    esac
    shift
done
exec ploop grow -s "$size" "$hdd/DiskDescriptor.xml"
"""


def ensure_ploop():
    """None when the ``ploop`` command is there (installing Debian's
    ``ploop`` package first when it is missing and this is root on a
    Debian-like host); otherwise the one-line reason to skip."""
    if shutil.which('ploop'):
        return None
    with _INSTALL_LOCK:
        if 'reason' not in _INSTALL:
            _INSTALL['reason'] = _install()
    return None if shutil.which('ploop') else _INSTALL['reason']


def _install():
    if os.geteuid() != 0 or not shutil.which('apt-get'):
        return ('the ploop command is missing (Debian package ploop) and '
                'cannot be installed without root and apt-get')
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    install = ('apt-get', '-q', '-y', '-o', 'DPkg::Lock::Timeout=300',
               'install', '--no-install-recommends', 'ploop')
    for cmd in (install, ('apt-get', '-q', '-o', 'DPkg::Lock::Timeout=300',
                          'update'), install):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False)
        if proc.returncode == 0 and cmd is install and shutil.which('ploop'):
            return None
    lines = (proc.stderr or proc.stdout).strip().splitlines() or ['?']
    return 'the ploop command is missing and apt-get install ploop failed: %s' \
        % lines[-1]


class PloopFixture(fixtures.Fixture):
    """Skips the test unless the ploop tool is (or can be) installed."""

    def __init__(self, test):
        super().__init__()
        self.test = test

    def _setUp(self):
        reason = ensure_ploop()
        if reason:
            self.test.skipTest(reason)


class FakePrlDiskTool(fixtures.Fixture):
    """The :data:`PRL_DISK_TOOL` stand-in first on PATH; ``.calls`` are the
    argument lists it was run with."""

    def _setUp(self):
        self.dir = self.useFixture(fixtures.TempDir()).path
        tool = os.path.join(self.dir, 'prl_disk_tool')
        with open(tool, 'w') as f:
            f.write(PRL_DISK_TOOL)
        os.chmod(tool, 0o755)
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', self.dir + os.pathsep + os.environ.get('PATH', '')))

    @property
    def calls(self):
        try:
            with open(os.path.join(self.dir, 'prl_disk_tool.log')) as f:
                return [line.split() for line in f]
        except FileNotFoundError:
            return []


def descriptor_type(directory):
    with open(os.path.join(directory, ploop.DESCRIPTOR)) as f:
        text = f.read()
    return 'Plain' if '<Type>Plain</Type>' in text else 'Compressed'


# -- the shared suite ---------------------------------------------------


class PloopSuiteTest(suite.BackendSuite, testtools.TestCase):
    def setUp(self):
        self.useFixture(PloopFixture(self))
        super().setUp()

    def make_backend(self, cache):
        return ploop_backend.Ploop(self.instances, cache, base.BackendSettings())

    def storage_left(self, instance):
        directory = os.path.join(self.instances, instance.uuid)
        return sorted(set(self.backend.disk_names(instance)) |
                      set(helpers.listing(directory)))

    def test_suite_resize_grows_keeps_data_refuses_to_shrink(self):
        # Through prl_disk_tool, which only Virtuozzo has: a stand-in.
        tool = self.useFixture(FakePrlDiskTool())
        super().test_suite_resize_grows_keeps_data_refuses_to_shrink()
        self.assertEqual(1, len(tool.calls))


# -- ploop specifics ----------------------------------------------------


class TestPloop(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(PloopFixture(self))
        self.images = self.useFixture(helpers.ImageStore())
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.instances = os.path.join(self.tmp, 'instances')
        self.instance = objects.Instance()
        self.image = self.images.raw_image(size=8 * MiB)
        self.backend = self.make_backend()

    def make_backend(self, force_raw=True, **settings):
        cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'), force_raw=force_raw)
        return ploop_backend.Ploop(self.instances, cache, base.BackendSettings(
            force_raw=force_raw, **settings))

    def disk_dir(self, name='disk'):
        return os.path.join(self.instances, self.instance.uuid, name)

    def ploop_image(self, size=8 * MiB):
        """A ploop1 (version 1) image with the marker, as ploop makes it."""
        directory = os.path.join(self.tmp, 'made')
        os.mkdir(directory)
        ploop.init(directory, size)
        helpers.qemu_img('convert', '-n', '-f', 'raw', '-O', 'parallels',
                         helpers.write_raw(self.images.path('m.raw'), size),
                         os.path.join(directory, ploop.ROOT))
        return self.images.upload(os.path.join(directory, ploop.ROOT), 'ploop')

    def extract(self, fmt='raw', name='disk'):
        target = os.path.join(self.tmp, 'out.%s' % fmt)
        self.backend.snapshot_extract(self.instance, name, target, fmt)
        return target

    def test_disk_from_raw_image_is_a_described_raw_delta(self):
        source = self.backend.create_from_image(None, self.instance, 'disk',
                                                self.image, 16 * MiB)
        self.assertEqual(context.DiskSource(type='file', path=self.disk_dir(),
                                            format='ploop'), source)
        self.assertEqual(['DiskDescriptor.xml', 'root.hds'],
                         sorted(os.listdir(self.disk_dir())))
        self.assertEqual('Plain', descriptor_type(self.disk_dir()))
        self.assertEqual(ploop.Description('raw', 16 * MiB, ('root.hds',)),
                         ploop.describe(self.disk_dir()))
        self.assertEqual(helpers.MARKER, helpers.read_at(
            os.path.join(self.disk_dir(), ploop.ROOT)))

    def test_ploop1_image_is_copied_as_it_is(self):
        self.image = self.ploop_image()
        backend = self.make_backend(force_raw=False)
        backend.create_from_image(None, self.instance, 'disk', self.image, 0)
        self.assertEqual('Compressed', descriptor_type(self.disk_dir()))
        self.assertEqual(ploop.Description('parallels', 8 * MiB, ('root.hds',)),
                         ploop.describe(self.disk_dir()))
        target = os.path.join(self.tmp, 'out.raw')
        backend.snapshot_extract(self.instance, 'disk', target, 'raw')
        self.assertEqual(helpers.MARKER, helpers.read_at(target))

    def test_ploop1_image_for_a_larger_disk_becomes_raw(self):
        self.image = self.ploop_image()
        backend = self.make_backend(force_raw=False)
        backend.create_from_image(None, self.instance, 'disk', self.image,
                                  12 * MiB)
        self.assertEqual(ploop.Description('raw', 12 * MiB, ('root.hds',)),
                         ploop.describe(self.disk_dir()))
        self.assertEqual(helpers.MARKER, helpers.read_at(
            os.path.join(self.disk_dir(), ploop.ROOT)))

    def test_qemu_made_ploop_image_version_2_becomes_raw(self):
        raw = helpers.write_raw(self.images.path('v2.raw'))
        v2 = self.images.path('v2.hds')
        helpers.qemu_img('convert', '-f', 'raw', '-O', 'parallels', raw, v2)
        self.assertFalse(ploop.is_version_1(v2))
        self.image = self.images.upload(v2, 'ploop')
        backend = self.make_backend(force_raw=False)
        backend.create_from_image(None, self.instance, 'disk', self.image, 0)
        self.assertEqual('raw', ploop.describe(self.disk_dir()).format)
        self.assertEqual(helpers.MARKER, helpers.read_at(
            os.path.join(self.disk_dir(), ploop.ROOT)))

    def test_qcow2_image_without_force_raw_is_converted(self):
        self.image = self.images.qcow2_image()
        backend = self.make_backend(force_raw=False)
        backend.create_from_image(None, self.instance, 'disk', self.image, 0)
        self.assertEqual('raw', ploop.describe(self.disk_dir()).format)
        self.assertEqual(helpers.MARKER, helpers.read_at(
            os.path.join(self.disk_dir(), ploop.ROOT)))

    def test_blank_disk_is_ploop_init(self):
        self.backend.create_blank(self.instance, 'disk.local', 3 * MiB + 1)
        found = ploop.describe(self.disk_dir('disk.local'))
        self.assertEqual(('parallels', 4 * MiB), (found.format, found.size))
        info = helpers.qemu_info(
            os.path.join(self.disk_dir('disk.local'), ploop.ROOT))
        self.assertEqual(('parallels', 4 * MiB),
                         (info['format'], info['virtual-size']))

    def test_swap_and_file_system_are_raw_deltas(self):
        self.backend.create_blank(self.instance, 'disk.swap', 2 * MiB, 'swap')
        root = os.path.join(self.disk_dir('disk.swap'), ploop.ROOT)
        self.assertEqual(b'SWAPSPACE2', helpers.read_at(root, SWAP_MAGIC_OFFSET, 10))
        self.assertEqual('Plain', descriptor_type(self.disk_dir('disk.swap')))
        backend = self.make_backend(default_ephemeral_format='ext4')
        backend.create_blank(self.instance, 'disk.local', 8 * MiB)
        root = os.path.join(self.disk_dir('disk.local'), ploop.ROOT)
        self.assertEqual(b'\x53\xef', helpers.read_at(root, 1080, 2))

    def test_config_drive_is_a_raw_file(self):
        iso = os.path.join(self.tmp, 'config.iso')
        configdrive.build_config_drive(self.instance, [], [], None, iso)
        source = self.backend.import_file(self.instance, 'disk.config', iso, 'raw')
        self.assertEqual(context.DiskSource(type='file',
                                            path=self.disk_dir('disk.config'),
                                            format='raw'), source)
        self.assertTrue(os.path.isfile(self.disk_dir('disk.config')))

    def test_resize_without_prl_disk_tool_is_not_supported(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', os.path.dirname(shutil.which('ploop'))))
        self.backend.create_from_image(None, self.instance, 'disk', self.image, 0)
        err = self.assertRaises(exception.NotSupported, self.backend.resize,
                                self.instance, 'disk', 16 * MiB)
        self.assertIn('resize is not supported', str(err))
        self.assertIn('prl_disk_tool', str(err))
        self.assertEqual(8 * MiB, ploop.describe(self.disk_dir()).size)

    def test_resize_runs_prl_disk_tool(self):
        tool = self.useFixture(FakePrlDiskTool())
        self.backend.create_from_image(None, self.instance, 'disk', self.image, 0)
        self.backend.resize(self.instance, 'disk', 20 * MiB + 1)
        self.assertEqual([['resize', '--size', '21M', '--resize_partition',
                           '--hdd', self.disk_dir()]], tool.calls)
        self.assertEqual(21 * MiB, self.backend.disk_info(
            self.instance)[0]['virt_disk_size'])

    def test_snapshot_as_ploop_is_a_parallels_image(self):
        self.backend.create_from_image(None, self.instance, 'disk', self.image, 0)
        target = self.extract('ploop')
        self.assertEqual('parallels', helpers.qemu_info(target)['format'])
        back = os.path.join(self.tmp, 'back.raw')
        helpers.qemu_img('convert', '-f', 'parallels', '-O', 'raw', target, back)
        self.assertEqual(helpers.MARKER, helpers.read_at(back))

    def test_snapshot_of_a_disk_with_ploop_snapshots_is_refused(self):
        self.backend.create_from_image(None, self.instance, 'disk', self.image, 0)
        subprocess.run(('ploop', 'snapshot', os.path.join(
            self.disk_dir(), ploop.DESCRIPTOR)), check=True, capture_output=True)
        err = self.assertRaises(exception.ImageBackendError, self.extract)
        self.assertIn('ploop snapshots', str(err))

    def test_disk_info_counts_the_files_of_the_directory(self):
        self.backend.create_from_image(None, self.instance, 'disk', self.image,
                                       64 * MiB)
        (info,) = self.backend.disk_info(self.instance)
        root = os.path.join(self.disk_dir(), ploop.ROOT)
        allocated = sum(os.stat(os.path.join(self.disk_dir(), n)).st_blocks * 512
                        for n in os.listdir(self.disk_dir()))
        self.assertEqual(
            {'type': 'ploop', 'path': self.disk_dir(), 'virt_disk_size': 64 * MiB,
             'backing_file': '', 'disk_size': allocated,
             'over_committed_disk_size': 64 * MiB - allocated},
            info)
        self.assertGreater(allocated, os.stat(root).st_blocks * 512 - 1)

    def test_preallocation_reserves_the_delta(self):
        backend = self.make_backend(preallocate='space')
        backend.create_from_image(None, self.instance, 'disk', self.image,
                                  16 * MiB)
        root = os.path.join(self.disk_dir(), ploop.ROOT)
        self.assertGreaterEqual(os.stat(root).st_blocks * 512, 16 * MiB)

    def test_failing_ploop_leaves_nothing(self):
        bindir = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(bindir, 'ploop'), 'w') as f:
            f.write('#!/bin/sh\necho "Error in ploop: boom" >&2\nexit 1\n')
        os.chmod(os.path.join(bindir, 'ploop'), 0o755)
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', bindir + os.pathsep + os.environ['PATH']))
        err = self.assertRaises(exception.ImageBackendError,
                                self.backend.create_from_image, None,
                                self.instance, 'disk', self.image, 0)
        self.assertIn('ploop restore-descriptor exited with 1', str(err))
        self.assertIn('boom', str(err))
        self.assertEqual([], helpers.listing(
            os.path.join(self.instances, self.instance.uuid)))
        self.assertEqual([], self.backend.cache.references(
            self.backend.cache.path_for(self.image.id)))

    def test_delete_all_removes_interrupted_creations(self):
        self.backend.create_blank(self.instance, 'disk.local', MiB)
        leftover = os.path.join(self.instances, self.instance.uuid,
                                '.disk.0123456789ab.tmp')
        os.mkdir(leftover)
        ploop.init(leftover, MiB)
        self.backend.delete_all(self.instance)
        self.assertFalse(os.path.exists(
            os.path.join(self.instances, self.instance.uuid)))

    def test_missing_ploop_fails_at_construction(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', self.useFixture(fixtures.TempDir()).path))
        err = self.assertRaises(exception.ConfigurationError, self.make_backend)
        self.assertIn('install the ploop package', str(err))


class TestPloopTool(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(PloopFixture(self))
        self.dir = self.useFixture(fixtures.TempDir()).path

    def test_init_works_with_a_tiny_environment(self):
        # Debian 12's ploop 1.15 segfaults in init unless >= 4 KiB of
        # environment follow argv; with almost none, the padding must do.
        self.useFixture(fixtures.MonkeyPatch(
            'os.environ', {'PATH': os.environ['PATH']}))
        ploop.init(self.dir, 2 * MiB)
        self.assertEqual(ploop.Description('parallels', 2 * MiB, ('root.hds',)),
                         ploop.describe(self.dir))
        subprocess.run(('ploop', 'check', os.path.join(self.dir, ploop.ROOT)),
                       check=True, capture_output=True)

    def test_unreadable_descriptor(self):
        self.assertRaises(exception.ImageBackendError, ploop.describe, self.dir)
        with open(os.path.join(self.dir, ploop.DESCRIPTOR), 'w') as f:
            f.write('<Parallels_disk_image/>')
        self.assertRaises(exception.ImageBackendError, ploop.describe, self.dir)
