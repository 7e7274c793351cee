"""How the ``pool`` backend keeps track of an instance's disks: each disk
is the volume :func:`volume_name` names, and what it is (format, size,
base) is recorded in the instance directory's ``pool.info``."""

import dataclasses
import json
import os
import tempfile

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt.imagebackend import disks

RECORDS = 'pool.info'
_RECORDS_TMP = '.pool.info-'


def volume_name(instance, disk_name):
    """``<instance uuid>_<disk name>``.

    :raises InvalidInput: a name that cannot name a volume file.
    """
    name = str(disk_name if disk_name is not None else '')
    if name.startswith('.') or '/' in name or '\0' in name:
        raise exception.InvalidInput(
            reason='%r cannot name a disk volume' % (disk_name,))
    return '%s_%s' % (imagecache.check_instance_uuid(instance.uuid), name)


def read_records(instance_dir):
    """``{disk name: DiskRecord}`` of the volumes, from ``pool.info``."""
    path = os.path.join(instance_dir, RECORDS)
    try:
        with open(path) as f:
            data = json.load(f)
        return {name: disks.DiskRecord.from_dict(record)
                for name, record in data['disks'].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise exception.ImageBackendError(
            backend='pool', reason='%s cannot be read: %s' % (path, err)
        ) from err


def write_records(instance_dir, records):
    """Replace ``pool.info`` atomically (remove it when *records* is empty)."""
    path = os.path.join(instance_dir, RECORDS)
    if not records:
        fileutils.remove(path)
        return
    data = {'version': 1, 'disks': {name: dataclasses.asdict(record)
                                    for name, record in records.items()}}
    fd, tmp = tempfile.mkstemp(dir=instance_dir, prefix=_RECORDS_TMP)
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        fileutils.remove(tmp)
        raise


def remove_temporaries(instance_dir):
    """Remove what interrupted writes of ``pool.info`` left behind."""
    for name in fileutils.listdir(instance_dir):
        if name.startswith(_RECORDS_TMP):
            fileutils.remove(os.path.join(instance_dir, name))
