"""``<disk>`` elements from the disk mapping (see ``blockinfo``)."""

from virtdrivers.libvirt import xml as vxml

# Cache mode keys tried for each source type: a storage pool volume is a
# file (or block device) underneath, and Nova's option knows no "volume".
_CACHE_KEYS = {"volume": ("volume", "file")}


def configure(ctx, domain):
    """Append one ``<disk>`` per mapped disk, in mapping order."""
    for info in ctx.disk_mapping:
        domain.devices.append(disk_element(ctx.settings, info, ctx.profile))


def disk_element(settings, info, profile=None):
    """The :class:`~virtdrivers.libvirt.xml.Disk` of one ``DiskInfo``.

    The ``<driver name>`` is the source's, else the profile's.
    """
    spec, source = info.spec, info.spec.source
    driver_name = source.driver_name or (
        profile.disk_driver if profile is not None else None)
    disk = vxml.Disk.new(
        type=source.type, device=spec.device,
        driver_name=driver_name, driver_type=source.format,
        driver_cache=cache_mode(settings, source),
        target_dev=info.dev, target_bus=info.bus,
        readonly=spec.readonly, serial=spec.serial,
        boot_order=info.boot_order,
    )
    _SOURCES[source.type](disk, source)
    return disk


def cache_mode(settings, source):
    """The disk's own cache mode, else the host's for its source type,
    else None (libvirt's default)."""
    if source.cache:
        return source.cache
    for key in _CACHE_KEYS.get(source.type, (source.type,)):
        mode = settings.disk_cachemodes.get(key)
        if mode:
            return mode
    return None


def _file(disk, source):
    disk.source_file = source.path


def _block(disk, source):
    disk.source_dev = source.path


def _volume(disk, source):
    disk.source_pool = source.pool
    disk.source_volume = source.volume


def _network(disk, source):
    disk.source_protocol = source.protocol
    disk.source_name = source.name
    for host in source.hosts:
        name, port = (host, None) if isinstance(host, str) else host
        disk.source_hosts.append(vxml.SourceHost.new(name=name, port=port))
    if source.auth is not None:
        disk.auth = vxml.Auth.new(username=source.auth.username,
                                  secret_type=source.auth.secret_type,
                                  secret_uuid=source.auth.secret_uuid)


_SOURCES = {"file": _file, "block": _block, "volume": _volume,
            "network": _network}
