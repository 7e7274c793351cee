"""The pools of the ``pool`` image backend as the options describe them.

* :class:`PoolSettings`: ``[libvirt] storage_pool_*``, read once, and the
  ``<pool>`` definitions of the base images pool and the disks pool;
* which pool types there are, which keep volumes as files and which take
  data only by upload;
* :func:`backend_name` (is ``pool`` the default image backend?) and
  :func:`keeps_volume_data` (does the hypervisor store volume data?).
"""

import dataclasses
import os
import urllib.parse

from virtdrivers import exception
from virtdrivers.libvirt import xml as vxml

BASE_POOL = 'nova-base-images-pool'
DISKS_POOL = 'nova-disks-pool'
TEMP_POOL_PREFIX = 'nova-tmp-'

POOL_TYPES = ('dir', 'fs', 'netfs', 'logical', 'zfs', 'rbd', 'gluster',
              'vstorage')
# Volumes are files here: qcow2 (copy-on-write) is possible, and
# <allocation>0</allocation> keeps copies sparse.
FILE_POOL_TYPES = frozenset(('dir', 'fs', 'netfs', 'vstorage'))
# libvirt's RBD backend cannot build a volume from one of another pool
# (Red Hat BZ 1089079): its createXMLFrom clones the image of its own Ceph
# pool that has the source volume's name (libvirt 9.0), whatever the
# source is. Data goes in by upload, or with librbd where libvirt has no
# upload for the type (probed at start-up: pool_rbd).
UPLOAD_POOL_TYPES = frozenset(('rbd',))
# What [libvirt] storage_pool_source holds for each type that needs one:
# (how it becomes <source>, what to tell an operator who left it out).
_SOURCES = {
    'fs': ('device', 'a block device'),
    'logical': ('name', 'the volume group'),
    'zfs': ('name', 'the ZFS pool'),
    'vstorage': ('name', 'the cluster name'),
    'rbd': ('hosts:name', 'the Ceph pool, or MONITOR[,MONITOR...]:POOL '
            'with MONITOR as HOST or HOST:PORT'),
    'netfs': ('host:dir', 'HOST:/PATH'),
    'gluster': ('host:name', 'HOST:VOLUME'),
}
# Where the type's volumes appear, when storage_pool_target does not say.
_TARGETS = {'logical': '/dev/%s', 'zfs': '/dev/zvol/%s'}
_TARGETLESS = frozenset(('rbd', 'gluster'))
# libvirt's test driver keeps volumes as metadata only: no data, no
# upload/download/wipe/resize, and createXMLFrom finds its source only in
# the target pool (libvirt 9.0).
METADATA_ONLY_SCHEMES = frozenset(('test',))
# Where use_storage_pools makes pools the default: QEMU/KVM, whose domains
# take <disk type='volume'> (checked on the real libvirtd). libxl and vz
# are not verified (and Parallels containers mount their root by path);
# images_type=pool still asks for pools there.
POOL_DEFAULT_SCHEMES = frozenset(('qemu',))

OPTIONS = ('[libvirt] storage_pool_type, storage_pool_target and '
           'storage_pool_source')
BASE_OPTIONS = '[DEFAULT] instances_path and [image_cache] subdirectory_name'


def _scheme(uri):
    return urllib.parse.urlsplit(uri or '').scheme.split('+', 1)[0]


def keeps_volume_data(uri):
    """Whether the libvirt driver behind *uri* stores volume data."""
    return _scheme(uri) not in METADATA_ONLY_SCHEMES


def backend_name(images_type, use_storage_pools, uri):
    """The image backend for ``[libvirt] images_type``: ``pool`` when it
    is ``default``, ``use_storage_pools`` is set and *uri* is a QEMU/KVM
    connection; else *images_type* itself."""
    if images_type == 'default' and use_storage_pools and \
            _scheme(uri) in POOL_DEFAULT_SCHEMES:
        return 'pool'
    return images_type


