"""A Glance v2 API simulator: a real HTTP server, in memory, with faults.

It speaks the wire format of the Glance v2 image API for what a compute
driver uses: ``/v2/images`` (list with ``limit``/``marker`` pages and a
``next`` link, create), ``/v2/images/{id}`` (show, JSON-patch update with
``application/openstack-images-v2.1-json-patch``, delete) and
``/v2/images/{id}/file`` (upload with PUT, download with GET). Images are
flat JSON objects whose custom properties are top-level strings, and the
server computes ``size``, ``checksum`` (md5), ``os_hash_algo`` (sha512) and
``os_hash_value`` on upload, as Glance does.

Faults are injected per request (:meth:`GlanceSimulator.add_fault`): an HTTP
error status, a truncated or corrupted download, a dropped connection.

Use it as a context manager or through :class:`GlanceSimFixture`::

    with GlanceSimulator(token='secret') as sim:
        client = GlanceImageService([sim.endpoint], token='secret')
"""

import dataclasses
import datetime
import hashlib
import http.server
import itertools
import json
import logging
import re
import threading
import urllib.parse
import uuid

import fixtures

LOG = logging.getLogger(__name__)

PATCH_TYPE = 'application/openstack-images-v2.1-json-patch'
DISK_FORMATS = ('ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2',
                'vdi', 'iso', 'ploop')
CONTAINER_FORMATS = ('ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',
                     'compressed')
VISIBILITIES = ('public', 'private', 'shared', 'community')
READ_ONLY = ('status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size',
             'virtual_size', 'created_at', 'updated_at', 'self', 'file',
             'schema', 'direct_url', 'locations', 'stores')
CORE = ('id', 'name', 'disk_format', 'container_format', 'visibility',
        'protected', 'os_hidden', 'min_disk', 'min_ram', 'owner', 'tags')
FAULT_KINDS = ('status', 'truncate', 'corrupt', 'disconnect')
DEFAULT_LIMIT = 25
_IMAGE_PATH = re.compile(r'^/v2/images/([^/]+)(/file)?$')


@dataclasses.dataclass
class Fault:
    """One injected fault; see :meth:`GlanceSimulator.add_fault`."""

    kind: str
    method: str | None = None
    path: str | None = None
    times: int = 1
    status: int = 500

    def matches(self, method, path):
        if self.kind in ('truncate', 'corrupt') and not (
                method == 'GET' and path.endswith('/file')):
            return False  # these change downloads only
        return ((self.method is None or self.method == method) and
                (self.path is None or re.search(self.path, path) is not None))


@dataclasses.dataclass(frozen=True)
class Request:
    """A request the simulator received (the token itself is not kept)."""

    method: str
    path: str
    content_type: str | None
    had_token: bool
    status: int


