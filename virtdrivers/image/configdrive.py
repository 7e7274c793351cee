"""Config drives: the instance's metadata on an ISO 9660 image.

The layout is Nova's (``nova/api/metadata/base.py``), which cloud-init and
Glance-era guests read from a disk labelled ``config-2``::

    openstack/<version>/meta_data.json     every version and "latest"
    openstack/<version>/user_data          when the instance has user data
    openstack/<version>/vendor_data.json   from 2013-10-17
    openstack/<version>/network_data.json  from 2015-10-15
    openstack/<version>/vendor_data2.json  from 2016-10-06
    openstack/content/0000 ...             injected files, named in
                                           meta_data.json "files"

The image is built in Python with pycdlib (Joliet and Rock Ridge, so guests
see the real lower-case names) and written to a temporary file that is
renamed into place.
"""

import base64
import binascii
import io
import ipaddress
import json
import os
import secrets

import pycdlib

from virtdrivers import exception
from virtdrivers import fileutils

VOLUME_LABEL = 'config-2'
# Nova's OPENSTACK_VERSIONS; "latest" is added after them.
VERSIONS = ('2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15',
            '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27',
            '2020-10-14')
_GRIZZLY, _HAVANA, _LIBERTY = '2013-04-04', '2013-10-17', '2015-10-15'
_NEWTON_ONE, _NEWTON_TWO, _VICTORIA = '2016-06-30', '2016-10-06', '2020-10-14'
# The files are held in memory while the image is built; a config drive is
# metadata, and this bounds what a request can make us allocate.
MAX_CONTENT_BYTES = 64 * 1024 * 1024
MAX_PATH_LENGTH = 255


def build_config_drive(instance, network_info, injected_files, admin_password,
                       path, dhcp_domain=None):
    """Write *instance*'s config drive to *path* (atomically).

    :param instance: an Instance (``uuid``, ``display_name``, ``hostname``,
        ``project_id``, ``availability_zone``, ``key_name``, ``key_data``,
        ``user_data`` in base64, ``metadata``; ``launch_index`` if any).
    :param network_info: a :class:`~virtdrivers.network.NetworkInfo` (or
        None) for ``network_data.json``.
    :param injected_files: ``[(absolute guest path, bytes or str)]``.
    :param admin_password: put in ``meta_data.json`` as ``admin_pass`` when
        given.
    :param dhcp_domain: appended to the hostname, as Nova's ``[api]
        dhcp_domain``.
    :raises InvalidInput: an injected file's path is not absolute (or too
        long), its content is not bytes or text, user_data is not base64,
        or the content exceeds :data:`MAX_CONTENT_BYTES`.
    :raises ImageBackendError: the image cannot be written to *path*.
    """
    files = build_files(instance, network_info, injected_files,
                        admin_password, dhcp_domain)
    _write_iso(files, path)


def build_files(instance, network_info, injected_files, admin_password=None,
                dhcp_domain=None):
    """The config drive's files, ``{path: bytes}``, without the ISO."""
    contents = _check_injected(injected_files)
    user_data = _user_data(instance)
    network_data = _json(network_metadata(network_info))
    listing = [{'path': guest_path, 'content_path': '/content/%04d' % i}
               for i, (guest_path, _data) in enumerate(contents)]
    files = {}
    for version in VERSIONS + ('latest',):
        base = 'openstack/%s/' % version
        files[base + 'meta_data.json'] = _json(_meta_data(
            instance, version, listing, admin_password, dhcp_domain))
        if user_data is not None:
            files[base + 'user_data'] = user_data
        if _since(_HAVANA, version):
            files[base + 'vendor_data.json'] = _json({})
        if _since(_LIBERTY, version):
            files[base + 'network_data.json'] = network_data
        if _since(_NEWTON_TWO, version):
            files[base + 'vendor_data2.json'] = _json({})
    for i, (_guest_path, data) in enumerate(contents):
        files['openstack/content/%04d' % i] = data
    total = sum(len(data) for data in files.values())
    if total > MAX_CONTENT_BYTES:
        raise exception.InvalidInput(
            reason='config drive of instance %s would hold %d bytes, more '
            'than %d' % (instance.uuid, total, MAX_CONTENT_BYTES))
    return files