@dataclasses.dataclass(frozen=True)
class PoolSettings:
    """The pools of the ``pool`` backend, made once from configuration.

    :ivar type: ``storage_pool_type`` of the disks pool.
    :ivar target: its ``storage_pool_target``.
    :ivar source: its ``storage_pool_source``.
    :ivar base_dir: the image cache directory (the base images pool).
    :ivar use_cow: copy-on-write volumes (``[DEFAULT] use_cow_images``);
        only file pools have them.
    :ivar base_pool, disks_pool: pool names (tests choose their own).
    :ivar copy_by_upload: never put data into volumes by
        ``createXMLFrom``, but by upload (or, in RBD pools where libvirt
        has no upload, with librbd); by default for the types libvirt
        cannot copy into (RBD).
    :ivar auth_user, secret_uuid: the cephx user of an ``rbd`` pool and
        the libvirt ``ceph`` secret holding its key (``[libvirt]
        rbd_user``, ``rbd_secret_uuid``); the pool has ``<auth>`` only
        when both are set (libvirt's volume disks take it from there).
    :ivar ceph_conf: the ``ceph.conf`` (``[libvirt] images_rbd_ceph_conf``;
        ``''``: Ceph's default) whose keyring holds the cephx key when the
        backend reaches an ``rbd`` pool with librbd itself and the secret
        is private.
    :raises ConfigurationError: an unknown type, or a missing source.
    """

    type: str = 'dir'
    target: str | None = None
    source: str = ''
    base_dir: str | None = None
    use_cow: bool = True
    base_pool: str = BASE_POOL
    disks_pool: str = DISKS_POOL
    copy_by_upload: bool | None = None
    auth_user: str | None = None
    secret_uuid: str | None = None
    ceph_conf: str = ''

    def __post_init__(self):
        if self.type not in POOL_TYPES:
            raise exception.ConfigurationError(
                reason='[libvirt] storage_pool_type=%r (choices: %s)'
                % (self.type, ', '.join(POOL_TYPES)))
        form, what = _SOURCES.get(self.type, (None, None))
        if form and (not self.source or form.startswith('host:') and
                     ':' not in self.source or form == 'hosts:name' and
                     not _monitors(self.source)[1]):
            raise exception.ConfigurationError(
                reason='[libvirt] storage_pool_type=%s needs [libvirt] '
                'storage_pool_source (%s), got %r' % (self.type, what,
                                                      self.source))
        if self.type not in _TARGETLESS and self.type not in _TARGETS and \
                not self.target:
            raise exception.ConfigurationError(
                reason='[libvirt] storage_pool_type=%s needs [libvirt] '
                'storage_pool_target' % self.type)
        if self.copy_by_upload is None:
            object.__setattr__(self, 'copy_by_upload',
                               self.type in UPLOAD_POOL_TYPES)

    @classmethod
    def from_conf(cls, conf):
        rbd = conf.libvirt.storage_pool_type == 'rbd'
        return cls(type=conf.libvirt.storage_pool_type,
                   target=conf.libvirt.storage_pool_target,
                   source=conf.libvirt.storage_pool_source or '',
                   base_dir=os.path.join(conf.instances_path,
                                         conf.image_cache.subdirectory_name),
                   use_cow=conf.use_cow_images,
                   auth_user=conf.libvirt.rbd_user or None if rbd else None,
                   secret_uuid=(conf.libvirt.rbd_secret_uuid or None
                                if rbd else None),
                   ceph_conf=(conf.libvirt.images_rbd_ceph_conf or ''
                              if rbd else ''))

    @property
    def ceph_pool(self):
        """The Ceph pool of an ``rbd`` disks pool (its volumes are the
        pool's images, by name); None for other types."""
        return _monitors(self.source)[1] if self.type == 'rbd' else None

    @property
    def ceph_hosts(self):
        """``[(host, port or None)]`` of the monitors
        ``storage_pool_source`` names (none: Ceph's default configuration
        says)."""
        return _monitors(self.source)[0] if self.type == 'rbd' else []

    @property
    def ceph_monitors(self):
        """The monitors ``storage_pool_source`` names, as librados'
        ``mon_host`` (``HOST[:PORT],...``); ``''`` when it names none."""
        if self.type != 'rbd':
            return ''
        return ','.join(_mon_addr(host, port)
                        for host, port in self.ceph_hosts)

    @property
    def file_pool(self):
        return self.type in FILE_POOL_TYPES

    @property
    def cow(self):
        """Image disks are qcow2 volumes backed by the base volume."""
        return self.use_cow and self.file_pool

    @property
    def volume_format(self):
        """The format of the volumes this backend makes."""
        return 'qcow2' if self.cow else 'raw'

    def base_pool_xml(self):
        return vxml.StoragePool.new(type='dir', name=self.base_pool,
                                    target_path=os.path.abspath(self.base_dir))

    def disks_pool_xml(self):
        """``<pool>`` of the disks pool, as the options describe it."""
        pool = vxml.StoragePool.new(type=self.type, name=self.disks_pool)
        form = _SOURCES.get(self.type, (None,))[0]
        if form == 'device':
            pool.source.device_paths = [self.source]
        elif form == 'name':
            host, _, name = self.source.rpartition(':')
            if host:
                pool.source.hosts.append(vxml.SourceHost.new(name=host))
            pool.source.name = name
        elif form == 'hosts:name':
            monitors, name = _monitors(self.source)
            for host, port in monitors:
                pool.source.hosts.append(vxml.SourceHost.new(name=host,
                                                             port=port))
            pool.source.name = name
            if self.auth_user and self.secret_uuid:
                pool.source.auth = vxml.Auth.new(
                    type='ceph', username=self.auth_user,
                    secret_uuid=self.secret_uuid)
        elif form == 'host:dir':
            host, _, path = self.source.partition(':')
            pool.source.hosts.append(vxml.SourceHost.new(name=host))
            pool.source.dir = path
        elif form == 'host:name':
            host, _, name = self.source.partition(':')
            pool.source.hosts.append(vxml.SourceHost.new(name=host))
            pool.source.name = name
        if self.type in _TARGETS:
            pool.target_path = _TARGETS[self.type] % self.source
        elif self.type not in _TARGETLESS:
            pool.target_path = os.path.abspath(self.target)
        return pool


def _mon_addr(host, port):
    if ':' in host:
        host = '[%s]' % host
    return '%s:%d' % (host, port) if port else host


def _monitors(source):
    """``MONITOR[,MONITOR...]:POOL`` (or ``POOL``) as ``([(host, port or
    None)...], pool)``; a MONITOR is ``HOST``, ``HOST:PORT`` or
    ``[IPV6]:PORT``."""
    hosts, _, name = source.rpartition(':')
    monitors = []
    for mon in filter(None, (h.strip() for h in hosts.split(','))):
        host, sep, port = mon.rpartition(':')
        if sep and port.isdigit() and (not host.startswith('[') or
                                       host.endswith(']')):
            monitors.append((host.strip('[]'), int(port)))
        else:
            monitors.append((mon.strip('[]'), None))
    return monitors, name
