"""Small file helpers every module that writes files needs."""

import errno
import fcntl
import os

from virtdrivers import exception


def remove(path):
    """Remove the file *path*; a file that is already gone is fine."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def listdir(path):
    """Sorted names in the directory *path*; [] when it does not exist."""
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return []


def check_readable(data_path):
    """Raise ``InvalidInput`` unless *data_path* (if given) can be read."""
    if data_path is None:
        return
    try:
        with open(data_path, 'rb'):
            pass
    except OSError as err:
        raise exception.InvalidInput(
            reason='image data %s cannot be read: %s' % (data_path, err)
        ) from err


def copy_sparse(src, dst):
    """Copy *src* to the new file *dst*, keeping holes; clone where the file
    system can (btrfs, XFS...). Like ``cp --sparse=always``: only data
    extents are read, and zero blocks inside them become holes too; done
    in-process, with no tool to start.

    :raises InsufficientStorage: the disk filled up.
    :raises ImageBackendError: any other failure.
    """
    try:
        with open(src, 'rb') as fin, open(dst, 'xb') as fout:
            if not _clone(fin, fout):
                _copy_extents(fin, fout)
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            raise exception.InsufficientStorage(
                what='a copy of %s' % src, path=dst, reason=err.strerror) from err
        raise exception.ImageBackendError(
            backend='copy', reason='copying %s to %s: %s' % (src, dst, err)
        ) from err


_FICLONE = 0x40049409   # linux/fs.h: _IOW(0x94, 9, int)


def _clone(fin, fout):
    try:
        fcntl.ioctl(fout.fileno(), _FICLONE, fin.fileno())
    except OSError:
        return False    # not a reflink-capable file system, or across them
    return True


def _copy_extents(fin, fout):
    src, dst = fin.fileno(), fout.fileno()
    size = os.fstat(src).st_size
    offset = 0
    while offset < size:
        try:
            start = os.lseek(src, offset, os.SEEK_DATA)
        except OSError as err:
            if err.errno == errno.ENXIO:    # only a hole is left
                break
            raise
        end = os.lseek(src, start, os.SEEK_HOLE)
        while start < end:
            chunk = os.pread(src, min(_CHUNK, end - start), start)
            if not chunk:
                raise OSError(errno.EIO, 'unexpected end of file at %d' % start)
            if chunk != _ZEROS[:len(chunk)]:
                os.pwrite(dst, chunk, start)
            start += len(chunk)
        offset = end
    os.ftruncate(dst, size)


_CHUNK = 1024 * 1024
_ZEROS = bytes(_CHUNK)
