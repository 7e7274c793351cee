"""The image cache of the ``pool`` backend, which counts the volumes backed
by a base among its users."""

import os
import threading

from virtdrivers.libvirt import imagecache


class PoolImageCache(imagecache.ImageCache):
    """The image cache, whose manager also counts a base as in use while a
    volume is backed by it (reference files count full copies too).

    :param cache: the :class:`~virtdrivers.libvirt.imagecache.ImageCache`
        to take the directory and settings of.
    :param users: returns ``{base path: {instance uuid}}`` from the
        volumes' backing stores.
    """

    def __init__(self, cache, users):
        super().__init__(cache.base_dir, cache.image_service, cache.lock_path,
                         force_raw=cache.force_raw, disk_ops=cache.disk_ops)
        self._users = users
        self._in_use = {}
        self._manage_lock = threading.Lock()

    def manage(self, min_age_seconds, remove_unused=True):
        with self._manage_lock:
            self._in_use = self._users()
            try:
                return super().manage(min_age_seconds, remove_unused)
            finally:
                self._in_use = {}

    def references(self, path):
        refs = set(super().references(path))
        base_path = os.path.normpath(os.fspath(getattr(path, 'path', path)))
        refs.update(self._in_use.get(base_path, ()))
        return sorted(refs)
