"""A Glance v2 client (the ``glance`` image service), standard library only.

Requests go to the ``[glance] api_servers`` in turn: a connection failure, a
broken transfer or a 5xx answer moves an idempotent request on to the next
server, ``num_retries`` times at most. A download is streamed into a
temporary file beside its destination, checked against the hash Glance
recorded (``os_hash_value``, else the md5 ``checksum``) and only then renamed
into place, so a failed download never leaves a file behind.

The token (``X-Auth-Token``) is sent with every request and appears in no log
and no error message.
"""

import errno
import hashlib
import http.client
import json
import logging
import os
import secrets
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid

from virtdrivers import exception
from virtdrivers import fileutils
from virtdrivers import objects
from virtdrivers.image import api

LOG = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
# Answers that mean "this server, now": another server may do better.
_RETRY_STATUS = frozenset((500, 502, 503, 504))
# Top-level fields of a Glance v2 image that are not custom properties.
_CORE = frozenset((
    'id', 'name', 'status', 'visibility', 'protected', 'os_hidden',
    'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'size',
    'virtual_size', 'min_ram', 'min_disk', 'disk_format', 'container_format',
    'created_at', 'updated_at', 'tags', 'self', 'file', 'schema',
    'direct_url', 'locations', 'stores'))
# Fields Glance computes; sending them is refused with 403.
_READ_ONLY = frozenset((
    'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size',
    'virtual_size', 'created_at', 'updated_at', 'self', 'file', 'schema',
    'direct_url', 'locations', 'stores'))
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, OSError)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Glance API calls are never redirected; following one would send the
    token to whatever host the redirect names."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class GlanceImageService(api.ImageService):
    """:class:`~virtdrivers.image.api.ImageService` over the Glance v2 API.

    :param api_servers: endpoints (``http(s)://host:port[/prefix]``), tried
        in order.
    :param token: Keystone token; a request context's ``auth_token`` takes
        precedence.
    :param timeout: seconds a request may wait for the server.
    :param num_retries: extra attempts, each on the next server.
    :param cafile: CA bundle for ``https`` endpoints.
    :param insecure: skip certificate verification.
    :param page_size: images asked for per page by :meth:`list`.
    :raises ConfigurationError: no server, or one that is not an http(s) URL.
    """

    def __init__(self, api_servers, token=None, timeout=60, num_retries=3,
                 cafile=None, insecure=False, page_size=100):
        self._servers = [_endpoint(s) for s in api_servers or ()]
        if not self._servers:
            raise exception.ConfigurationError(
                reason='[glance] api_servers is empty; the glance image '
                'service needs at least one endpoint')
        self._token = token
        self._timeout = timeout
        self._attempts = max(0, num_retries) + 1
        self._page_size = page_size
        self._current = 0
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=_ssl_context(cafile, insecure)),
            _NoRedirect())

    @classmethod
    def from_conf(cls, conf):
        """Build from the ``[glance]`` option group."""
        opts = conf.glance
        return cls(opts.api_servers, token=opts.auth_token,
                   timeout=opts.timeout, num_retries=opts.num_retries,
                   cafile=opts.cafile, insecure=opts.insecure)

    # -- ImageService ------------------------------------------------------

    def show(self, context, image_id):
        return _to_meta(self._show(context, image_id))

    def download(self, context, image_id, dst_path):
        """Stream the image's data to *dst_path*; return its size.

        :raises ImageNotFound: no such image.
        :raises ImageDownloadError: the image has no data, every attempt
            failed, the data does not match the recorded hash or size, or
            the destination's file system is full ("no space left"). No
            file is left at *dst_path* or beside it.
        """
        image = self._show(context, image_id, download=True)
        if image.get('status') != 'active':
            raise exception.ImageDownloadError(
                image_id=image_id,
                reason='image is %s, not active' % image.get('status'))
        check = _Verifier(image)
        directory = os.path.dirname(os.path.abspath(dst_path))
        try:
            fd, tmp = _create_temp(directory, os.path.basename(dst_path))
        except OSError as err:
            raise _write_error(image_id, directory, err) from err
        try:
            try:
                size = self._call(
                    context, 'GET', '/v2/images/%s/file' % _quote(image_id),
                    image_id=image_id, download=True,
                    consume=lambda resp: _receive(resp, fd, dst_path, check))
                check.verify(size)
                _disk_op(image_id, dst_path, os.fsync, fd)
            finally:
                _disk_op(image_id, dst_path, os.close, fd)
            _disk_op(image_id, dst_path, os.replace, tmp, dst_path)
        except BaseException:
            fileutils.remove(tmp)
            raise
        LOG.info('Downloaded image %s (%d bytes)', image_id, size)
        return size

    def create(self, context, metadata, data_path=None):
        """:raises InvalidInput: Glance refused the metadata (400, 409), or
            *data_path* cannot be read.
        :raises ImageBackendError: Glance failed or cannot be reached.
        """
        fileutils.check_readable(data_path)
        body = _create_body(metadata)
        image = self._json(context, 'POST', '/v2/images', body,
                           idempotent=False)
        if data_path is None:
            return _to_meta(image)
        self._upload(context, image['id'], data_path)
        return self.show(context, image['id'])

    def update(self, context, image_id, metadata, data_path=None):
        """Merge *metadata* (and its ``properties``) into the image with a
        JSON patch, then upload *data_path* if given.

        :raises ImageNotFound: no such image.
        :raises InvalidInput: Glance refused the change, for instance data
            for an image that already has some (409).
        """
        fileutils.check_readable(data_path)
        current = self._show(context, image_id)
        ops = _patch_ops(current, metadata)
        if ops:
            self._json(context, 'PATCH', '/v2/images/%s' % _quote(image_id),
                       ops, image_id=image_id, content_type=_PATCH_TYPE)
        if data_path is not None:
            self._upload(context, image_id, data_path)
        return self.show(context, image_id)

    def delete(self, context, image_id):
        self._call(context, 'DELETE', '/v2/images/%s' % _quote(image_id),
                   image_id=image_id)

    def list(self, context):
        images = []
        path = '/v2/images?limit=%d' % self._page_size
        while path:
            page = self._json(context, 'GET', path)
            images.extend(_to_meta(image) for image in page.get('images', ()))
            path = page.get('next')
        return images

    # -- HTTP --------------------------------------------------------------

    def _show(self, context, image_id, download=False):
        return self._json(context, 'GET', '/v2/images/%s' % _quote(image_id),
                          image_id=image_id, download=download)

    def _upload(self, context, image_id, data_path):
        def body():
            return open(data_path, 'rb')
        self._call(context, 'PUT', '/v2/images/%s/file' % _quote(image_id),
                   body=body, image_id=image_id,
                   content_type='application/octet-stream',
                   length=os.path.getsize(data_path))

    def _json(self, context, method, path, data=None, content_type=None,
              **kwargs):
        body = None
        if data is not None:
            raw = json.dumps(data).encode()
            body = lambda: raw  # noqa: E731
            kwargs['length'] = len(raw)
        answer = self._call(context, method, path, body=body,
                            content_type=content_type or 'application/json',
                            **kwargs)
        try:
            return json.loads(answer or b'{}')
        except ValueError as err:
            raise exception.ImageBackendError(
                backend='glance',
                reason='%s %s answered with invalid JSON: %s'
                % (method, path, err)) from err

    def _call(self, context, method, path, body=None, content_type=None,
              length=None, image_id=None, download=False, idempotent=True,
              consume=None):
        """Send one request, moving on to the next server when allowed.

        :param body: returns a fresh request body (bytes or binary file)
            for each attempt.
        :param consume: reads the response; its network errors are retried
            too. By default the whole body is returned.
        """
        consume = consume or (lambda resp: resp.read())
        headers = self._headers(context, content_type, length)
        failure = None
        for attempt in range(self._attempts):
            server = self._servers[(self._current + attempt)
                                   % len(self._servers)]
            data = body() if body is not None else None
            request = urllib.request.Request(server + path, data=data,
                                             headers=headers, method=method)
            LOG.debug('Glance request %s %s', method, server + path)
            try:
                with self._opener.open(request, timeout=self._timeout) as resp:
                    result = consume(resp)
                self._current = (self._current + attempt) % len(self._servers)
                return result
            except urllib.error.HTTPError as err:
                detail = _error_detail(err)
                if err.code not in _RETRY_STATUS or not idempotent:
                    raise _http_error(method, path, err.code, detail,
                                      image_id, download) from err
                failure = 'HTTP %s from %s: %s' % (err.code, server, detail)
            except _NETWORK_ERRORS as err:
                if not idempotent and not _never_sent(err):
                    raise _unreachable(method, path, str(err), image_id,
                                       download) from err
                failure = '%s: %s' % (server, _reason(err))
            finally:
                if hasattr(data, 'close'):
                    data.close()
            LOG.warning('Glance request %s %s failed (attempt %d of %d): %s',
                        method, path, attempt + 1, self._attempts, failure)
        raise _unreachable(method, path, failure, image_id, download)

    def _headers(self, context, content_type, length):
        headers = {'Accept': 'application/json',
                   'User-Agent': 'virtdrivers-glance-client'}
        token = getattr(context, 'auth_token', None) or self._token
        if token:
            headers['X-Auth-Token'] = token
        if content_type:
            headers['Content-Type'] = content_type
        if length is not None:
            headers['Content-Length'] = str(length)
        return headers


