"""Helpers of the file backends: host tools and the ``disk.info`` record.

The tools (``fallocate``, ``mkswap``, ``mkfs.*``) run with explicit
arguments and a C locale; their failures become
:class:`~virtdrivers.exception.ImageBackendError` (or
:class:`~virtdrivers.exception.InsufficientStorage` when the disk is full)
with the tool's stderr, and a missing tool a
:class:`~virtdrivers.exception.ConfigurationError` naming its package.
"""

import dataclasses
import errno
import json
import logging
import os
import tempfile

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers import processes

LOG = logging.getLogger(__name__)

DISK_INFO = 'disk.info'
EPHEMERAL_FORMATS = ('ext2', 'ext3', 'ext4', 'xfs', 'vfat', 'ntfs')

# Tool -> the Debian package (and RPM, where it differs) providing it.
_PACKAGES = {
    'fallocate': 'util-linux',
    'mkswap': 'util-linux',
    'mkfs.ext2': 'e2fsprogs',
    'mkfs.ext3': 'e2fsprogs',
    'mkfs.ext4': 'e2fsprogs',
    'mkfs.xfs': 'xfsprogs',
    'mkfs.vfat': 'dosfstools',
    'mkfs.ntfs': 'ntfs-3g',
}
# -F: mke2fs and mkntfs ask before writing to a file that is no block device.
# -Q: mkntfs would otherwise zero the whole disk.
_MKFS_OPTIONS = {
    'ext2': ('-F', '-q'), 'ext3': ('-F', '-q'), 'ext4': ('-F', '-q'),
    'xfs': ('-f', '-q'), 'vfat': (), 'ntfs': ('-F', '-Q', '-q'),
}


def run(tool, *args, what=None, path=None):
    """Run *tool* with *args*; return its stdout.

    :param what: the thing being made, for the disk-full error.
    :param path: where, for the disk-full error.
    """
    try:
        out = processes.run(tool, *args)
    except processes.ProcessFailed as err:
        stderr = (err.stderr or '').strip()
        if 'No space left' in stderr:
            raise exception.InsufficientStorage(
                what=what or tool, path=path or '?', reason=stderr) from err
        raise exception.ImageBackendError(
            backend=tool, reason='%s exited with %s: %s'
            % (tool, err.exit_code, stderr)) from err
    except OSError as err:
        if err.errno == errno.ENOENT:
            raise exception.ConfigurationError(
                reason='%s was not found in PATH; install %s'
                % (tool, _PACKAGES.get(tool, 'it'))) from err
        raise exception.ImageBackendError(
            backend=tool, reason='%s could not run: %s' % (tool, err)) from err
    return out



def create_sparse(path, size):
    """A new raw file of *size* bytes that allocates nothing."""
    with open(path, 'xb') as f:
        f.truncate(size)


def make_swap(path):
    """Write a swap signature (``SWAPSPACE2``) to *path*."""
    run('mkswap', '--', path, what='swap', path=path)


def make_filesystem(path, fs_type, label):
    """Format *path* (a raw file) with *fs_type*, labelled *label*.

    :raises InvalidInput: *fs_type* is not one of :data:`EPHEMERAL_FORMATS`.
    """
    if fs_type not in EPHEMERAL_FORMATS:
        raise exception.InvalidInput(
            reason='file system %r (choices: %s)'
            % (fs_type, ', '.join(EPHEMERAL_FORMATS)))
    label_opt = '-n' if fs_type == 'vfat' else '-L'
    run('mkfs.%s' % fs_type, *_MKFS_OPTIONS[fs_type], label_opt, label, path,
        what='a %s file system' % fs_type, path=path)


def preallocate(path, size, keep_size):
    """Reserve *size* bytes of host disk for *path* (``fallocate``).

    :param keep_size: do not change the file's length (``-n``): what a
        qcow2 file needs, whose length qemu manages.
    :returns: False when the file system cannot preallocate (logged).
    :raises InsufficientStorage: the space is not there.
    """
    args = ('-n',) if keep_size else ()
    try:
        run('fallocate', *args, '-l', str(size), path,
            what='preallocated space', path=path)
    except exception.ImageBackendError as err:
        if isinstance(err, exception.InsufficientStorage) or \
                'not supported' not in str(err):
            raise
        LOG.warning('Cannot preallocate %s on this file system: %s', path, err)
        return False
    return True


def allocated_bytes(path):
    """Bytes *path* occupies on the host disk (0 when it is gone)."""
    try:
        return os.stat(path).st_blocks * 512
    except FileNotFoundError:
        return 0


@dataclasses.dataclass(frozen=True)
class DiskRecord:
    """What a backend knows of a disk it made, kept in ``disk.info``.

    Pinning the format here (Nova's CVE-2014-0133/CVE-2015-3241 hardening)
    means it is never probed; the sizes and base mean ``disk_info`` needs
    no ``qemu-img info``.

    :ivar format: the qemu format of the disk file.
    :ivar virtual_size: the size the guest sees, in bytes.
    :ivar kind: ``image``, ``ephemeral``, ``swap`` or ``file`` (imported).
    :ivar base: the cached base it was made from (its cache reference).
    :ivar backing: the disk reads *base* (a copy-on-write overlay).
    """

    format: str
    virtual_size: int
    kind: str
    base: str | None = None
    backing: bool = False

    @classmethod
    def from_dict(cls, data):
        return cls(format=str(data['format']),
                   virtual_size=int(data['virtual_size']),
                   kind=str(data['kind']), base=data.get('base'),
                   backing=bool(data.get('backing', False)))


def read_records(instance_dir):
    """``{disk name: DiskRecord}`` from *instance_dir*'s ``disk.info``.

    :raises ImageBackendError: the file exists but cannot be parsed.
    """
    path = os.path.join(instance_dir, DISK_INFO)
    try:
        with open(path) as f:
            data = json.load(f)
        return {name: DiskRecord.from_dict(record)
                for name, record in data['disks'].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise exception.ImageBackendError(
            backend='disk.info', reason='%s cannot be read: %s' % (path, err)
        ) from err


def write_records(instance_dir, records):
    """Replace *instance_dir*'s ``disk.info`` atomically (or remove it
    when *records* is empty)."""
    path = os.path.join(instance_dir, DISK_INFO)
    if not records:
        fileutils.remove(path)
        return
    data = {'version': 1, 'disks': {name: dataclasses.asdict(record)
                                    for name, record in records.items()}}
    fd, tmp = tempfile.mkstemp(dir=instance_dir, prefix='.disk.info-')
    # Atomic, not fsynced: the disks it describes are not fsynced either
    # (a copy is only as durable as the page cache until the kernel writes
    # it back), so a synchronous record would buy nothing but a wait.
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(data, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        fileutils.remove(tmp)
        raise


def disk_info(record, path, allocated):
    """One disk as ``get_instance_disk_info`` lists it, from its record."""
    return {
        'type': record.format,
        'path': path,
        'virt_disk_size': record.virtual_size,
        'backing_file': os.path.basename(record.base) if record.backing else '',
        'disk_size': allocated,
        'over_committed_disk_size': max(0, record.virtual_size - allocated),
    }
