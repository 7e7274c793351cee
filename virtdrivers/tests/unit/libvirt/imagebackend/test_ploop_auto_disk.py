"""Auto configure disk on ploop (``instance.auto_disk_config``): the disk
from an image is grown with ``prl_disk_tool --resize_partition``, so its
file system fills it. The real ploop tool; prl_disk_tool (Virtuozzo only)
is the recording stand-in of :mod:`.test_ploop`."""

import os
import shutil

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import ploop
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import ploop as ploop_backend
from virtdrivers.tests.unit.libvirt.imagebackend import helpers
from virtdrivers.tests.unit.libvirt.imagebackend import test_ploop

MiB = helpers.MiB


class TestAutoConfigureDisk(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(test_ploop.PloopFixture(self))
        self.images = self.useFixture(helpers.ImageStore())
        self.instances = os.path.join(
            self.useFixture(fixtures.TempDir()).path, 'instances')
        cache = imagecache.ImageCache(
            os.path.join(self.instances, '_base'), self.images.store,
            os.path.join(self.instances, 'locks'), force_raw=True)
        self.backend = ploop_backend.Ploop(self.instances, cache,
                                           base.BackendSettings())
        self.instance = objects.Instance()
        self.instance.auto_disk_config = True
        self.image = self.images.raw_image(size=8 * MiB)
        self.disk = os.path.join(self.instances, self.instance.uuid, 'disk')

    def create(self, size=16 * MiB):
        return self.backend.create_from_image(None, self.instance, 'disk',
                                              self.image, size)

    def without_disk_tool(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'PATH', os.path.dirname(shutil.which('ploop'))))

    def test_the_file_system_grows_with_the_disk(self):
        tool = self.useFixture(test_ploop.FakePrlDiskTool())
        self.create()
        # Made at the image's size, then grown by the tool that grows the
        # partition and file system inside.
        self.assertEqual([['resize', '--size', '16M', '--resize_partition',
                           '--hdd', self.disk]], tool.calls)
        self.assertEqual(16 * MiB, ploop.describe(self.disk).size)
        self.assertEqual(16 * MiB, self.backend.disk_info(
            self.instance)[0]['virt_disk_size'])
        self.assertEqual(helpers.MARKER, helpers.read_at(
            os.path.join(self.disk, ploop.ROOT)))

    def test_a_disk_the_size_of_the_image_needs_no_tool(self):
        tool = self.useFixture(test_ploop.FakePrlDiskTool())
        self.create(0)
        self.assertEqual([], tool.calls)
        self.assertEqual(8 * MiB, ploop.describe(self.disk).size)

    def test_without_auto_disk_config_the_tool_is_not_run(self):
        tool = self.useFixture(test_ploop.FakePrlDiskTool())
        self.instance.auto_disk_config = False
        self.create()
        self.assertEqual([], tool.calls)
        self.assertEqual(16 * MiB, ploop.describe(self.disk).size)

    def test_without_prl_disk_tool_it_is_not_supported(self):
        self.without_disk_tool()
        err = self.assertRaises(exception.NotSupported, self.create)
        self.assertEqual('auto-configure-disk', err.operation)
        self.assertIn('prl_disk_tool', str(err))
        self.assertEqual([], self.backend.disk_names(self.instance))
        self.assertFalse(os.path.exists(self.disk))

    def test_a_failing_tool_leaves_no_disk(self):
        tool = self.useFixture(test_ploop.FakePrlDiskTool())
        with open(os.path.join(tool.dir, 'prl_disk_tool'), 'w') as f:
            f.write('#!/bin/sh\necho "no space for the partition" >&2\n'
                    'exit 3\n')
        err = self.assertRaises(exception.ImageBackendError, self.create)
        self.assertIn('no space for the partition', str(err))
        self.assertEqual([], self.backend.disk_names(self.instance))
        self.assertFalse(os.path.exists(self.disk))

    def test_a_disk_smaller_than_the_image_is_refused(self):
        self.useFixture(test_ploop.FakePrlDiskTool())
        err = self.assertRaises(exception.InvalidInput, self.create, 4 * MiB)
        self.assertIn('%d bytes' % (4 * MiB), str(err))
        self.assertEqual([], self.backend.disk_names(self.instance))

    def test_declared_only_with_the_tool(self):
        settings = base.BackendSettings()
        self.without_disk_tool()
        self.assertIn('auto-configure-disk',
                      ploop_backend.Ploop.unsupported_operations(settings))
        self.useFixture(test_ploop.FakePrlDiskTool())
        self.assertNotIn('auto-configure-disk',
                         ploop_backend.Ploop.unsupported_operations(settings))