class _Verifier:
    """Hashes the data as it arrives and checks it against the record."""

    def __init__(self, image):
        self.image_id = image.get('id')
        self.size = image.get('size')
        algo, value = image.get('os_hash_algo'), image.get('os_hash_value')
        if algo and value and algo in hashlib.algorithms_available:
            self.algo, self.expected = algo, value
        elif image.get('checksum'):
            self.algo, self.expected = 'md5', image['checksum']
        elif algo and value:
            raise exception.ImageDownloadError(
                image_id=self.image_id,
                reason='hash algorithm %s is not available here and the '
                'image has no md5 checksum' % algo)
        else:
            self.algo, self.expected = None, None
        self.restart()

    def restart(self):
        self._hash = None
        if self.algo == 'md5':
            self._hash = hashlib.md5(usedforsecurity=False)
        elif self.algo:
            self._hash = hashlib.new(self.algo)

    def update(self, chunk):
        if self._hash is not None:
            self._hash.update(chunk)

    def verify(self, size):
        if self.size is not None and size != self.size:
            raise exception.ImageDownloadError(
                image_id=self.image_id,
                reason='received %d bytes, the image has %d' % (size, self.size))
        if self._hash is None:
            LOG.warning('Image %s has no checksum; its data is not verified',
                        self.image_id)
            return
        actual = self._hash.hexdigest()
        if actual != self.expected:
            raise exception.ImageDownloadError(
                image_id=self.image_id,
                reason='checksum mismatch: %s of the data received is %s, '
                'Glance recorded %s' % (self.algo, actual, self.expected))


