"""Image data in and out of RBD: a local raw file imported into a new
image and an image exported to a local file, both sparse (holes are not
read, chunks of zeroes not written)."""

import errno
import os

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers.libvirt import rbd_errors

# librbd's default object size: reads and writes in whole objects.
CHUNK = 4 * 1024 * 1024
_ZEROS = bytes(CHUNK)


class ImageTransferMixin:
    """The data transfers of
    :class:`~virtdrivers.libvirt.rbd_utils.RbdClient`; need its ``create``,
    ``image``, ``_remove_partial`` and ``_is_library_error``."""

    def import_file(self, path, pool, name, size=None, metadata=None):
        """A new image *name* with the raw content of local file *path*,
        *size* bytes big (default: the file's size).

        Only the file's data is read (its holes are skipped), and chunks of
        zeroes are not written, so the image stays as sparse as the file.
        A failure removes the partly written image.

        :raises ImageBackendError: the file cannot be read, or the import
            failed (:class:`InsufficientStorage` when the cluster is full).
        """
        file_size = os.path.getsize(path)
        size = file_size if size is None else size
        if size < file_size:
            raise exception.InvalidInput(
                reason='%s is %d bytes; it does not fit in an image of %d bytes'
                % (path, file_size, size))
        self.create(pool, name, size)
        try:
            with open(path, 'rb') as src, \
                    self.image(pool, name, what='import') as image:
                for offset, chunk in _data_chunks(src.fileno(), file_size):
                    self._write(image, chunk, offset)
                image.flush()
                for key, value in (metadata or {}).items():
                    image.metadata_set(key, str(value))
        except BaseException as err:
            self._remove_partial(pool, name, 'import', err)
            if isinstance(err, OSError) and not self._is_library_error(err):
                raise exception.ImageBackendError(
                    backend=rbd_errors.BACKEND,
                    reason='import of %s into %s: %s'
                    % (path, rbd_errors.image_spec(pool, name), err)) from err
            raise

    def write_file(self, path, pool, name):
        """Write the raw content of local file *path* into the existing
        image *name* (made by someone else: libvirt's ``createXML``), from
        its start; the file must fit. Holes and chunks of zeroes are not
        written, so the image should be new (unallocated). The caller
        removes the image when this fails.

        :raises InvalidInput: the file is larger than the image.
        :raises ImageBackendError: the file cannot be read, or a write
            failed (:class:`InsufficientStorage` when the cluster is full).
        """
        file_size = os.path.getsize(path)
        try:
            with open(path, 'rb') as src, \
                    self.image(pool, name, what='write') as image:
                if file_size > image.size():
                    raise exception.InvalidInput(
                        reason='%s is %d bytes; it does not fit in RBD image '
                        '%s of %d bytes' % (path, file_size,
                                            rbd_errors.image_spec(pool, name),
                                            image.size()))
                for offset, chunk in _data_chunks(src.fileno(), file_size):
                    self._write(image, chunk, offset)
                image.flush()
        except OSError as err:
            if self._is_library_error(err):
                raise
            raise exception.ImageBackendError(
                backend=rbd_errors.BACKEND, reason='write of %s into %s: %s'
                % (path, rbd_errors.image_spec(pool, name), err)) from err

    @staticmethod
    def _write(image, data, offset):
        # The one place image data is written (tests fake it).
        image.write(data, offset)

    def export(self, pool, name, path, snapshot=None):
        """Write the image's whole content (its parent's included) to the
        new raw file *path*, sparse: only allocated extents are read, and
        chunks of zeroes become holes. A failure removes *path*."""
        try:
            with open(path, 'xb') as dst, \
                    self.image(pool, name, snapshot, read_only=True,
                               what='export') as image:
                size = image.size()
                for start, length in _extents(image, size):
                    for offset in range(start, start + length, CHUNK):
                        data = image.read(offset, min(CHUNK, start + length
                                                      - offset))
                        if data != _ZEROS[:len(data)]:
                            os.pwrite(dst.fileno(), data, offset)
                dst.truncate(size)
        except BaseException as err:
            fileutils.remove(path)
            if isinstance(err, OSError) and not self._is_library_error(err):
                raise exception.ImageBackendError(
                    backend=rbd_errors.BACKEND,
                    reason='export of %s to %s: %s'
                    % (rbd_errors.image_spec(pool, name, snapshot), path,
                       err)) from err
            raise

    def export_head(self, pool, name, path, length, snapshot=None):
        """Write the first *length* bytes of the image to the new file
        *path* (for inspection)."""
        with open(path, 'xb') as dst, \
                self.image(pool, name, snapshot, read_only=True,
                           what='read') as image:
            dst.write(image.read(0, min(length, image.size())))


def _data_chunks(fd, size):
    """``(offset, bytes)`` of the non-zero, object-aligned chunks of the
    data extents of the file *fd* (holes are never read)."""
    offset = 0
    while offset < size:
        try:
            start = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as err:
            if err.errno == errno.ENXIO:   # only a hole is left
                return
            raise
        end = os.lseek(fd, start, os.SEEK_HOLE)
        # Whole objects; *offset* is aligned, and what is before it written.
        start = max(offset, start - start % CHUNK)
        while start < end:
            chunk = os.pread(fd, min(CHUNK, size - start), start)
            if not chunk:
                raise OSError(errno.EIO, 'unexpected end of file at %d' % start)
            if chunk != _ZEROS[:len(chunk)]:
                yield start, chunk
            start += len(chunk)
        offset = start


def _extents(image, size):
    """``[(offset, length)]`` of the image's allocated extents (its
    parent's included), merged."""
    found = []

    def note(offset, length, exists):
        if not exists:
            return
        if found and found[-1][0] + found[-1][1] == offset:
            found[-1] = (found[-1][0], found[-1][1] + length)
        else:
            found.append((offset, length))

    image.diff_iterate(0, size, None, note, include_parent=True)
    return found
