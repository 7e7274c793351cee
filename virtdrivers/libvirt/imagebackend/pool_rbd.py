"""Disks of the ``pool`` backend in an RBD storage pool, where libvirt
cannot move their data itself.

libvirt's ``rbd`` storage backend makes, resizes and deletes volumes, but
cannot copy a file into one (its ``createXMLFrom`` clones the image of its
own Ceph pool that has the source volume's name, whatever the source is),
and libvirt 9.0 has neither upload nor download for its volumes. Which of
those libvirt has is probed at start-up
(:func:`~virtdrivers.libvirt.storagepools.stream_support`), and
:func:`choose_copier` takes the streams where they exist and librbd for
the rest (:class:`RbdCopier`): the volume is still made by libvirt
(``createXML``, so libvirt knows it with no refresh of the pool), and its
data written and read with librbd
(:class:`~virtdrivers.libvirt.rbd_utils.RbdClient`) as the pool's cephx
user on the pool's monitors. A write that fails removes the image.

The client takes the monitors and the Ceph pool from ``[libvirt]
storage_pool_source`` and the user from ``rbd_user``; the key from the
libvirt secret ``rbd_secret_uuid`` when libvirt lets it be read (a secret
defined ``private='no'``), else from the keyring that ``[libvirt]
images_rbd_ceph_conf`` (or Ceph's default ``ceph.conf``) names, as
Nova's RBD disks find it.

Guests get these disks as network disks naming the volume's RBD image
(:func:`disk_source`), not as ``<disk type='volume'>``: libvirt's QEMU
driver does not take volumes of an ``rbd`` pool ("using 'rbd' pools for
backing 'volume' disks isn't yet supported", libvirt 9.0), and the
network disk is what it would have made of one: the same image, monitors
and cephx user and secret as the pool.
"""

import base64
import logging
import os

from virtdrivers import exception
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import rbd_utils
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import pool_copiers

LOG = logging.getLogger(__name__)

OPTIONS = ('[libvirt] storage_pool_source, rbd_user, rbd_secret_uuid and '
           'images_rbd_ceph_conf (its keyring)')


def choose_copier(host, pools, workdir, streams, client_factory=None):
    """How data gets into and out of the volumes of the disks pool.

    :param pools: :class:`~virtdrivers.libvirt.storagepools.PoolSettings`.
    :param streams: what libvirt can do with the pool's volumes
        (:class:`~virtdrivers.libvirt.storagepools.StreamSupport`).
    :param client_factory: ``(host, pools) -> RbdClient`` (default:
        :func:`ceph_client`).
    :returns: a :class:`~.pool_copiers.LibvirtCopier` where libvirt copies
        into the pool, an :class:`~.pool_copiers.UploadCopier` where it
        streams both ways, else (RBD) an :class:`RbdCopier`.
    :raises ConfigurationError: libvirt cannot fill the pool's volumes
        and librbd is no way into them either (not RBD, or the Ceph pool
        cannot be reached), naming the options.
    """
    if not pools.copy_by_upload:
        return pool_copiers.LibvirtCopier(host, workdir)
    if streams.upload and streams.download:
        return pool_copiers.UploadCopier(host, workdir)
    if pools.ceph_pool is None:
        version = '.'.join(str(n) for n in host.get_version())
        raise exception.ConfigurationError(
            reason='[libvirt] storage_pool_type=%s: libvirt %s cannot stream '
            'this pool\'s volumes (%s), the only way the pool backend moves '
            'their data' % (pools.type, version, streams.missing))
    client = (client_factory or ceph_client)(host, pools)
    check_reachable(client, pools)
    LOG.info('Storage pool %s: volume data %s with librbd (Ceph pool %s)',
             pools.disks_pool, 'read' if streams.upload else
             'written' if streams.download else 'written and read',
             pools.ceph_pool)
    return RbdCopier(host, workdir, client, pools.ceph_pool,
                     upload=streams.upload, download=streams.download)


def disk_source(pools, volume, fmt='raw'):
    """The guest's disk for *volume* of the ``rbd`` disks pool *pools*: a
    network disk of the RBD image ``<Ceph pool>/<volume>`` on the pool's
    monitors (none: QEMU's librbd reads Ceph's default configuration, as
    the pool does), with the pool's cephx user and secret."""
    auth = None
    if pools.auth_user and pools.secret_uuid:
        auth = context.DiskAuth(pools.auth_user, pools.secret_uuid, 'ceph')
    return context.DiskSource(
        type='network', protocol='rbd', name='%s/%s' % (pools.ceph_pool,
                                                       volume),
        hosts=tuple(pools.ceph_hosts), format=fmt, auth=auth)


