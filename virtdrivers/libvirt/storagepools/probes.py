"""What libvirt can do with the volumes of a pool, found by trying it on a
probe volume rather than read from libvirt's version: whether it uploads
into them (``virStorageVolUpload``) and downloads them
(``virStorageVolDownload``). libvirt 9.0's ``rbd`` backend does neither
("storage pool doesn't support volume upload"), later ones may."""

import dataclasses
import logging
import os
import shutil
import tempfile
import uuid

from virtdrivers import exception
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.storagepools import settings as pool_settings
from virtdrivers.libvirt.storagepools import streams
from virtdrivers.libvirt.storagepools import wrappers

LOG = logging.getLogger(__name__)

PROBE_PREFIX = 'virtdrivers-probe-'
_PROBE_BYTES = 4096
_MiB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class StreamSupport:
    """Whether libvirt streams data into (*upload*) and out of
    (*download*) the volumes of a pool; *missing* says what libvirt
    answered for what it cannot do (empty when it can do both)."""

    upload: bool
    download: bool
    missing: str = ''


def stream_support(pool, workdir):
    """Probe *pool* (a :class:`~.wrappers.Pool`) with a new 1 MiB raw volume
    (``createXML``), removed again: upload 4 KiB into it, then download it.

    :param workdir: where the probe's local files go (removed at exit).
    :returns: :class:`StreamSupport`.
    :raises ConfigurationError: the probe volume cannot be made or an
        upload or download fails for another reason than libvirt not
        having it (the storage behind the pool is unreachable...), naming
        the options.
    """
    name = PROBE_PREFIX + uuid.uuid4().hex[:12]
    spec = vxml.StorageVolume.new(name=name, capacity=_MiB)
    if pool.describe().type in pool_settings.FILE_POOL_TYPES:
        spec.format = 'raw'
    try:
        vol = pool.create(spec)
    except exception.VirtDriverError as err:
        raise _unusable(pool, 'a volume cannot be created', err) from err
    os.makedirs(workdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='.pool-probe-', dir=workdir)
    try:
        missing = []
        upload = _try(pool, missing, 'upload', _upload, vol, tmp)
        download = _try(pool, missing, 'download', streams.download_volume,
                        vol, os.path.join(tmp, 'out'))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            vol.delete()
        except exception.VirtDriverError as err:
            LOG.warning('Probe volume %s of storage pool %s was not removed: '
                        '%s', name, pool.name, err)
    found = StreamSupport(upload, download, '; '.join(missing))
    LOG.info('Storage pool %s: libvirt upload %s, download %s', pool.name,
             'yes' if upload else 'no', 'yes' if download else 'no')
    return found


def _upload(vol, tmp):
    data = os.path.join(tmp, 'in')
    with open(data, 'wb') as f:
        f.write(b'\xa5' * _PROBE_BYTES)
    streams.upload_volume(data, vol)


def _try(pool, missing, what, func, *args):
    try:
        func(*args)
    except exception.NotSupported as err:
        missing.append('%s: %s' % (what, wrappers.error_text(err)))
        return False
    except exception.VirtDriverError as err:
        raise _unusable(pool, 'a probe %s failed' % what, err) from err
    return True


def _unusable(pool, what, err):
    return exception.ConfigurationError(
        reason='storage pool %s is unusable: %s (%s); check %s'
        % (pool.name, what, wrappers.error_text(err), pool_settings.OPTIONS))
