"""inspect_image against real images made by the real qemu-img."""

import json
import os
import shutil
import subprocess

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers.image import inspect

MiB = 1024 * 1024
QEMU_IMG = shutil.which('qemu-img')


def qemu_img(*args):
    subprocess.run((QEMU_IMG,) + args, check=True, capture_output=True)


def qemu_virtual_size(path, fmt):
    out = subprocess.run((QEMU_IMG, 'info', '-f', fmt, '--output=json', path),
                         check=True, capture_output=True).stdout
    return json.loads(out)['virtual-size']


@testtools.skipUnless(QEMU_IMG, 'qemu-img is not installed')
class InspectImageTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def path(self, name):
        return os.path.join(self.tmp, name)

    def create(self, name, fmt, size='16M', *options):
        qemu_img('create', '-q', '-f', fmt, *options, self.path(name), size)
        return self.path(name)

    def assertRefused(self, path, declared, *words):
        err = self.assertRaises(exception.InvalidImage, inspect.inspect_image,
                                path, declared, 'img-1')
        self.assertIn('img-1', str(err))
        for word in words:
            self.assertIn(word, str(err))
        return err

    def test_raw(self):
        path = self.create('disk.raw', 'raw')
        with open(path, 'r+b') as f:
            f.write(b'bootsector')
        found = inspect.inspect_image(path, 'raw', 'img-1')
        self.assertEqual('raw', found.format)
        self.assertEqual(16 * MiB, found.virtual_size)
        # Sparse: one written block, not 16 MiB.
        self.assertLess(found.actual_size, MiB)
        self.assertGreater(found.actual_size, 0)

    def test_well_formed_images_of_each_format(self):
        cases = [('qcow2', 'qcow2', 'qcow2'), ('vmdk', 'vmdk', 'vmdk'),
                 ('vdi', 'vdi', 'vdi'), ('vpc', 'vhd', 'vpc'),
                 ('vhdx', 'vhdx', 'vhdx'), ('parallels', 'ploop', 'parallels')]
        for qemu_fmt, declared, expected in cases:
            path = self.create('disk.' + qemu_fmt, qemu_fmt, '20M')
            found = inspect.inspect_image(path, declared, 'img-1')
            self.assertEqual(expected, found.format, declared)
            # The same virtual size as qemu-img reports, read without it.
            self.assertEqual(qemu_virtual_size(path, qemu_fmt),
                             found.virtual_size, declared)

    def test_qcow2_with_backing_file_is_refused(self):
        base = self.create('base.raw', 'raw')
        path = self.path('overlay.qcow2')
        qemu_img('create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', path)
        self.assertRefused(path, 'qcow2', 'backing file')

    def test_qcow2_with_external_data_file_is_refused(self):
        path = self.create('data.qcow2', 'qcow2', '8M', '-o',
                           'data_file=' + self.path('data.raw'))
        self.assertRefused(path, 'qcow2', 'data_file')

    def test_qcow2_uploaded_as_raw_is_refused(self):
        path = self.create('lying.img', 'qcow2')
        self.assertRefused(path, 'raw', 'content is qcow2',
                           'disk_format says raw')
        # ami/aki/ari are raw too: no qcow2 hidden behind them either.
        self.assertRefused(path, 'ami', 'content is qcow2')

    def test_qcow2_with_backing_file_uploaded_as_raw_is_refused(self):
        base = self.create('base.raw', 'raw')
        path = self.path('evil.img')
        qemu_img('create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', path)
        self.assertRefused(path, 'raw', 'content is qcow2')

    def test_raw_declared_as_qcow2_is_refused(self):
        path = self.create('disk.raw', 'raw')
        self.assertRefused(path, 'qcow2', 'content is raw')

    def test_vmdk_with_flat_extent_is_refused(self):
        path = self.create('flat.vmdk', 'vmdk', '4M', '-o',
                           'subformat=monolithicFlat')
        self.assertRefused(path, 'vmdk', 'descriptor')

    def test_vmdk_whose_extent_names_a_host_path_is_refused(self):
        path = self.create('disk.vmdk', 'vmdk', '4M')
        with open(path, 'rb') as f:
            data = f.read()
        # Point the embedded descriptor's extent at another file, keeping
        # the length of the name.
        self.assertIn(b'"disk.vmdk"', data)
        with open(path, 'wb') as f:
            f.write(data.replace(b'"disk.vmdk"', b'"/etc/shdw"'))
        self.assertRefused(path, 'vmdk', 'extent')

    def test_truncated_qcow2_header_is_refused(self):
        path = self.create('disk.qcow2', 'qcow2')
        os.truncate(path, 100)
        self.assertRefused(path, 'qcow2', 'content is raw')

    def test_garbage_is_refused_as_any_structured_format(self):
        path = self.path('garbage')
        with open(path, 'wb') as f:
            f.write(os.urandom(256 * 1024))
        for declared in ('qcow2', 'vmdk', 'vhdx', 'vdi', 'vhd', 'ploop'):
            self.assertRefused(path, declared)

    def test_unsupported_disk_format_is_refused(self):
        path = self.create('disk.raw', 'raw')
        self.assertRefused(path, 'luks', "disk_format 'luks' is not supported")
        self.assertRefused(path, None, 'not supported')

    def test_missing_file_and_directory_are_refused(self):
        self.assertRefused(self.path('nope'), 'raw', 'cannot be read')
        self.assertRefused(self.tmp, 'raw', 'not a regular file')
