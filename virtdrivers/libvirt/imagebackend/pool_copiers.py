"""How the ``pool`` backend moves data into and out of volumes: by libvirt
(:class:`LibvirtCopier`, ``createXMLFrom``) or by upload and download
(:class:`UploadCopier`, for pools libvirt cannot copy into)."""

import contextlib
import errno
import os
import shutil
import tempfile

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt import xml as vxml


class LibvirtCopier:
    """Data moved by libvirt: ``createXMLFrom`` (``qemu-img convert`` or a
    sparse copy in libvirtd), local files through a temporary ``dir`` pool.

    :param host: the Host.
    :param workdir: where private staging directories go (the instances
        path: on the file system of the disks it stages).
    """

    def __init__(self, host, workdir):
        self.host = host
        self.workdir = workdir

    def from_volume(self, pool, spec, source, fmt, backing=None):
        """A new volume *spec* of *pool* with the content of *source*,
        whose format is *fmt* (and backing *backing*, a path)."""
        source.check_format(fmt, backing)
        return pool.create_from(spec, source)

    def from_file(self, pool, spec, path, fmt, backing=None):
        """A new volume *spec* of *pool* with the content of the local file
        *path* (format *fmt*, backed by the path *backing*)."""
        with private_dir(self.workdir, '.pool-import-') as tmp:
            _link_or_copy(path, os.path.join(tmp, 'source'))
            with storagepools.temporary_pool(self.host, tmp) as staging:
                source = staging.lookup('source')
                if source is None:
                    raise exception.ImageBackendError(
                        backend='pool', reason='libvirt did not see %s'
                        % path)
                return self.from_volume(pool, spec, source, fmt, backing)

    def to_file(self, vol, fmt, backing, target_path, out_format, size):
        """Write the whole content of *vol* (format *fmt*, backed by the
        base *backing*, which has a ``path``, or None) to *target_path* in
        *out_format*; nothing is left at *target_path* on failure."""
        vol.check_format(fmt, backing.path if backing else None)
        directory = os.path.dirname(os.path.abspath(target_path))
        with private_dir(directory, '.pool-extract-') as tmp, \
                storagepools.temporary_pool(self.host, tmp) as staging:
            spec = vxml.StorageVolume.new(name='extract', capacity=size,
                                          allocation=0, format=out_format)
            staging.create_from(spec, vol)
            os.replace(os.path.join(tmp, 'extract'), target_path)


class UploadCopier(LibvirtCopier):
    """Data moved by ``virStorageVolUpload``/``Download``: for pools libvirt
    cannot copy into (RBD, Red Hat BZ 1089079). The backend converts to the
    volume's format itself (qemu-img, explicit formats) and uploads."""

    def from_volume(self, pool, spec, source, fmt, backing=None):
        # Bases are files of the cache: upload the file.
        return self.from_file(pool, spec, source.path, fmt, backing)

    def from_file(self, pool, spec, path, fmt, backing=None):
        out = spec.format or 'raw'
        with private_dir(self.workdir, '.pool-upload-') as tmp:
            data = path
            if fmt != out or backing is not None:
                data = os.path.join(tmp, 'data')
                qemuimg.convert(path, fmt, data, out)
            vol = pool.create(spec)
            try:
                storagepools.upload_volume(data, vol)
            except BaseException:
                vol.delete()
                raise
        return vol

    def to_file(self, vol, fmt, backing, target_path, out_format, size):
        directory = os.path.dirname(os.path.abspath(target_path))
        with private_dir(directory, '.pool-extract-') as tmp:
            data = os.path.join(tmp, 'data')
            storagepools.download_volume(vol, data)
            if fmt == out_format and backing is None:
                os.replace(data, target_path)
            else:
                qemuimg.convert(data, fmt, target_path, out_format)


@contextlib.contextmanager
def private_dir(parent, prefix):
    """A new private directory under *parent*, removed with its content at
    exit."""
    os.makedirs(parent, exist_ok=True)
    path = tempfile.mkdtemp(prefix=prefix, dir=parent)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError as err:
        if err.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        fileutils.copy_sparse(src, dst)
