"""Pre-checks that refuse a migration before anything moves.

No mixed clusters: a guest built for one hypervisor (its domain XML, its
disk formats, its PV drivers) does not run on another, so a live or cold
migration between hosts whose hypervisor types differ is refused up front.
The migration operations call these checks first (the live and cold
migration work wires them in: ``check_can_live_migrate_destination`` and
``migrate_disk_and_power_off``).
"""

from virtdrivers import exception


def _field(compute_info, name):
    """*name* of a compute node record: a Nova ``ComputeNode`` or a dict
    (what ``get_available_resource`` returns)."""
    if compute_info is None:
        return None
    if isinstance(compute_info, dict):
        return compute_info.get(name)
    return getattr(compute_info, name, None)


def _host(compute_info):
    return (_field(compute_info, "hypervisor_hostname")
            or _field(compute_info, "host") or "(unknown host)")


def check_same_hypervisor(src_compute_info, dst_compute_info):
    """Refuse a migration between hosts of different hypervisor types.

    :param src_compute_info: the source compute node (its
        ``hypervisor_type``, e.g. ``kvm``, ``xen``, ``parallels``).
    :param dst_compute_info: the destination compute node.
    :raises MigrationPreCheckError: when the types differ, or one is
        unknown (a host that does not say cannot be trusted to match),
        naming both hosts and both types.
    """
    types = [_field(info, "hypervisor_type")
             for info in (src_compute_info, dst_compute_info)]
    hosts = [_host(info) for info in (src_compute_info, dst_compute_info)]
    if not all(types):
        missing = [host for host, kind in zip(hosts, types, strict=True)
                   if not kind]
        raise exception.MigrationPreCheckError(
            reason="cannot tell the hypervisor type of %s; migrations "
                   "between %s and %s are refused" % (
                       " and ".join(missing), hosts[0], hosts[1]))
    if types[0].lower() != types[1].lower():
        raise exception.MigrationPreCheckError(
            reason="source host %s runs %s and destination host %s runs %s: "
                   "instances do not migrate between hypervisor types"
                   % (hosts[0], types[0], hosts[1], types[1]))
