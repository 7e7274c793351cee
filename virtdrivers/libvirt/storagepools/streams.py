"""Volume data over libvirt streams (``virStorageVolDownload`` and
``virStorageVolUpload``), holes kept: for pools libvirt cannot copy into,
and to read a volume out byte for byte."""

import contextlib
import errno
import os

from virtdrivers import exception
from virtdrivers.libvirt import errors
from virtdrivers.libvirt.binding import libvirt


def download_volume(vol, path):
    """Write the content of :class:`Volume` *vol* (its bytes, whatever its
    format) to the new file *path*; holes of a file volume stay holes.

    :raises NotSupported: the pool's driver cannot stream (the test driver).
    :raises HypervisorError: the transfer failed; *path* is removed.
    """
    flags = libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM \
        if _is_file(vol) else 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with _stream(vol, 'download') as stream:
            vol.vir.download(stream, 0, 0, flags)
            if flags:
                stream.sparseRecvAll(_write, _skip_hole, fd)
            else:
                stream.recvAll(_write, fd)
            stream.finish()
        # A trailing hole was only skipped: give the file its length.
        os.ftruncate(fd, os.lseek(fd, 0, os.SEEK_CUR))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink(path)
        raise
    os.close(fd)


def upload_volume(path, vol):
    """Write the local file *path* into :class:`Volume` *vol*, byte for byte
    (no format conversion: the file must be in the volume's format).

    Holes are sent as holes to a file volume, which leaves whatever that
    range held: upload into a new volume.

    :raises InvalidInput: the file is larger than the volume.
    :raises NotSupported: the pool's driver cannot stream (the test driver).
    :raises HypervisorError: the transfer failed.
    """
    size = os.path.getsize(path)
    desc = vol.describe()
    if desc.capacity is not None and size > desc.capacity and \
            desc.type != 'file':
        raise exception.InvalidInput(
            reason='%s is %d bytes, more than volume %s holds (%d)'
            % (path, size, vol.name, desc.capacity))
    sparse = desc.type == 'file'
    flags = libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM if sparse else 0
    fd = os.open(path, os.O_RDONLY)
    try:
        with _stream(vol, 'upload') as stream:
            vol.vir.upload(stream, 0, size, flags)
            if sparse:
                stream.sparseSendAll(_read, _data_or_hole, _seek, fd)
            else:
                stream.sendAll(_read, fd)
            stream.finish()
    finally:
        os.close(fd)


@contextlib.contextmanager
def _stream(vol, operation):
    stream = vol.host.call(lambda conn: conn.newStream(0),
                           operation='open a stream')
    try:
        with errors.translated(operation='%s volume %s'
                               % (operation, vol.name), host=vol.host.uri):
            yield stream
    except BaseException:
        with contextlib.suppress(libvirt.libvirtError):
            stream.abort()
        raise


def _is_file(vol):
    return vol.describe().type in (None, 'file')


def _write(_stream, data, fd):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    return len(data)


def _skip_hole(_stream, length, fd):
    os.lseek(fd, length, os.SEEK_CUR)
    return 0


def _read(_stream, nbytes, fd):
    return os.read(fd, nbytes)


def _seek(_stream, length, fd):
    return os.lseek(fd, length, os.SEEK_CUR)


def _data_or_hole(_stream, fd):
    """``[in data, section length]`` at *fd*'s offset (sparseSendAll)."""
    here = os.lseek(fd, 0, os.SEEK_CUR)
    end = os.fstat(fd).st_size
    if here >= end:
        return [False, 0]   # the end: the next read returns nothing
    try:
        data = os.lseek(fd, here, os.SEEK_DATA)
    except OSError as err:
        if err.errno != errno.ENXIO:
            raise
        data = end      # only a hole is left
    if data > here:
        section = [False, data - here]
    else:
        section = [True, os.lseek(fd, here, os.SEEK_HOLE) - here]
    os.lseek(fd, here, os.SEEK_SET)
    return section


def _unlink(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