def _since(first, version):
    return version == 'latest' or version >= first


def _json(data):
    return json.dumps(data, sort_keys=True).encode()


def _check_injected(injected_files):
    """``[(path, bytes)]``, each path absolute, unique and short enough."""
    checked, seen = [], set()
    for item in injected_files or ():
        try:
            guest_path, data = item
        except (TypeError, ValueError):
            raise exception.InvalidInput(
                reason='injected file %r is not a (path, contents) pair'
                % (item,)) from None
        if not isinstance(guest_path, str) or not guest_path.startswith('/'):
            raise exception.InvalidInput(
                reason='injected file path %r is not absolute' % (guest_path,))
        if len(guest_path) > MAX_PATH_LENGTH or '\0' in guest_path:
            raise exception.InvalidInput(
                reason='injected file path %r is too long or contains NUL'
                % guest_path)
        if guest_path in seen:
            raise exception.InvalidInput(
                reason='injected file %s is given twice' % guest_path)
        if isinstance(data, str):
            data = data.encode('utf-8')
        elif not isinstance(data, (bytes, bytearray)):
            raise exception.InvalidInput(
                reason='injected file %s: contents must be bytes or text, '
                'not %s' % (guest_path, type(data).__name__))
        seen.add(guest_path)
        checked.append((guest_path, bytes(data)))
    return checked


def _user_data(instance):
    encoded = getattr(instance, 'user_data', None)
    if not encoded:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as err:
        raise exception.InvalidInput(
            reason='user_data of instance %s is not base64: %s'
            % (instance.uuid, err)) from err


def _meta_data(instance, version, listing, admin_password, dhcp_domain):
    hostname = instance.hostname or instance.display_name
    if dhcp_domain:
        hostname = '%s.%s' % (hostname, dhcp_domain)
    meta = {
        'uuid': instance.uuid,
        'name': instance.display_name,
        'hostname': hostname,
        'launch_index': getattr(instance, 'launch_index', None) or 0,
        'availability_zone': instance.availability_zone,
        'meta': dict(getattr(instance, 'metadata', None) or {}),
    }
    if listing:
        meta['files'] = listing
    if instance.key_name and instance.key_data:
        meta['public_keys'] = {instance.key_name: instance.key_data}
        if _since(_LIBERTY, version):
            meta['keys'] = [{'name': instance.key_name, 'type': 'ssh',
                             'data': instance.key_data}]
    if admin_password:
        meta['admin_pass'] = admin_password
    if _since(_GRIZZLY, version):
        meta['random_seed'] = base64.b64encode(os.urandom(512)).decode()
    if _since(_LIBERTY, version):
        meta['project_id'] = instance.project_id
    if _since(_NEWTON_ONE, version):
        meta['devices'] = []
    if _since(_VICTORIA, version):
        meta['dedicated_cpus'] = []
    return meta


# -- network_data.json (Nova's netutils.get_network_metadata) --------------

# Nova's LEGACY_EXPOSED_VIF_TYPES: other types are shown to guests as "phy".
_EXPOSED_VIF_TYPES = ('bridge', 'dvs', 'hw_veb', 'hyperv', 'ovs', 'tap',
                      'vhostuser', 'vif')


def network_metadata(network_info):
    """``{'links', 'networks', 'services'}`` for *network_info*."""
    links, networks, services = [], [], []
    for index, vif in enumerate(network_info or ()):
        link = _link(vif, index)
        links.append(link)
        network = vif.get('network') or {}
        for subnet in network.get('subnets') or ():
            net = _network(vif, subnet, link['id'], len(networks))
            if net is None:
                continue
            networks.append(net)
            for dns in net.get('services', ()):
                if dns not in services:
                    services.append(dns)
    return {'links': links, 'networks': networks, 'services': services}


