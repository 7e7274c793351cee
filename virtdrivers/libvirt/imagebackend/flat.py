"""``flat`` (alias ``raw``): each instance disk is a full copy of the base.

The copy is sparse and, where the file system can share blocks (btrfs,
XFS with reflink), a clone: ``cp --sparse=always --reflink=auto``. Nova's
Flat copies the same way; the disk then no longer needs the base, but the
instance keeps its cache reference so rebuilds and resizes find it cached.
"""

import os

from virtdrivers import fileutils
from virtdrivers.image import qemuimg
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend import file

# Base formats a flat disk keeps (a qcow2 base exists only when
# force_raw_images is off); any other format is converted to raw.
_KEPT_FORMATS = ('raw', 'qcow2')


class Flat(file.FileBackend):
    """Full, sparse copies of the cached base: raw, or qcow2 when the
    cache keeps qcow2 bases (``force_raw_images=False``)."""

    name = 'flat'
    SUPPORTS_COW = False
    disk_format = 'raw'
    image_types = base.QEMU_IMAGE_TYPES

    def _make_from_base(self, cached, tmp_path, size):
        if cached.format in _KEPT_FORMATS:
            fmt = cached.format
            fileutils.copy_sparse(cached.path, tmp_path)
        else:
            fmt = 'raw'
            qemuimg.convert(cached.path, cached.format, tmp_path, fmt)
        if size > cached.virtual_size:
            if fmt == 'raw':
                os.truncate(tmp_path, size)
            else:
                qemuimg.resize(tmp_path, fmt, size)
        return disks.DiskRecord(fmt, size, 'image', base=cached.path)