class GlanceError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class GlanceSimulator:
    """An in-memory Glance v2 server on ``127.0.0.1`` and a free port.

    :param token: when set, requests without this ``X-Auth-Token`` get 401.
    :param owner: the project new images belong to.
    """

    def __init__(self, token=None, owner='project'):
        self.token = token
        self.owner = owner
        self.images = {}       # id -> the image's JSON object
        self.data = {}         # id -> its bytes
        self.faults = []
        self.requests = []
        self._order = {}       # id -> creation sequence (newest first)
        self._seq = itertools.count()
        self._lock = threading.RLock()
        self._server = None
        self._thread = None

    # -- life cycle -------------------------------------------------------

    def start(self):
        handler = type('Handler', (_Handler,), {'sim': self})
        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                       handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={'poll_interval': 0.05},
                                        name='glance-sim', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def endpoint(self):
        host, port = self._server.server_address[:2]
        return 'http://%s:%d' % (host, port)

    # -- test controls ----------------------------------------------------

    def add_fault(self, kind, method=None, path=None, times=1, status=500):
        """Make the next *times* matching requests fail.

        :param kind: ``status`` (answer *status* with an error body),
            ``truncate`` (a download sends half its data, then closes),
            ``corrupt`` (a download sends data with its first byte changed),
            ``disconnect`` (close the connection without an answer).
        :param method: only requests with this method; any when None.
        :param path: only paths this regular expression finds; any when None.
        """
        if kind not in FAULT_KINDS:
            raise ValueError('unknown fault %r (one of %s)'
                             % (kind, ', '.join(FAULT_KINDS)))
        fault = Fault(kind, method, path, times, status)
        with self._lock:
            self.faults.append(fault)
        return fault

    def add_image(self, data=None, **fields):
        """Store an image directly (no HTTP); return its JSON object."""
        with self._lock:
            image = self._new_image(fields)
            if data is not None:
                self._store(image, data)
            return dict(image)

    def tamper(self, image_id, data):
        """Replace an image's stored bytes, leaving its recorded hashes."""
        with self._lock:
            self.data[image_id] = bytes(data)

    def _take_fault(self, method, path):
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    # -- the API ----------------------------------------------------------

    def _new_image(self, fields):
        image_id = fields.get('id') or str(uuid.uuid4())
        if not _is_uuid(image_id):
            raise GlanceError(400, 'Invalid image id %r' % image_id)
        if image_id in self.images:
            raise GlanceError(409, 'Image with identifier %s already exists'
                              % image_id)
        now = _now()
        image = {
            'id': image_id, 'name': None, 'status': 'queued',
            'visibility': 'shared', 'protected': False, 'os_hidden': False,
            'checksum': None, 'os_hash_algo': None, 'os_hash_value': None,
            'owner': self.owner, 'size': None, 'virtual_size': None,
            'min_ram': 0, 'min_disk': 0, 'disk_format': None,
            'container_format': None, 'created_at': now, 'updated_at': now,
            'tags': [], 'self': '/v2/images/%s' % image_id,
            'file': '/v2/images/%s/file' % image_id,
            'schema': '/v2/schemas/image'}
        for key, value in fields.items():
            _set_field(image, key, value)
        self.images[image_id] = image
        self._order[image_id] = next(self._seq)
        return image

    def _store(self, image, data):
        data = bytes(data)
        image.update(
            size=len(data), status='active', os_hash_algo='sha512',
            checksum=hashlib.md5(data, usedforsecurity=False).hexdigest(),
            os_hash_value=hashlib.sha512(data).hexdigest(), updated_at=_now())
        self.data[image['id']] = data

    def _get(self, image_id):
        image = self.images.get(image_id)
        if image is None:
            raise GlanceError(404, 'No image found with ID %s' % image_id)
        return image

    def list_images(self, query):
        try:
            limit = int(query.get('limit', DEFAULT_LIMIT))
        except ValueError:
            raise GlanceError(400, 'limit param must be an integer') from None
        if limit < 0:
            raise GlanceError(400, 'limit param must be positive')
        ordered = sorted(self.images, key=self._order.get, reverse=True)
        for key in ('name', 'status', 'visibility', 'disk_format'):
            if key in query:
                ordered = [i for i in ordered
                           if self.images[i].get(key) == query[key]]
        marker = query.get('marker')
        if marker is not None:
            if marker not in ordered:
                raise GlanceError(400, 'marker %s could not be found'
                                  % marker)
            ordered = ordered[ordered.index(marker) + 1:]
        page = ordered[:limit]
        body = {'images': [dict(self.images[i]) for i in page],
                'first': '/v2/images', 'schema': '/v2/schemas/images'}
        if page and len(ordered) > limit:
            body['next'] = '/v2/images?%s' % urllib.parse.urlencode(
                {'marker': page[-1], 'limit': limit})
        return body

    def create_image(self, body):
        if not isinstance(body, dict):
            raise GlanceError(400, 'Image body must be a JSON object')
        for key in body:
            if key in READ_ONLY:
                raise GlanceError(403, "Attribute '%s' is read-only." % key)
        return dict(self._new_image(body))

    def patch_image(self, image_id, ops):
        image = self._get(image_id)
        if not isinstance(ops, list):
            raise GlanceError(400, 'A JSON patch must be a list')
        updated = dict(image)
        for op in ops:
            _apply_op(updated, op)
        updated['updated_at'] = _now()
        image.clear()
        image.update(updated)
        return dict(image)

    def delete_image(self, image_id):
        image = self._get(image_id)
        if image.get('protected'):
            raise GlanceError(403, 'Image %s is protected and cannot be '
                              'deleted.' % image_id)
        del self.images[image_id]
        self._order.pop(image_id, None)
        self.data.pop(image_id, None)

    def upload(self, image_id, data):
        image = self._get(image_id)
        if image['status'] != 'queued':
            raise GlanceError(409, 'Image status transition from %s to '
                              'saving is not allowed' % image['status'])
        self._store(image, data)


