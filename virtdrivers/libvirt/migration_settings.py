"""Live migration: the ``[libvirt] live_migration_*`` options, read once,
and what they make of a migration (the destination's URIs, libvirt's flags
and parameters), with the guest kind's :class:`~.profiles.profile.
LiveMigration` answers. No libvirt calls here."""

import dataclasses
import ipaddress

from virtdrivers import exception
from virtdrivers.libvirt.binding import libvirt

GIB = 1024 ** 3
# Nova counts at least this much data when it scales the completion timeout.
MIN_TIMEOUT_GIB = 2


@dataclasses.dataclass(frozen=True)
class MigrationSettings:
    """The ``[libvirt] live_migration_*`` options of one host."""

    scheme: str = "tcp"
    inbound_addr: str | None = None
    uri_template: str | None = None
    bandwidth_mib: int = 0
    completion_timeout: int = 800
    timeout_action: str = "abort"
    auto_converge: bool = False

    @classmethod
    def from_conf(cls, conf):
        """Read and check the options.

        :raises ConfigurationError: a ``live_migration_uri`` without
            exactly one ``%s``, naming the option and its value.
        """
        opts = conf.libvirt
        template = opts.live_migration_uri or None
        if template is not None and (template.count("%s") != 1
                                     or "%" in template.replace("%s", "")):
            raise exception.ConfigurationError(
                reason="[libvirt] live_migration_uri=%s must contain %%s "
                       "(the destination) once and no other %%" % template)
        return cls(scheme=opts.live_migration_scheme or "tcp",
                   inbound_addr=opts.live_migration_inbound_addr or None,
                   uri_template=template,
                   bandwidth_mib=opts.live_migration_bandwidth,
                   completion_timeout=opts.live_migration_completion_timeout,
                   timeout_action=opts.live_migration_timeout_action,
                   auto_converge=opts.live_migration_permit_auto_converge)


def _traits(profile):
    if profile.live_migration is None:
        raise exception.NotSupported(
            operation="live-migrate",
            reason="%s do not live-migrate" % profile.description)
    return profile.live_migration


def _host(dest):
    """*dest* for a URI: IPv6 addresses in brackets (Nova's escape_ipv6)."""
    if not dest or not isinstance(dest, str) or any(c in dest for c in "/@?# "):
        raise exception.InvalidInput(
            reason="%r is no destination host name or address" % (dest,))
    try:
        if ipaddress.ip_address(dest).version == 6:
            return "[%s]" % dest
    except ValueError:
        pass
    return dest


def destination_uri(profile, settings, dest):
    """The libvirt URI of *dest* (a host name or address) for guests of
    *profile*: ``live_migration_uri`` when set, else the profile's.

    :raises InvalidInput: *dest* is empty or not a host name.
    """
    host = _host(dest)
    if settings.uri_template:
        return settings.uri_template % host
    return _traits(profile).uri % {"dest": host, "scheme": settings.scheme}


def stream_uri(profile, dest):
    """Where the hypervisor sends the guest's memory, or None (the
    destination says)."""
    template = _traits(profile).stream_uri
    return template % {"dest": _host(dest)} if template else None


def flags(profile, settings, block_migration, shared_path_proven=False):
    """libvirt's migration flags (Nova's): live, peer-to-peer, the guest
    persistent on the destination and undefined on the source; incremental
    block copy for a block migration.

    :param shared_path_proven: the destination saw the file we made in
        ``instances_path``: libvirt's own check only knows a few shared
        file systems (NFS, GFS2...), so it is told the storage is shared.
    :raises MigrationPreCheckError: a block migration for a guest kind
        that cannot copy disks.
    """
    traits = _traits(profile)
    value = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
             | libvirt.VIR_MIGRATE_PERSIST_DEST
             | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
    if block_migration:
        if not traits.block_migration:
            raise exception.MigrationPreCheckError(
                reason="%s cannot be block-migrated (their disks must be on "
                       "storage both hosts share)" % profile.description)
        value |= libvirt.VIR_MIGRATE_NON_SHARED_INC
    elif shared_path_proven:
        value |= libvirt.VIR_MIGRATE_UNSAFE
    if settings.auto_converge and traits.auto_converge:
        value |= libvirt.VIR_MIGRATE_AUTO_CONVERGE
    return value


def params(profile, settings, dest, dest_xml=None):
    """The typed parameters of ``migrateToURI3``: the stream URI, the
    destination's XML and the bandwidth, those the hypervisor takes."""
    traits = _traits(profile)
    found = {}
    uri = stream_uri(profile, dest)
    if uri:
        found[libvirt.VIR_MIGRATE_PARAM_URI] = uri
    if dest_xml is not None and traits.dest_xml:
        found[libvirt.VIR_MIGRATE_PARAM_DEST_XML] = dest_xml
    if settings.bandwidth_mib and traits.bandwidth:
        found[libvirt.VIR_MIGRATE_PARAM_BANDWIDTH] = settings.bandwidth_mib
    return found


def completion_timeout(settings, memory_mb, disk_bytes=0):
    """Seconds the migration may take (Nova's: per GiB of memory and
    copied disk, at least 2 GiB counted); 0: no limit."""
    gib = max(MIN_TIMEOUT_GIB, (memory_mb * 1024 ** 2 + disk_bytes) / GIB)
    return int(settings.completion_timeout * gib)
