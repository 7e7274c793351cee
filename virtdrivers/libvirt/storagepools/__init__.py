"""libvirt storage pools and volumes for the ``pool`` image backend.

* :class:`PoolSettings` (:mod:`.settings`): ``[libvirt] storage_pool_*``,
  read once.
* :func:`ensure_pools` (:mod:`.lifecycle`): define, start and mark
  autostart the two pools at start-up: ``nova-base-images-pool``, a ``dir``
  pool over the image cache directory (never built, so its directory is
  left as it is), and ``nova-disks-pool`` as the options describe it. Only
  ``dir`` pools are built; a volume group, device, export or Ceph pool that
  is missing fails with a :class:`~virtdrivers.exception.ConfigurationError`
  naming the option.
* :class:`Pool`, :class:`Volume` (:mod:`.wrappers`): thin wrappers whose
  libvirt errors go through :mod:`virtdrivers.libvirt.errors`
  (``Host.call``).
* :func:`temporary_pool` (:mod:`.lifecycle`): a transient ``dir`` pool over
  a private directory, so that libvirt copies a local file into a pool, or
  a volume out of one, with ``createXMLFrom``.
* :func:`download_volume`, :func:`upload_volume` (:mod:`.streams`): volume
  data over ``virStorageVolDownload``/``virStorageVolUpload`` streams,
  holes kept.
* :func:`stream_support` (:mod:`.probes`): whether libvirt uploads into
  and downloads the volumes of a pool, found by trying on a probe volume
  (libvirt 9.0's ``rbd`` pools do neither).

libvirt probes the format of every file in a ``dir`` pool when it refreshes
it (and when the daemon starts), so a raw disk whose guest wrote a qcow2
header is reported as qcow2 with the guest's backing file. Callers pin
formats themselves and check libvirt's view (:meth:`Volume.check_format`)
before they let libvirt read a volume.

Everything is imported from here (``storagepools.PoolSettings``,
``storagepools.Pool``...).
"""

from virtdrivers.libvirt.storagepools.lifecycle import ensure_pools
from virtdrivers.libvirt.storagepools.lifecycle import temporary_pool
from virtdrivers.libvirt.storagepools.probes import PROBE_PREFIX
from virtdrivers.libvirt.storagepools.probes import StreamSupport
from virtdrivers.libvirt.storagepools.probes import stream_support
from virtdrivers.libvirt.storagepools.settings import BASE_OPTIONS
from virtdrivers.libvirt.storagepools.settings import BASE_POOL
from virtdrivers.libvirt.storagepools.settings import DISKS_POOL
from virtdrivers.libvirt.storagepools.settings import FILE_POOL_TYPES
from virtdrivers.libvirt.storagepools.settings import METADATA_ONLY_SCHEMES
from virtdrivers.libvirt.storagepools.settings import OPTIONS
from virtdrivers.libvirt.storagepools.settings import POOL_DEFAULT_SCHEMES
from virtdrivers.libvirt.storagepools.settings import POOL_TYPES
from virtdrivers.libvirt.storagepools.settings import TEMP_POOL_PREFIX
from virtdrivers.libvirt.storagepools.settings import UPLOAD_POOL_TYPES
from virtdrivers.libvirt.storagepools.settings import PoolSettings
from virtdrivers.libvirt.storagepools.settings import backend_name
from virtdrivers.libvirt.storagepools.settings import keeps_volume_data
from virtdrivers.libvirt.storagepools.streams import download_volume
from virtdrivers.libvirt.storagepools.streams import upload_volume
from virtdrivers.libvirt.storagepools.wrappers import Pool
from virtdrivers.libvirt.storagepools.wrappers import Volume

__all__ = [
    "BASE_OPTIONS",
    "BASE_POOL",
    "DISKS_POOL",
    "FILE_POOL_TYPES",
    "METADATA_ONLY_SCHEMES",
    "OPTIONS",
    "POOL_DEFAULT_SCHEMES",
    "POOL_TYPES",
    "PROBE_PREFIX",
    "TEMP_POOL_PREFIX",
    "UPLOAD_POOL_TYPES",
    "Pool",
    "PoolSettings",
    "StreamSupport",
    "Volume",
    "backend_name",
    "download_volume",
    "ensure_pools",
    "keeps_volume_data",
    "stream_support",
    "temporary_pool",
    "upload_volume",
]
