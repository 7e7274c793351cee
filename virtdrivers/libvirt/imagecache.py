"""Base images: fetched once, inspected, shared by instances, aged out.

The cache directory (Nova's ``_base``) holds, per image::

    <sha1 of image id>             the base image (raw when force_raw)
    <sha1>.info                    JSON: its format and virtual size, written
                                   before the base appears, so a cache hit
                                   needs neither qemu-img nor re-inspection
    <sha1>.refs/<instance uuid>    one empty file per instance using it
    .tmp-<sha1>-<random>/          a fetch in progress

A base appears only by a rename, after its data was downloaded, verified,
inspected and (with force_raw) converted; a failed fetch removes its
temporary directory, so nothing partial is ever left. Fetching an image
takes an external (file) lock named after the base, so concurrent spawns on
this host (and on hosts sharing the lock directory) download it once.

References replace Nova's scan of every instance disk with ``qemu-img
info``: a base is in use while its ``.refs`` directory holds a file, and its
last use is the newest mtime of the base and of that directory.
"""

import contextlib
import dataclasses
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time

from oslo_concurrency import lockutils

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers.image import inspect
from virtdrivers.image import qemuimg

LOG = logging.getLogger(__name__)

INFO_SUFFIX = '.info'
REFS_SUFFIX = '.refs'
TEMP_PREFIX = '.tmp-'
LOCK_PREFIX = 'virtdrivers-base-'
# Temporary entries older than this belong to a fetch that died with its
# process (a live fetch holds the image's lock, which manage() checks too).
ORPHAN_AGE_SECONDS = 24 * 3600

_BASE_NAME = re.compile(r'^[0-9a-f]{40}$')


@dataclasses.dataclass(frozen=True)
class CachedImage:
    """A base image ready to use.

    :ivar path: the base file.
    :ivar format: its qemu format (``raw``, ``qcow2``...), checked at fetch.
    :ivar virtual_size: the disk size the guest sees, in bytes.
    :ivar image_id: the image it holds.
    """

    path: str
    format: str
    virtual_size: int
    image_id: str | None = None


def cache_name(image_id):
    """The base file's name: sha1 of the image id (Nova's rule)."""
    return hashlib.sha1(str(image_id).encode('utf-8'),
                        usedforsecurity=False).hexdigest()


def check_instance_uuid(instance_uuid):
    """*instance_uuid* if it can name a file; else :class:`InvalidInput`."""
    value = str(instance_uuid or '')
    if not value or value.startswith('.') or '/' in value or '\0' in value:
        raise exception.InvalidInput(
            reason='instance uuid %r cannot name a file' % (instance_uuid,))
    return value


