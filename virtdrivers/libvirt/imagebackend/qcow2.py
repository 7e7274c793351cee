"""``qcow2``: each instance disk is a copy-on-write overlay on the base.

The overlay names its backing file and the backing file's format
explicitly (``-b base -F fmt``), so the base is never probed. The base was
inspected when the cache fetched it (declared format, no backing file of its
own, no data file), which is why this backend does not inspect it again on
every spawn as Nova's does.
"""

from virtdrivers.image import qemuimg
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import disks
from virtdrivers.libvirt.imagebackend import file


class Qcow2(file.FileBackend):
    """qcow2 overlays of the cached base; blank disks are plain qcow2."""

    name = 'qcow2'
    SUPPORTS_COW = True
    disk_format = 'qcow2'
    image_types = base.QEMU_IMAGE_TYPES

    def _make_from_base(self, cached, tmp_path, size):
        qemuimg.create(tmp_path, 'qcow2', size, backing_file=cached.path,
                       backing_fmt=cached.format)
        return disks.DiskRecord('qcow2', size, 'image', base=cached.path,
                                backing=True)
