"""What the image cache and backend tests share: real images, a real
LocalImageStore, an image service wrapper that counts downloads, a tmpfs."""

import json
import os
import shutil
import subprocess

import fixtures

from virtdrivers.image import local
from virtdrivers.testing import images

MiB = 1024 * 1024
QEMU_IMG = shutil.which('qemu-img')
MARKER = b'virtdrivers-marker'
MARKER_OFFSET = 3 * MiB + 17


def qemu_img(*args):
    return subprocess.run((QEMU_IMG,) + args, check=True,
                          capture_output=True).stdout


def qemu_info(path, fmt=None):
    """Real ``qemu-img info`` (tests may probe; the code may not)."""
    args = ['info', '--output=json', '--force-share']
    if fmt:
        args += ['-f', fmt]
    return json.loads(qemu_img(*args, path))


def write_raw(path, size=8 * MiB, marker=MARKER, offset=MARKER_OFFSET):
    """A sparse raw image with *marker* at *offset*."""
    with open(path, 'wb') as f:
        f.truncate(size)
        f.seek(offset)
        f.write(marker)
    return path


def read_at(path, offset=MARKER_OFFSET, length=None):
    with open(path, 'rb') as f:
        f.seek(offset)
        return f.read(len(MARKER) if length is None else length)


def listing(directory):
    """Every entry under *directory*, recursively, relative to it."""
    found = []
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            found.append(os.path.relpath(os.path.join(root, name), directory))
    return sorted(found)


# Shared with the benchmarks: virtdrivers.testing.images.
CountingImageService = images.CountingImageService


class ImageStore(fixtures.Fixture):
    """A real LocalImageStore in a temporary directory, and image makers."""

    def _setUp(self):
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.store = local.LocalImageStore(os.path.join(self.tmp, 'store'))

    def path(self, name):
        return os.path.join(self.tmp, name)

    def upload(self, data_path, disk_format):
        return self.store.create(None, {'name': os.path.basename(data_path),
                                        'disk_format': disk_format,
                                        'container_format': 'bare'},
                                 data_path=data_path)

    def raw_image(self, size=8 * MiB):
        return self.upload(write_raw(self.path('raw-%d.img' % size), size),
                           'raw')

    def qcow2_image(self, size=8 * MiB, compressed=False):
        raw = write_raw(self.path('src.raw'), size)
        dst = self.path('img.qcow2')
        qemu_img('convert', '-q', '-f', 'raw', '-O', 'qcow2',
                 *(('-c',) if compressed else ()), raw, dst)
        return self.upload(dst, 'qcow2')

    def data_path(self, image):
        return os.path.join(self.store.directory, image.id)


class Tmpfs(fixtures.Fixture):
    """A small tmpfs mounted on a new directory (needs root)."""

    def __init__(self, size):
        super().__init__()
        self.size = size

    def _setUp(self):
        self.path = self.useFixture(fixtures.TempDir()).path
        subprocess.run(('mount', '-t', 'tmpfs', '-o', 'size=%d' % self.size,
                        'tmpfs', self.path), check=True, capture_output=True)
        self.addCleanup(subprocess.run, ('umount', self.path), check=True)


def can_mount():
    return os.geteuid() == 0 and shutil.which('mount') is not None