def _link(vif, index):
    network = vif.get('network') or {}
    meta = network.get('meta') or {}
    vif_type = vif.get('type')
    return {
        'id': vif.get('devname') or 'interface%d' % index,
        'vif_id': vif.get('id'),
        'type': vif_type if vif_type in _EXPOSED_VIF_TYPES else 'phy',
        'mtu': meta.get('mtu'),
        'ethernet_mac_address': vif.get('address'),
    }


def _network(vif, subnet, link_id, number):
    version = subnet.get('version') or 4
    network_id = (vif.get('network') or {}).get('id')
    if (subnet.get('meta') or {}).get('dhcp_server') is not None:
        return {'id': 'network%d' % number, 'type': 'ipv%d_dhcp' % version,
                'link': link_id, 'network_id': network_id}
    ips = [ip for ip in subnet.get('ips') or () if ip.get('address')]
    if not ips or not subnet.get('cidr'):
        return None
    cidr = _cidr(subnet['cidr'])
    return {
        'id': 'network%d' % number,
        'type': 'ipv%d' % version,
        'link': link_id,
        'ip_address': ips[0]['address'],
        'netmask': str(cidr.netmask),
        'routes': _routes(subnet, version),
        'network_id': network_id,
        'services': [{'type': 'dns', 'address': _address(dns)}
                     for dns in subnet.get('dns') or ()],
    }


def _routes(subnet, version):
    routes = []
    gateway = _address(subnet.get('gateway'))
    if gateway:
        anywhere = '0.0.0.0' if version == 4 else '::'
        routes.append({'network': anywhere, 'netmask': anywhere,
                       'gateway': gateway})
    for route in subnet.get('routes') or ():
        cidr = _cidr(route['cidr'])
        routes.append({'network': str(cidr.network_address),
                       'netmask': str(cidr.netmask),
                       'gateway': _address(route.get('gateway'))})
    return routes


def _address(ip):
    return ip.get('address') if isinstance(ip, dict) else ip


def _cidr(value):
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError as err:
        raise exception.InvalidInput(
            reason='network_info: bad CIDR %r: %s' % (value, err)) from err


# -- the ISO -----------------------------------------------------------------

def _write_iso(files, path):
    iso = pycdlib.PyCdlib()
    # Interchange level 4 allows lower-case ISO 9660 names, so all three
    # name spaces (ISO, Joliet, Rock Ridge) carry the same paths.
    iso.new(interchange_level=4, joliet=3, rock_ridge='1.09',
            vol_ident=VOLUME_LABEL, pub_ident_str='virtdrivers',
            app_ident_str='virtdrivers config drive')
    try:
        for directory in _directories(files):
            iso.add_directory('/' + directory, rr_name=_name(directory),
                              joliet_path='/' + directory)
        for name in sorted(files):
            data = files[name]
            iso.add_fp(io.BytesIO(data), len(data), '/' + name,
                       rr_name=_name(name), joliet_path='/' + name)
        _write_atomically(iso, path)
    finally:
        iso.close()


def _directories(files):
    dirs = set()
    for name in files:
        parts = name.split('/')[:-1]
        dirs.update('/'.join(parts[:i + 1]) for i in range(len(parts)))
    return sorted(dirs, key=lambda d: (d.count('/'), d))


def _name(path):
    return path.rsplit('/', 1)[-1]


def _write_atomically(iso, path):
    directory = os.path.dirname(os.path.abspath(path))
    tmp = None
    try:
        fd, tmp = _create_temp(directory)
        with os.fdopen(fd, 'wb') as f:
            iso.write_fp(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            fileutils.remove(tmp)
        raise exception.ImageBackendError(
            backend='configdrive',
            reason='cannot write %s: %s' % (path, err)) from err
    except BaseException:
        if tmp is not None:
            fileutils.remove(tmp)
        raise


def _create_temp(directory):
    # Not mkstemp: QEMU, often another user, must read the drive, so it
    # gets the mode an ordinary open() would give it (0644 under the umask).
    while True:
        tmp = os.path.join(directory, '.configdrive-%s.tmp'
                           % secrets.token_hex(6))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                           0o644), tmp
        except FileExistsError:
            continue