def _receive(resp, fd, dst_path, check):
    """Write the response body to *fd* from its start; return its size."""
    if resp.status == 204:
        raise exception.ImageDownloadError(image_id=check.image_id,
                                           reason='Glance has no data for it')
    check.restart()
    _reset(check.image_id, fd, dst_path)
    announced = resp.length
    size = 0
    while chunk := resp.read(_CHUNK):
        check.update(chunk)
        _write_all(check.image_id, fd, dst_path, chunk)
        size += len(chunk)
    if announced is not None and size < announced:
        # http.client's read(amt) returns b'' at a premature end instead of
        # raising; a broken transfer is worth another attempt.
        raise ConnectionError('the transfer ended after %d of %d bytes'
                              % (size, announced))
    return size


def _write_all(image_id, fd, path, chunk):
    view = memoryview(chunk)
    try:
        while view:
            view = view[_write(fd, view):]
    except OSError as err:
        raise _write_error(image_id, path, err) from err


def _write(fd, data):
    """The single site that writes downloaded data to disk."""
    return os.write(fd, data)


def _reset(image_id, fd, path):
    _disk_op(image_id, path, os.ftruncate, fd, 0)
    _disk_op(image_id, path, os.lseek, fd, 0, os.SEEK_SET)


def _create_temp(directory, name):
    """A new file beside *name*, with the mode ``open()`` would give it.

    ``mkstemp`` makes files only their owner can read; an image must be
    readable as a file written the ordinary way (under the umask), by QEMU
    for instance.
    """
    for _attempt in range(100):
        # The name stays short of NAME_MAX whatever the destination's is.
        tmp = os.path.join(directory, '.%s.%s.part' % (
            name[:64], secrets.token_hex(6)))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, 'no free temporary name', directory)


