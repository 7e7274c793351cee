"""Images the ``rbd`` backend shares a Ceph cluster with: Glance images
with an RBD location in it are cloned (copy-on-write, nothing downloaded),
and disks are snapshotted straight into Glance's pool (direct snapshots)."""

import logging
import os
import uuid as uuidlib

from virtdrivers import exception
from virtdrivers.image import inspect
from virtdrivers.libvirt import imagecache
from virtdrivers.libvirt import rbd_locations
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.imagebackend import rbd_names

LOG = logging.getLogger(__name__)

# Bytes of a cloned parent read for inspection: every header the format
# inspector knows is in the first megabyte.
INSPECT_BYTES = 1024 * 1024


class GlanceImagesMixin:
    """Clones of Glance's RBD images and direct snapshots of an
    :class:`~.rbd.Rbd`; needs its ``client``, ``pool``, ``cache``,
    ``check_size``, ``_existing``, ``_scratch`` and
    ``_remove_snapshot_quietly``."""

    # -- clones of Glance images -------------------------------------------

    def _locations(self, context, image_meta):
        if not hasattr(image_meta, 'direct_url') and \
                not isinstance(image_meta, dict) and \
                getattr(image_meta, 'id', None):
            # A Nova ImageMeta carries no locations; Glance has them.
            image_meta = self.cache.image_service.show(context, image_meta.id)
        return rbd_locations.image_locations(image_meta)

    def _cloneable(self, context, image_meta):
        """The location to clone *image_meta* from, or None (download)."""
        if getattr(image_meta, 'disk_format', None) != 'raw':
            return None
        locations = self._locations(context, image_meta)
        if not locations:
            return None
        fsid = self.client.fsid()
        for location in locations:
            if location.fsid != fsid:
                LOG.debug('Not cloning %s: another Ceph cluster (ours is %s)',
                          location.url, fsid)
                continue
            try:
                if self.client.exists(location.pool, location.image,
                                      location.snapshot):
                    return location
            except exception.ImageBackendError as err:
                LOG.info('Cannot clone %s (%s); downloading the image',
                         location.url, err)
        return None

    def _clone(self, tx, location, name, image_meta, size_bytes):
        image_id = str(getattr(image_meta, 'id', None) or location.image)
        parent_size = self.client.size(location.pool, location.image,
                                       location.snapshot)
        size = self.check_size(imagecache.CachedImage(
            None, 'raw', parent_size, image_id), size_bytes)
        self._inspect_parent(location, parent_size, image_id)
        tx.on_undo('RBD image', self.client.remove, self.pool, name)
        self.client.clone(location.pool, location.image, location.snapshot,
                          self.pool, name)
        self.client.set_metadata(self.pool, name,
                                 {rbd_names.META_KIND: 'image',
                                  rbd_names.META_IMAGE: image_id})
        if size > parent_size:
            self.client.resize(self.pool, name, size)
        LOG.info('Cloned %s into %s/%s (image %s, no download)',
                 location.url, self.pool, name, image_id)

    def _inspect_parent(self, location, size, image_id):
        """Inspect the head of the parent as a download would be: a
        sparse file of its size holding its first megabyte."""
        with self._scratch('inspect') as tmp:
            self.client.export_head(location.pool, location.image, tmp,
                                    INSPECT_BYTES, location.snapshot)
            os.truncate(tmp, size)
            inspect.inspect_image(tmp, 'raw', image_id)

    # -- direct snapshots -------------------------------------------------

    def direct_snapshot(self, context, instance, image_id, base_image_meta,
                        disk_name=context.ROOT):
        """Snapshot a disk inside Ceph, as Nova's Rbd: an RBD snapshot of
        it, cloned into the pool of the instance's image (Glance's) as
        image *image_id*, flattened, given the protected snapshot ``snap``
        Glance hands out. The temporary snapshot is removed either way; a
        failure removes the partial image.

        The driver then adds the returned location to image *image_id* in
        Glance (``locations``) and, if that fails, calls
        :meth:`cleanup_direct_snapshot`. A running guest is snapshotted as
        it is (crash-consistent): the driver freezes its file systems
        around the call when it can.

        :returns: the location, ``rbd://<fsid>/<pool>/<image_id>/snap``.
        :raises NotSupported: the instance's image has no RBD location in
            this cluster (the driver then uploads the disk's content).
        :raises NotFound: no such disk.
        """
        name = self._existing(instance, disk_name)
        fsid = self.client.fsid()
        pools = [loc.pool for loc in self._locations(context, base_image_meta)
                 if loc.fsid == fsid]
        if not pools:
            raise exception.NotSupported(
                operation='direct snapshot',
                reason='image %s of instance %s has no RBD location in the '
                'Ceph cluster %s' % (getattr(base_image_meta, 'id', None),
                                     instance.uuid, fsid))
        dest_pool, dest = pools[0], str(image_id)
        snapshot = 'virtdrivers-snapshot-%s' % uuidlib.uuid4().hex
        self.client.create_snapshot(self.pool, name, snapshot, protect=True)
        try:
            self.client.clone(self.pool, name, snapshot, dest_pool, dest)
            try:
                self.client.flatten(dest_pool, dest)
                self.client.create_snapshot(dest_pool, dest,
                                            rbd_names.GLANCE_SNAPSHOT,
                                            protect=True)
            except BaseException:
                self._remove_quietly(dest_pool, dest)
                raise
        finally:
            self._remove_snapshot_quietly(name, snapshot)
        location = rbd_locations.Location(fsid, dest_pool, dest,
                                      rbd_names.GLANCE_SNAPSHOT)
        LOG.info('Instance %s: disk %s snapshotted into %s', instance.uuid,
                 disk_name, location.url)
        return location.url

    def cleanup_direct_snapshot(self, url):
        """Remove the image a :meth:`direct_snapshot` made (and its
        snapshots); True if there was one. A location in another cluster
        is left alone."""
        location = rbd_locations.parse_location(url)
        if location is None or location.fsid != self.client.fsid():
            return False
        return self.client.remove(location.pool, location.image)

    def _remove_quietly(self, pool, name):
        try:
            self.client.remove(pool, name)
        except exception.VirtDriverError:
            LOG.exception('Could not remove RBD image %s/%s', pool, name)