class ImageCache:
    """The base images of one host.

    :param base_dir: the cache directory (created when missing).
    :param image_service: an :class:`~virtdrivers.image.api.ImageService`.
    :param lock_path: where the per-image lock files live (Nova:
        ``<instances_path>/locks``); may be shared between hosts.
    :param force_raw: convert bases to raw (``[DEFAULT] force_raw_images``).
    :param disk_ops: a semaphore bounding concurrent downloads, conversions
        (and the backends' copies and extractions), from ``[DEFAULT]
        max_concurrent_disk_ops``; None is unlimited.
    """

    def __init__(self, base_dir, image_service, lock_path, force_raw=True,
                 disk_ops=None):
        self.base_dir = os.path.abspath(base_dir)
        self.image_service = image_service
        self.lock_path = lock_path
        self.force_raw = force_raw
        self.disk_ops = disk_ops
        os.makedirs(self.base_dir, exist_ok=True)

    @classmethod
    def from_conf(cls, conf, image_service):
        """The cache the options describe (read once, at the driver's edge)."""
        instances = conf.instances_path
        limit = conf.max_concurrent_disk_ops
        return cls(os.path.join(instances, conf.image_cache.subdirectory_name),
                   image_service, os.path.join(instances, 'locks'),
                   force_raw=conf.force_raw_images,
                   disk_ops=threading.BoundedSemaphore(limit) if limit else None)

    def path_for(self, image_id):
        """Where image *image_id*'s base is (or would be)."""
        return os.path.join(self.base_dir, cache_name(image_id))

    @contextlib.contextmanager
    def disk_op(self):
        """Hold one of the ``max_concurrent_disk_ops`` slots."""
        if self.disk_ops is None:
            yield
            return
        with self.disk_ops:
            yield

    def _lock(self, name, blocking=True):
        # The prefix is in the name, not only the file: the in-process
        # semaphore lockutils also takes is keyed by the name alone.
        return lockutils.lock(LOCK_PREFIX + name, external=True,
                              lock_path=self.lock_path, blocking=blocking)

    # -- fetching ---------------------------------------------------------

    def fetch(self, context, image_meta, instance_uuid=None):
        """The cached base of *image_meta*, downloaded if not cached yet.

        :param image_meta: an ImageMeta (``id``, ``disk_format``); a missing
            ``disk_format`` is read from the image service.
        :param instance_uuid: also add this instance's reference, under the
            image's lock, so :meth:`manage` cannot remove the base between
            the fetch and the reference.
        :returns: a :class:`CachedImage`.
        :raises ImageNotFound: the image service has no such image.
        :raises ImageDownloadError: the download failed, the data did not
            match its checksum, or the disk is full.
        :raises InvalidImage: the content is not the declared format, fails
            a safety check (backing file, data file...) or cannot be
            converted.
        In every case nothing is left in the cache directory.
        """
        image_id = getattr(image_meta, 'id', None)
        if not image_id:
            raise exception.InvalidInput(reason='image metadata has no id')
        image_id = str(image_id)
        if instance_uuid is not None:
            check_instance_uuid(instance_uuid)
        path = self.path_for(image_id)
        with self._lock(cache_name(image_id)):
            cached = self._cached(path, image_id, image_meta)
            if cached is None:
                cached = self._fetch_new(context, image_meta, image_id, path)
            else:
                _touch(path)
            if instance_uuid is not None:
                self._add_ref(path, instance_uuid)
        return cached

    def _cached(self, path, image_id, image_meta):
        if not os.path.isfile(path):
            return None
        cached = _read_info(path)
        if cached is not None:
            return cached
        # The .info file was lost (a crash before the rename of an older
        # version, or an operator): inspect again rather than trust a probe.
        LOG.warning('Base %s of image %s has no readable %s; inspecting it '
                    'again', path, image_id, INFO_SUFFIX)
        declared = _declared_format(image_meta) or 'raw'
        errors = []
        for fmt in dict.fromkeys((declared, 'raw')):
            try:
                found = inspect.inspect_image(path, fmt, image_id)
            except exception.InvalidImage as err:
                errors.append(err)
                continue
            cached = CachedImage(path, found.format, found.virtual_size,
                                 image_id)
            _write_info(cached, path + INFO_SUFFIX)
            return cached
        raise errors[0]

    def _fetch_new(self, context, image_meta, image_id, path):
        disk_format = _declared_format(image_meta)
        if not disk_format:
            disk_format = self.image_service.show(context, image_id).disk_format
        try:
            tmpdir = tempfile.mkdtemp(
                prefix='%s%s-' % (TEMP_PREFIX, os.path.basename(path)),
                dir=self.base_dir)
        except OSError as err:
            raise _download_error(image_id, 'cannot write to %s: %s'
                                  % (self.base_dir, err)) from err
        try:
            with self.disk_op():
                cached = self._prepare(context, image_id, disk_format,
                                       tmpdir, path)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        LOG.info('Cached image %s as %s (%s, %d bytes)', image_id, path,
                 cached.format, cached.virtual_size)
        return cached

    def _prepare(self, context, image_id, disk_format, tmpdir, path):
        """Download, inspect, convert into *tmpdir*; rename into *path*."""
        data = os.path.join(tmpdir, 'data')
        self._download(context, image_id, data)
        found = inspect.inspect_image(data, disk_format, image_id)
        fmt = found.format
        if self.force_raw and fmt != 'raw':
            raw = os.path.join(tmpdir, 'raw')
            _convert_to_raw(data, fmt, raw, image_id)
            os.unlink(data)
            data, fmt = raw, 'raw'
        cached = CachedImage(path, fmt, found.virtual_size, image_id)
        try:
            _fsync_file(data)
            # .info first: a base that exists always has its format pinned.
            _write_info(cached, path + INFO_SUFFIX, tmpdir=tmpdir)
            os.replace(data, path)
            _fsync_dir(self.base_dir)
        except OSError as err:
            fileutils.remove(path)
            fileutils.remove(path + INFO_SUFFIX)
            raise _download_error(image_id, 'cannot store the base in %s: %s'
                                  % (self.base_dir, err)) from err
        return cached

    def _download(self, context, image_id, dst):
        try:
            self.image_service.download(context, image_id, dst)
        except exception.VirtDriverError:
            raise
        except Exception as err:
            # An image service outside our tree (a third party's) may let
            # its own errors out; report them as what they are to us.
            raise _download_error(image_id, str(err) or repr(err)) from err

    # -- references -------------------------------------------------------

    def add_reference(self, cached, instance_uuid):
        """Record that *instance_uuid* uses base *cached*.

        :returns: True when the reference is new.
        :raises ImageBackendError: the base is no longer cached.
        :raises InvalidInput: *instance_uuid* cannot name a file.
        """
        path = _path_of(cached)
        instance_uuid = check_instance_uuid(instance_uuid)
        with self._lock(os.path.basename(path)):
            if not os.path.isfile(path):
                raise exception.ImageBackendError(
                    backend='image cache',
                    reason='base image %s is not cached' % path)
            return self._add_ref(path, instance_uuid)

    def _add_ref(self, path, instance_uuid):
        refs = path + REFS_SUFFIX
        os.makedirs(refs, exist_ok=True)
        ref = os.path.join(refs, instance_uuid)
        if os.path.lexists(ref):
            os.utime(refs)  # records the use, as a new reference would
            return False
        os.close(os.open(ref, os.O_WRONLY | os.O_CREAT, 0o644))
        # A reference lost in a crash would let manage() remove a base
        # that qcow2 overlays still need.
        _fsync_dir(refs)
        return True

    def remove_reference(self, cached_or_path, instance_uuid):
        """Forget that *instance_uuid* uses the base; True if it did."""
        refs = _path_of(cached_or_path) + REFS_SUFFIX
        try:
            os.unlink(os.path.join(refs, check_instance_uuid(instance_uuid)))
        except FileNotFoundError:
            return False
        return True

    def references(self, path):
        """The uuids of the instances using base *path*, sorted."""
        try:
            names = os.listdir(_path_of(path) + REFS_SUFFIX)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(n for n in names if not n.startswith('.'))

    def remove_instance(self, instance_uuid):
        """Drop every reference of *instance_uuid*; return the bases."""
        instance_uuid = check_instance_uuid(instance_uuid)
        dropped = []
        for name in fileutils.listdir(self.base_dir):
            if name.endswith(REFS_SUFFIX):
                base = os.path.join(self.base_dir, name[:-len(REFS_SUFFIX)])
                if self.remove_reference(base, instance_uuid):
                    dropped.append(base)
        return sorted(dropped)

    # -- ageing out -------------------------------------------------------

    def manage(self, min_age_seconds, remove_unused=True):
        """Remove unused bases last used more than *min_age_seconds* ago.

        A base with a reference is never removed, nor one whose lock is
        held (a fetch or a reference in progress). Orphaned temporary
        entries older than a day are removed too.

        :returns: ``(removed, kept)``, lists of base paths.
        """
        now = time.time()
        removed, kept = [], []
        for name in fileutils.listdir(self.base_dir):
            path = os.path.join(self.base_dir, name)
            if not (_BASE_NAME.match(name) and os.path.isfile(path)):
                continue
            if remove_unused and self._remove_if_unused(path, now,
                                                        min_age_seconds):
                removed.append(path)
            else:
                kept.append(path)
        self._remove_orphans(now)
        return removed, kept

    def _remove_if_unused(self, path, now, min_age_seconds):
        try:
            with self._lock(os.path.basename(path), blocking=False):
                users = self.references(path)
                if users:
                    LOG.debug('Base %s is in use by %s', path, ', '.join(users))
                    return False
                age = now - _last_use(path)
                if age < min_age_seconds:
                    return False
                fileutils.remove(path)  # first: without it the rest is an orphan
                fileutils.remove(path + INFO_SUFFIX)
                _rmdir(path + REFS_SUFFIX)
        except lockutils.AcquireLockFailedException:
            return False
        LOG.info('Removed base %s, unused for %d seconds', path, age)
        return True

    def _remove_orphans(self, now):
        for name in fileutils.listdir(self.base_dir):
            path = os.path.join(self.base_dir, name)
            if name.startswith(TEMP_PREFIX):
                key = name[len(TEMP_PREFIX):].split('-')[0]
            elif name.endswith((INFO_SUFFIX, REFS_SUFFIX)):
                key = name.rsplit('.', 1)[0]
                if os.path.lexists(os.path.join(self.base_dir, key)):
                    continue
            else:
                continue
            if not _BASE_NAME.match(key) or \
                    now - _mtime(path) < ORPHAN_AGE_SECONDS:
                continue
            try:
                with self._lock(key, blocking=False):
                    self._remove_orphan(path)
            except lockutils.AcquireLockFailedException:
                continue

    def _remove_orphan(self, path):
        if path.endswith(REFS_SUFFIX) and self.references(
                path[:-len(REFS_SUFFIX)]):
            LOG.warning('Instances %s reference base %s, which is missing',
                        ', '.join(self.references(path[:-len(REFS_SUFFIX)])),
                        path[:-len(REFS_SUFFIX)])
            return
        LOG.info('Removing orphaned %s', path)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            fileutils.remove(path)