def _disk_op(image_id, path, func, *args):
    try:
        func(*args)
    except OSError as err:
        raise _write_error(image_id, path, err) from err


def _write_error(image_id, path, err):
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = 'no space left on the device holding %s' % path
    else:
        reason = 'cannot write %s: %s' % (path, err)
    return exception.ImageDownloadError(image_id=image_id, reason=reason)


def _http_error(method, path, status, detail, image_id, download):
    if status == 404 and image_id is not None:
        return exception.ImageNotFound(image_id=image_id)
    reason = 'Glance answered %s %s with HTTP %s: %s' % (method, path, status,
                                                         detail)
    if download:
        return exception.ImageDownloadError(image_id=image_id, reason=reason)
    if status in (400, 409, 413, 415):
        return exception.InvalidInput(reason=reason)
    return exception.ImageBackendError(backend='glance', reason=reason)


def _unreachable(method, path, failure, image_id, download):
    reason = '%s %s failed on every Glance server; last: %s' % (
        method, path, failure)
    if download:
        return exception.ImageDownloadError(image_id=image_id, reason=reason)
    return exception.ImageBackendError(backend='glance', reason=reason)


def _never_sent(err):
    """Whether the request surely did not reach a server (safe to resend)."""
    reason = getattr(err, 'reason', err)
    return isinstance(reason, ConnectionRefusedError)


def _reason(err):
    return str(getattr(err, 'reason', None) or err) or type(err).__name__


def _error_detail(err):
    try:
        text = err.read(2048).decode('utf-8', 'replace')
    except (OSError, http.client.HTTPException):
        text = ''
    finally:
        err.close()
    return ' '.join(text.split())[:300] or err.reason


def _endpoint(server):
    url = urllib.parse.urlsplit(str(server).strip())
    if url.scheme not in ('http', 'https') or not url.netloc:
        raise exception.ConfigurationError(
            reason='[glance] api_servers: %r is not an http(s) URL' % server)
    path = url.path.rstrip('/')
    # An endpoint given with its version (".../v2") is the same server.
    if path.endswith('/v2'):
        path = path[:-3]
    return '%s://%s%s' % (url.scheme, url.netloc, path)


def _ssl_context(cafile, insecure):
    try:
        context = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as err:
        raise exception.ConfigurationError(
            reason='[glance] cafile %s cannot be loaded: %s' % (cafile, err)
        ) from err
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _quote(image_id):
    # Ids become URL path segments: a non-uuid could address another
    # resource ("../..."), so only uuids are sent.
    try:
        if str(uuid.UUID(str(image_id))) == str(image_id).lower():
            return urllib.parse.quote(str(image_id), safe='')
    except ValueError:
        pass
    raise exception.ImageNotFound(image_id=image_id)


def _to_meta(image):
    data = {k: v for k, v in image.items() if k in _CORE}
    data['properties'] = {k: v for k, v in image.items() if k not in _CORE}
    return objects.ImageMeta.from_dict(data)


def _prop_value(value):
    # Glance v2 custom properties are strings.
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return value if isinstance(value, str) else str(value)


def _flatten(metadata):
    """Our ``{fields..., 'properties': {...}}`` as Glance's flat image."""
    metadata = dict(metadata or {})
    props = metadata.pop('properties', None) or {}
    if hasattr(props, 'to_dict'):
        props = props.to_dict()
    flat = {k: v for k, v in metadata.items()
            if k not in _READ_ONLY and v is not None}
    flat.update((k, _prop_value(v)) for k, v in props.items()
                if v is not None)
    return flat


def _create_body(metadata):
    body = _flatten(metadata)
    if 'id' in body:
        _quote(body['id'])
    return body


def _patch_ops(current, metadata):
    ops = []
    for key, value in sorted(_flatten(metadata).items()):
        if key == 'id' or current.get(key) == value:
            continue
        op = 'replace' if key in current else 'add'
        ops.append({'op': op, 'path': '/' + _pointer(key), 'value': value})
    return ops


def _pointer(key):
    return key.replace('~', '~0').replace('/', '~1')
