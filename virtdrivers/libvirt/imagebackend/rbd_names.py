"""The names the ``rbd`` backend uses: RBD image names (Nova's, so Nova's
disks are found), the image metadata keys that say what a disk was made
from, the snapshot Glance hands out, and the options errors name."""

from virtdrivers import exception
from virtdrivers.libvirt import imagecache

# RBD image metadata keys.
META_BASE = 'virtdrivers.base'
META_KIND = 'virtdrivers.kind'
META_IMAGE = 'virtdrivers.image_id'
# The protected snapshot Glance's RBD store makes and hands out.
GLANCE_SNAPSHOT = 'snap'


def image_name(instance, disk_name):
    """``<instance uuid>_<disk name>``, Nova's RBD image name.

    :raises InvalidInput: a disk name RBD cannot take.
    """
    name = str(disk_name if disk_name is not None else '')
    if '/' in name or '@' in name or '\0' in name or name.startswith('.'):
        raise exception.InvalidInput(
            reason='%r cannot name an RBD image' % (disk_name,))
    return '%s_%s' % (imagecache.check_instance_uuid(instance.uuid), name)