def ceph_client(host, pools):
    """An :class:`~virtdrivers.libvirt.rbd_utils.RbdClient` of the Ceph
    cluster behind the ``rbd`` disks pool *pools* (not connected yet)."""
    options = {}
    if pools.ceph_monitors:
        options['mon_host'] = pools.ceph_monitors
    key = secret_key(host, pools.secret_uuid) if pools.secret_uuid else None
    if key:
        options['key'] = key
    # Monitors and key known: a host without a ceph.conf works too.
    read_conf = bool(pools.ceph_conf) or not (key and pools.ceph_monitors)
    return rbd_utils.RbdClient(pools.ceph_conf, pools.auth_user,
                               options=options, read_conf=read_conf)


def secret_key(host, secret_uuid):
    """The cephx key (base64) in libvirt secret *secret_uuid*, or None when
    libvirt does not give it (a private secret, the usual kind, or none)."""
    try:
        value = host.call(
            lambda conn: conn.secretLookupByUUIDString(secret_uuid).value(0),
            operation='read secret %s' % secret_uuid)
    except exception.VirtDriverError as err:
        LOG.debug('Secret %s not readable (%s): the cephx key comes from the '
                  'Ceph keyring', secret_uuid, err)
        return None
    if isinstance(value, str):
        value = value.encode('latin-1')
    return base64.b64encode(value).decode('ascii')


def check_reachable(client, pools):
    """Refuse at start-up a Ceph pool librbd cannot reach.

    :raises ConfigurationError: naming the options and what failed.
    """
    user = 'client.%s' % (pools.auth_user or 'admin')
    try:
        found = client.pool_exists(pools.ceph_pool)
    except exception.VirtDriverError as err:
        client.close()
        raise exception.ConfigurationError(
            reason='[libvirt] storage_pool_source=%s: librbd cannot reach the '
            'Ceph pool %s as %s (%s); check %s' % (
                pools.source, pools.ceph_pool, user, err, OPTIONS)) from err
    if not found:
        client.close()
        raise exception.ConfigurationError(
            reason='[libvirt] storage_pool_source=%s: the Ceph cluster has no '
            'pool %s (as %s sees it); check %s' % (
                pools.source, pools.ceph_pool, user, OPTIONS))


class RbdCopier(pool_copiers.UploadCopier):
    """Data of RBD volumes: streamed by libvirt where it can (*upload*,
    *download*), else written and read with librbd.

    :param client: the :class:`~virtdrivers.libvirt.rbd_utils.RbdClient`.
    :param ceph_pool: the Ceph pool the volumes are images of.
    """

    def __init__(self, host, workdir, client, ceph_pool, upload=False,
                 download=False):
        super().__init__(host, workdir)
        self.client = client
        self.ceph_pool = ceph_pool
        self.upload = upload
        self.download = download

    def from_file(self, pool, spec, path, fmt, backing=None):
        if self.upload:
            return super().from_file(pool, spec, path, fmt, backing)
        with pool_copiers.private_dir(self.workdir, '.pool-rbd-') as tmp:
            data = path
            if fmt != 'raw' or backing is not None:
                # RBD volumes are raw; qemu-img with explicit formats.
                data = os.path.join(tmp, 'data')
                qemuimg.convert(path, fmt, data, 'raw')
            vol = pool.create(spec)
            try:
                self.client.write_file(data, self.ceph_pool, vol.name)
            except BaseException as err:
                self._remove_partial(vol, err)
                raise
        return vol

    def to_file(self, vol, fmt, backing, target_path, out_format, size):
        if self.download:
            return super().to_file(vol, fmt, backing, target_path, out_format,
                                   size)
        directory = os.path.dirname(os.path.abspath(target_path))
        with pool_copiers.private_dir(directory, '.pool-extract-') as tmp:
            data = os.path.join(tmp, 'data')
            self.client.export(self.ceph_pool, vol.name, data)
            if fmt == out_format and backing is None:
                os.replace(data, target_path)
            else:
                qemuimg.convert(data, fmt, target_path, out_format)
        return None

    def _remove_partial(self, vol, err):
        """Remove the image a failed write leaves; never hides *err*."""
        LOG.warning('Writing RBD volume %s failed (%s); removing it',
                    vol.name, err)
        try:
            vol.delete()
        except exception.VirtDriverError as delete_err:
            LOG.warning('libvirt did not remove volume %s: %s', vol.name,
                        delete_err)
        try:
            # Whatever libvirt did, the image itself must go.
            self.client.remove(self.ceph_pool, vol.name)
        except Exception:
            LOG.exception('Could not remove the partial RBD image %s/%s',
                          self.ceph_pool, vol.name)
