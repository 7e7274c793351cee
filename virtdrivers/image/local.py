"""A directory of images: ``<id>`` holds the data, ``<id>.json`` the metadata.

The embedded default image service. Writes go to a temporary name and are
renamed into place, so a crash never leaves a half-written image that looks
complete.
"""

import hashlib
import json
import os
import tempfile
import threading
import uuid

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers import objects
from virtdrivers.image import api

_CHUNK = 1024 * 1024
_HASH_ALGO = 'sha512'
# Fields the store computes or owns; update() leaves them alone, as Glance
# refuses to let a client set them.
_READ_ONLY = frozenset(('id', 'status', 'size', 'checksum', 'os_hash_algo',
                        'os_hash_value'))


def _valid_id(image_id):
    try:
        return str(uuid.UUID(str(image_id))) == str(image_id)
    except ValueError:
        return False


def hash_file(path):
    """Return ``(size, md5 hex, sha512 hex)`` of a file."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.new(_HASH_ALGO)
    size = 0
    with open(path, 'rb') as f:
        while chunk := f.read(_CHUNK):
            size += len(chunk)
            md5.update(chunk)
            sha.update(chunk)
    return size, md5.hexdigest(), sha.hexdigest()


class LocalImageStore(api.ImageService):
    """Images in *directory* (created when missing)."""

    def __init__(self, directory):
        self.directory = directory
        self._lock = threading.Lock()
        os.makedirs(directory, exist_ok=True)

    def _paths(self, image_id):
        if not _valid_id(image_id):
            # Refuse anything that is not a uuid: ids become file names.
            raise exception.ImageNotFound(image_id=image_id)
        data = os.path.join(self.directory, str(image_id))
        return data, data + '.json'

    def _read(self, image_id):
        _data, meta = self._paths(image_id)
        try:
            with open(meta) as f:
                return json.load(f)
        except FileNotFoundError:
            raise exception.ImageNotFound(image_id=image_id) from None

    def _write(self, record):
        _data, meta = self._paths(record['id'])
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix='.meta-')
        with os.fdopen(fd, 'w') as f:
            json.dump(record, f, indent=1, sort_keys=True)
        os.replace(tmp, meta)

    def show(self, context, image_id):
        return objects.ImageMeta.from_dict(self._read(image_id))

    def download(self, context, image_id, dst_path):
        record = self._read(image_id)
        if record.get('status') != 'active':
            raise exception.ImageDownloadError(
                image_id=image_id, reason='image is %s, not active'
                % record.get('status'))
        data, _meta = self._paths(image_id)
        # Copy beside dst_path and rename once verified, so dst_path never
        # holds partial or unverified data.
        tmp = '%s.%s.part' % (dst_path, uuid.uuid4().hex[:12])
        try:
            fileutils.copy_sparse(data, tmp)
            size, md5, sha = hash_file(tmp)
            if record.get('os_hash_value') not in (None, sha) or \
                    record.get('checksum') not in (None, md5):
                raise exception.ImageDownloadError(
                    image_id=image_id, reason='checksum mismatch: the stored '
                    'data does not match its recorded hash')
            os.replace(tmp, dst_path)
        except (OSError, exception.ImageBackendError) as err:
            fileutils.remove(tmp)
            raise exception.ImageDownloadError(image_id=image_id,
                                               reason=str(err)) from err
        except BaseException:
            fileutils.remove(tmp)
            raise
        return size

    def create(self, context, metadata, data_path=None):
        metadata = dict(metadata)
        image_id = str(metadata.pop('id', None) or uuid.uuid4())
        if not _valid_id(image_id):
            raise exception.InvalidInput(
                reason='image id %r is not a uuid' % image_id)
        fileutils.check_readable(data_path)
        with self._lock:
            if os.path.exists(self._paths(image_id)[1]):
                raise exception.InvalidInput(
                    reason='image %s already exists' % image_id)
            record = {'status': 'queued', 'properties': {}, 'id': image_id}
            record.update(metadata)
            self._write(record)
        if data_path is not None:
            return self.update(context, image_id, {}, data_path)
        return objects.ImageMeta.from_dict(record)

    def update(self, context, image_id, metadata, data_path=None):
        fileutils.check_readable(data_path)
        with self._lock:
            record = self._read(image_id)
            props = dict(record.get('properties') or {})
            props.update(metadata.get('properties') or {})
            record.update({k: v for k, v in metadata.items()
                           if k != 'properties' and k not in _READ_ONLY})
            record['properties'] = props
            if data_path is not None:
                self._upload(record, data_path)
            self._write(record)
        return objects.ImageMeta.from_dict(record)

    def _upload(self, record, data_path):
        if record.get('status') not in ('queued', 'saving'):
            raise exception.InvalidInput(
                reason='image %s already has data (status %s)'
                % (record['id'], record.get('status')))
        data, _meta = self._paths(record['id'])
        tmp = os.path.join(self.directory, '.data-%s' % uuid.uuid4().hex)
        try:
            fileutils.copy_sparse(data_path, tmp)
            size, md5, sha = hash_file(tmp)
            os.replace(tmp, data)
        except BaseException:
            fileutils.remove(tmp)
            raise
        record.update(size=size, checksum=md5, os_hash_algo=_HASH_ALGO,
                      os_hash_value=sha, status='active')

    def delete(self, context, image_id):
        with self._lock:
            self._read(image_id)
            for path in self._paths(image_id):
                fileutils.remove(path)

    def list(self, context):
        names = sorted(n[:-5] for n in os.listdir(self.directory)
                       if n.endswith('.json') and _valid_id(n[:-5]))
        images = []
        for name in names:
            try:
                images.append(self.show(context, name))
            except exception.ImageNotFound:
                continue  # deleted since listdir()
        return images