def _set_field(image, key, value):
    if key in READ_ONLY:
        raise GlanceError(403, "Attribute '%s' is read-only." % key)
    if key == 'disk_format' and value not in DISK_FORMATS + (None,):
        raise GlanceError(400, 'Invalid disk format %r' % value)
    if key == 'container_format' and value not in CONTAINER_FORMATS + (None,):
        raise GlanceError(400, 'Invalid container format %r' % value)
    if key == 'visibility' and value not in VISIBILITIES:
        raise GlanceError(400, 'Invalid visibility value: %s' % value)
    if key in ('min_disk', 'min_ram') and (
            not isinstance(value, int) or value < 0):
        raise GlanceError(400, '%s must be a non-negative integer' % key)
    if key not in CORE and not isinstance(value, str):
        raise GlanceError(400, "Property %s: %r is not of type 'string'"
                          % (key, value))
    image[key] = value


def _apply_op(image, op):
    if not isinstance(op, dict) or 'path' not in op:
        raise GlanceError(400, 'Invalid JSON patch operation %r' % (op,))
    name = op['path'].lstrip('/').replace('~1', '/').replace('~0', '~')
    kind = op.get('op')
    if name == 'id' or name in READ_ONLY:
        raise GlanceError(403, "Attribute '%s' is read-only." % name)
    if kind in ('add', 'replace'):
        if 'value' not in op:
            raise GlanceError(400, 'Operation %s needs a value' % kind)
        if kind == 'replace' and name not in CORE and name not in image:
            raise GlanceError(409, 'Property %s does not exist.' % name)
        _set_field(image, name, op['value'])
    elif kind == 'remove':
        if name in CORE:
            raise GlanceError(403, "Attribute '%s' cannot be removed." % name)
        if name not in image:
            raise GlanceError(409, 'Property %s does not exist.' % name)
        del image[name]
    else:
        raise GlanceError(400, 'Invalid JSON patch operation %r' % kind)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    sim = None  # set on the subclass GlanceSimulator.start makes

    def log_message(self, fmt, *args):
        LOG.debug('glance-sim: ' + fmt, *args)

    def do_GET(self):
        self._dispatch('GET')

    def do_POST(self):
        self._dispatch('POST')

    def do_PUT(self):
        self._dispatch('PUT')

    def do_PATCH(self):
        self._dispatch('PATCH')

    def do_DELETE(self):
        self._dispatch('DELETE')

    def _dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        try:
            fault = self.sim._take_fault(method, url.path)
            if fault is not None and fault.kind == 'disconnect':
                self._read_body()
                self._record(None)
                self.close_connection = True
                return
            if fault is not None and fault.kind == 'status':
                self._read_body()
                raise GlanceError(fault.status, 'Injected fault')
            self._check_token()
            self._route(method, url, fault)
        except GlanceError as err:
            self._send_json(err.status, {'message': err.message,
                                         'code': err.status})

    def _record(self, status):
        # Recorded before the answer goes out, so a client that has its
        # answer always finds its request in sim.requests.
        self.sim.requests.append(Request(
            self.command, self.path, self.headers.get('Content-Type'),
            bool(self.headers.get('X-Auth-Token')), status))

    def _check_token(self):
        if self.sim.token and \
                self.headers.get('X-Auth-Token') != self.sim.token:
            self._read_body()
            raise GlanceError(401, 'This server could not verify that you '
                              'are authorized to access the document you '
                              'requested.')

    def _route(self, method, url, fault):
        sim = self.sim
        if url.path in ('/', '/versions') and method == 'GET':
            return self._send_json(200, {'versions': [{
                'id': 'v2.16', 'status': 'CURRENT', 'links': [
                    {'rel': 'self', 'href': self._base() + '/v2/'}]}]})
        if url.path == '/v2/images':
            if method == 'GET':
                query = dict(urllib.parse.parse_qsl(url.query))
                with sim._lock:
                    return self._send_json(200, sim.list_images(query))
            if method == 'POST':
                body = self._json_body()
                with sim._lock:
                    image = sim.create_image(body)
                return self._send_json(201, image, {
                    'Location': self._base() + image['self']})
        match = _IMAGE_PATH.match(url.path)
        if match is None:
            raise GlanceError(404, 'The resource could not be found.')
        image_id, is_file = match.group(1), bool(match.group(2))
        if is_file:
            return self._route_file(method, image_id, fault)
        return self._route_image(method, image_id)

    def _route_image(self, method, image_id):
        sim = self.sim
        if method == 'GET':
            with sim._lock:
                return self._send_json(200, dict(sim._get(image_id)))
        if method == 'PATCH':
            if self.headers.get('Content-Type') != PATCH_TYPE:
                self._read_body()
                raise GlanceError(415, 'Unsupported Content-Type; use %s'
                                  % PATCH_TYPE)
            ops = self._json_body()
            with sim._lock:
                return self._send_json(200, sim.patch_image(image_id, ops))
        if method == 'DELETE':
            with sim._lock:
                sim.delete_image(image_id)
            return self._send(204, b'')
        raise GlanceError(405, 'Method %s not allowed' % method)

    def _route_file(self, method, image_id, fault):
        sim = self.sim
        if method == 'PUT':
            if self.headers.get('Content-Type') != 'application/octet-stream':
                self._read_body()
                raise GlanceError(415, 'Unsupported Content-Type')
            data = self._read_body()
            with sim._lock:
                sim.upload(image_id, data)
            return self._send(204, b'')
        if method != 'GET':
            raise GlanceError(405, 'Method %s not allowed' % method)
        with sim._lock:
            image = dict(sim._get(image_id))
            data = sim.data.get(image_id)
        if data is None:
            return self._send(204, b'')
        headers = {'Content-MD5': image.get('checksum') or ''}
        if fault is not None and fault.kind == 'corrupt' and data:
            data = bytes([data[0] ^ 0xff]) + data[1:]
        if fault is not None and fault.kind == 'truncate':
            self._send_head(200, 'application/octet-stream', len(data),
                            headers)
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        return self._send(200, data, 'application/octet-stream', headers)

    # -- plumbing ---------------------------------------------------------

    def _base(self):
        host, port = self.server.server_address[:2]
        return 'http://%s:%d' % (host, port)

    def _read_body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            return self._read_chunked()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def _read_chunked(self):
        parts = []
        while True:
            size = int(self.rfile.readline().split(b';')[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                    pass
                return b''.join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _json_body(self):
        try:
            return json.loads(self._read_body() or b'null')
        except ValueError as err:
            raise GlanceError(400, 'Malformed JSON in request body: %s'
                              % err) from None

    def _send_json(self, status, body, headers=None):
        self._send(status, json.dumps(body).encode(), 'application/json',
                   headers)

    def _send(self, status, data, content_type=None, headers=None):
        self._send_head(status, content_type, len(data), headers)
        if data:
            self.wfile.write(data)

    def _send_head(self, status, content_type, length, headers=None):
        self._record(status)
        self.send_response(status)
        if content_type:
            self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(length))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()


class GlanceSimFixture(fixtures.Fixture):
    """A started :class:`GlanceSimulator` (``self.sim``), stopped on cleanup.

    :param kwargs: passed to :class:`GlanceSimulator`.
    """

    def __init__(self, **kwargs):
        super().__init__()
        self._kwargs = kwargs

    def _setUp(self):
        self.sim = GlanceSimulator(**self._kwargs).start()
        self.addCleanup(self.sim.stop)
        self.endpoint = self.sim.endpoint


def _is_uuid(value):
    try:
        return str(uuid.UUID(str(value))) == str(value)
    except ValueError:
        return False


def _now():
    return datetime.datetime.now(datetime.UTC).strftime(
        '%Y-%m-%dT%H:%M:%SZ')
