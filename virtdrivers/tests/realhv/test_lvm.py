"""The lvm backend on real LVM: a volume group on a loop device (root).

What works without device-mapper (``pvcreate``, ``vgcreate``, ``vgs``,
``lvs``, lvm2's errors) runs wherever there is root, lvm2 and a loop
device. Creating a logical volume needs device-mapper (``/dev/mapper/
control``); without it the backend suite skips with that reason (the unit
tests run the same suite on emulated volumes).
"""

import os
import shutil
import subprocess
import uuid

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import lvm
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import lvm as lvm_backend
from virtdrivers.testing import realhv
from virtdrivers.tests.unit.libvirt.imagebackend import suite

MiB = 1024 * 1024
TOOLS = ('losetup', 'pvcreate', 'vgcreate', 'vgremove', 'pvremove', 'lvcreate')
PACKAGES = ('lvm2', 'thin-provisioning-tools')


def device_mapper_reason():
    """None when device-mapper answers, else why logical volumes cannot be
    created here."""
    try:
        os.close(os.open('/dev/mapper/control', os.O_RDWR))
    except OSError as err:
        return ('no device-mapper (/dev/mapper/control: %s): logical volumes '
                'cannot be created here' % err.strerror)
    return None


def _run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL).stdout


def _tools_reason():
    if os.geteuid() != 0:
        return 'real LVM needs root'
    if all(shutil.which(t) for t in TOOLS):
        return None
    if os.environ.get('REALHV_SKIP_APT') or not shutil.which('apt-get'):
        return 'lvm2 is not installed (REALHV_SKIP_APT or no apt-get)'
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    proc = subprocess.run(('apt-get', '-q', '-y', '-o', 'DPkg::Lock::Timeout=300',
                           'install', '--no-install-recommends') + PACKAGES,
                          env=env, capture_output=True, text=True, check=False)
    if proc.returncode or not all(shutil.which(t) for t in TOOLS):
        return 'apt-get install lvm2 failed: %s' % (
            proc.stderr.strip().splitlines() or ['?'])[-1]
    return None


class LoopVolumeGroup(fixtures.Fixture):
    """A new volume group ``.name`` on a loop device over a sparse file.

    :raises RealHVUnavailable: (wrapped) not root, no lvm2, no loop device.
    """

    def __init__(self, size=512 * MiB, extent=MiB):
        super().__init__()
        self.size = size
        self.extent = extent

    def _setUp(self):
        reason = _tools_reason()
        if reason:
            raise realhv.RealHVUnavailable(reason)
        backing = os.path.join(self.useFixture(fixtures.TempDir()).path, 'pv')
        with open(backing, 'wb') as f:
            f.truncate(self.size)
        try:
            self.device = _run('losetup', '-f', '--show', backing).strip()
        except subprocess.CalledProcessError as err:
            raise realhv.RealHVUnavailable(
                'no loop device: %s' % err.stderr.strip()) from err
        self.addCleanup(_run, 'losetup', '-d', self.device)
        self.name = 'virtdrivers-test-%s' % uuid.uuid4().hex[:8]
        _run('pvcreate', '-q', self.device)
        self.addCleanup(_run, 'pvremove', '-q', self.device)
        _run('vgcreate', '-q', '-s', '%dk' % (self.extent // 1024), self.name,
             self.device)
        self.addCleanup(_run, 'vgremove', '-q', '-f', self.name)


class _RealBase:
    def make_cache(self, tmp):
        instances = os.path.join(tmp, 'instances')
        return instances, imagecache.ImageCache(
            os.path.join(instances, '_base'), None,
            os.path.join(instances, 'locks'))


class RealVolumeGroupTest(_RealBase, testtools.TestCase):
    """What real lvm2 does without device-mapper too."""

    def setUp(self):
        super().setUp()
        self.vg = realhv.use_or_skip(self, LoopVolumeGroup(size=64 * MiB))
        self.instances, self.cache = self.make_cache(
            self.useFixture(fixtures.TempDir()).path)

    def backend(self, group=None):
        return lvm_backend.Lvm(self.instances, self.cache, base.BackendSettings(),
                               lvm_backend.LvmSettings(group or self.vg.name))

    def test_group_size_and_free_space(self):
        size, free, extent = lvm.VolumeGroup(self.vg.name).info()
        self.assertEqual(MiB, extent)
        self.assertEqual(size, free)
        self.assertGreater(size, 60 * MiB)
        self.assertEqual((size, free), self.backend().capacity())

    def test_missing_group_fails_with_lvm_s_message(self):
        err = self.assertRaises(exception.ConfigurationError, self.backend,
                                'virtdrivers-no-such-vg')
        self.assertIn('[libvirt] images_volume_group=virtdrivers-no-such-vg',
                      str(err))
        self.assertIn('Volume group "virtdrivers-no-such-vg" not found',
                      str(err))

    def test_empty_group_lists_nothing(self):
        backend = self.backend()
        instance = objects.Instance()
        self.assertEqual([], backend.disk_names(instance))
        self.assertFalse(backend.exists(instance, 'disk'))
        self.assertEqual([], backend.disk_info(instance))
        backend.delete(instance, 'disk')        # idempotent
        self.assertRaises(exception.NotFound, backend.source, instance, 'disk')

    def test_lvm_errors_are_translated(self):
        group = lvm.VolumeGroup(self.vg.name)
        self.assertRaises(exception.NotFound, group.remove, 'nothing')
        self.assertRaises(exception.NotFound, group.extend, 'nothing', 8 * MiB)

    def test_without_device_mapper_creation_fails_cleanly(self):
        if device_mapper_reason() is None:
            self.skipTest('device-mapper works here')
        backend = self.backend()
        instance = objects.Instance()
        err = self.assertRaises(exception.ImageBackendError, backend.create_blank,
                                instance, 'disk', 8 * MiB)
        self.assertIn('device-mapper', str(err))
        self.assertEqual([], backend.disk_names(instance))


class _RealSuite(suite.BackendSuite):
    sparse = False

    def setUp(self):
        reason = device_mapper_reason()
        if reason:
            self.skipTest(reason)
        self.vg = realhv.use_or_skip(self, LoopVolumeGroup())
        super().setUp()

    def make_backend(self, cache):
        return lvm_backend.Lvm(self.instances, cache, base.BackendSettings(),
                               lvm_backend.LvmSettings(self.vg.name,
                                                       sparse=self.sparse))

    def storage_left(self, instance):
        out = _run('lvs', '--noheadings', '-o', 'lv_name', self.vg.name)
        return sorted(name.strip() for name in out.split()
                      if name.strip().startswith(instance.uuid + '_'))


class RealLvmSuiteTest(_RealSuite, testtools.TestCase):
    pass


class RealThinLvmSuiteTest(_RealSuite, testtools.TestCase):
    sparse = True
