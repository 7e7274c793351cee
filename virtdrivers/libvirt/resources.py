"""Host resources and instance diagnostics from bulk libvirt calls.

The periodic resource update must not cost a call (or a ``qemu-img info``)
per instance: everything per domain comes from one ``getAllDomainStats``.

Xen's dom0 is the host's own OS, not a guest: its vCPUs and disks are left
out of the guests' figures, and its memory is counted as the host's (what
the hypervisor has handed out, dom0 included; see ``Profile.dom0``).
"""

import json
import os

from virtdrivers import diagnostics
from virtdrivers import power_state
from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt.binding import libvirt

GIB = 1024 ** 3

BULK_STATS = (libvirt.VIR_DOMAIN_STATS_STATE | libvirt.VIR_DOMAIN_STATS_VCPU
              | libvirt.VIR_DOMAIN_STATS_BLOCK)


def hypervisor_version(version):
    """libvirt's (major, minor, micro) as Nova's integer."""
    major, minor, micro = (tuple(version) + (0, 0, 0))[:3]
    return major * 1000000 + minor * 1000 + micro


def _cpu_info(caps):
    cpu = caps.host.cpu
    return json.dumps({
        'arch': cpu.arch, 'model': cpu.model, 'vendor': cpu.vendor,
        'topology': {'sockets': cpu.sockets or 1, 'cores': cpu.cores or 1,
                     'threads': cpu.threads or 1},
        'features': sorted(getattr(cpu, 'feature_flags', None) or [])})


class VcpuCounts:
    """vCPU counts of running guests, for hypervisors whose bulk statistics
    lack them (libvirt's test driver): read once per run of a guest (one
    ``info()``), then remembered until its domain ID changes (it restarted)
    or it stops. vCPUs hot-plugged by another tool meanwhile are not seen."""

    def __init__(self):
        self._known = {}    # (uuid, domain id) -> vCPUs

    def used(self, host, stats):
        running = (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_PAUSED,
                   libvirt.VIR_DOMAIN_BLOCKED)
        used, seen = 0, set()
        for uuid, record in stats.items():
            if record.get('state.state') not in running:
                continue
            current = record.get('vcpu.current')
            if current is None:
                key = (uuid, record.get('domain.id'))
                seen.add(key)
                if key not in self._known:
                    self._known[key] = host.get_guest_by_uuid(uuid).get_vcpu_count()
                current = self._known[key]
            used += int(current)
        self._known = {key: self._known[key] for key in seen}
        return used


def _overcommitted_bytes(stats):
    """Bytes instance disks may still grow by (capacity not yet allocated)."""
    total = 0
    for record in stats.values():
        for i in range(int(record.get('block.count', 0))):
            capacity = record.get('block.%d.capacity' % i, 0)
            allocated = record.get('block.%d.physical' % i,
                                   record.get('block.%d.allocation' % i, 0))
            total += max(0, capacity - allocated)
    return total


# libvirt's other name for Xen PV guests in capabilities.
_VM_MODE_ALIASES = {'linux': 'xen'}


def _supported_instances(caps, profile):
    """``(arch, hv_type, vm_mode)`` of each guest kind the host's
    capabilities offer and the profile's family runs (a Parallels host:
    ``hvm`` VMs and ``exe`` containers; Xen: ``xen`` PV and ``hvm``)."""
    seen = []
    for guest in caps.guests:
        vm_mode = _VM_MODE_ALIASES.get(guest.os_type, guest.os_type)
        entry = (guest.arch, profile.virt_type, vm_mode)
        if vm_mode in profile.vm_modes and entry not in seen:
            seen.append(entry)
    return seen


def disk_capacity(settings, backend=None):
    """``(total, free)`` bytes where instance disks go: the backend's own
    storage (a volume group, a Ceph pool) or the instances file system."""
    found = backend.capacity() if backend is not None else None
    if found is not None:
        return found
    fs = os.statvfs(settings.instances_path)
    return fs.f_frsize * fs.f_blocks, fs.f_frsize * fs.f_bavail


def available_resource(host, settings, profile, nodename, backend=None,
                       vcpu_counts=None):
    """Nova's resource dict for *nodename*, from a constant number of calls."""
    caps = host.get_capabilities()
    stats = {uuid: record for uuid, record
             in host.get_all_domain_stats(BULK_STATS).items()
             if uuid != vhost.DOM0_UUID}
    total, free = disk_capacity(settings, backend)
    total_gb = total // GIB
    return {
        'vcpus': host.get_cpu_count(),
        'memory_mb': host.get_memory_mb_total(),
        'local_gb': total_gb,
        'vcpus_used': (vcpu_counts or VcpuCounts()).used(host, stats),
        'memory_mb_used': host.get_memory_mb_used(from_hypervisor=profile.dom0),
        'local_gb_used': total_gb - free // GIB,
        'hypervisor_type': profile.virt_type,
        'hypervisor_version': hypervisor_version(host.get_hv_version()),
        'hypervisor_hostname': nodename,
        'cpu_info': _cpu_info(caps),
        'disk_available_least': (free - _overcommitted_bytes(stats)) // GIB,
        'supported_instances': _supported_instances(caps, profile),
        'numa_topology': None,
        'pci_passthrough_devices': '[]',
        'stats': {},
    }


def inventory(resources, settings):
    """Placement inventory (VCPU, MEMORY_MB, DISK_GB) from *resources*."""
    def record(total, reserved, ratio):
        return {'total': total, 'reserved': reserved, 'min_unit': 1,
                'max_unit': total, 'step_size': 1, 'allocation_ratio': ratio}

    return {
        'VCPU': record(resources['vcpus'], settings.reserved_host_cpus,
                       settings.cpu_allocation_ratio),
        'MEMORY_MB': record(resources['memory_mb'],
                            settings.reserved_host_memory_mb,
                            settings.ram_allocation_ratio),
        'DISK_GB': record(resources['local_gb'],
                          -(-settings.reserved_host_disk_mb // 1024),
                          settings.disk_allocation_ratio),
    }


def instance_diagnostics(guest, driver_name, hv_type, config_drive):
    """A :class:`Diagnostics` of one guest (a handful of calls)."""
    state = guest.get_power_state()
    config = guest.get_config()
    cpus = []
    if state == power_state.RUNNING:
        cpus = [diagnostics.CpuDiagnostics(id=v.id, time=v.time)
                for v in guest.get_vcpus_info()]
    else:
        cpus = [diagnostics.CpuDiagnostics(id=i) for i in range(config.vcpu or 0)]
    return diagnostics.Diagnostics(
        state=power_state.name(state), driver=driver_name, hypervisor=hv_type,
        hypervisor_os='linux', config_drive=config_drive,
        memory_details={'maximum': (config.memory or 0) // 1024, 'used': 0},
        cpu_details=cpus,
        nic_details=[diagnostics.NicDiagnostics(mac_address=nic.mac)
                     for nic in config.devices.interfaces],
        disk_details=[diagnostics.DiskDiagnostics()
                      for _ in config.devices.disks])