def _declared_format(image_meta):
    return getattr(image_meta, 'disk_format', None)


def _path_of(cached_or_path):
    return os.fspath(getattr(cached_or_path, 'path', cached_or_path))


def _convert_to_raw(src, fmt, dst, image_id):
    try:
        qemuimg.convert(src, fmt, dst, 'raw')
    except exception.ImageBackendError as err:
        if 'No space left' in str(err):
            raise _download_error(
                image_id, 'no space left to convert it to raw: %s' % err
            ) from err
        raise exception.InvalidImage(
            image_id=image_id,
            reason='conversion from %s to raw failed: %s' % (fmt, err)
        ) from err


def _download_error(image_id, reason):
    return exception.ImageDownloadError(image_id=image_id, reason=reason)


def _read_info(path):
    try:
        with open(path + INFO_SUFFIX) as f:
            data = json.load(f)
        return CachedImage(path, str(data['format']),
                           int(data['virtual_size']), data.get('image_id'))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_info(cached, info_path, tmpdir=None):
    data = {'format': cached.format, 'virtual_size': cached.virtual_size,
            'image_id': cached.image_id}
    prefix = '%s%s-' % (TEMP_PREFIX, os.path.basename(cached.path))
    fd, tmp = tempfile.mkstemp(dir=tmpdir or os.path.dirname(info_path),
                               prefix=prefix)
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, info_path)
    except BaseException:
        fileutils.remove(tmp)
        raise


def _last_use(path):
    return max(_mtime(p) for p in (path, path + REFS_SUFFIX,
                                   path + INFO_SUFFIX))


def _mtime(path):
    try:
        return os.lstat(path).st_mtime
    except FileNotFoundError:
        return 0.0


def _touch(path):
    try:
        os.utime(path)
    except OSError as err:
        LOG.warning('Could not record the use of base %s: %s', path, err)



def _fsync_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)



def _rmdir(path):
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        if err.errno != errno.ENOTEMPTY:
            raise
        # A reference appeared without the lock (remove_reference and
        # references need none, add_reference does): keep it visible.
        LOG.warning('References directory %s is not empty; kept', path)
