"""Scaling: libvirt calls and wall time of the information operations at
growing numbers of domains.

One driver on a private test-driver host; domains are added (minimal XML,
no disks, defined and started with bare calls on the driver's connection,
not counted) until each size is reached. At each size every operation runs
once untimed (as on a long-lived host: the capabilities are then cached),
once counted, then *repeat* times timed with counting off (the proxy hands
out the real objects, so it does not slow what is timed).

An operation is *constant* when its connection-level calls and its
domain-level calls that reach the hypervisor driver are the same at every
size. Domain accessors (uuid, name, id: read from the ``virDomain`` object
``listAllDomains`` returned) are counted and shown apart; a listing that
returns N names makes N of them by necessity, without a round trip.
"""

import contextlib
import uuid

from benchmarks import env
from virtdrivers import objects
from virtdrivers.libvirt.binding import libvirt

SIZES = (10, 100, 1000)
QUICK_SIZES = (10, 100)
BARE_LISTING = 'bare listAllDomains+name'
LISTINGS = ('list_instances', 'list_instance_uuids')
_NAMESPACE = uuid.UUID('6c4a6f0e-6d1b-4f57-9d0e-6b656e636821')

OPERATIONS = (
    ('get_info', lambda drv, target: drv.get_info(target)),
    ('list_instances', lambda drv, target: drv.list_instances()),
    ('list_instance_uuids', lambda drv, target: drv.list_instance_uuids()),
    ('get_available_resource',
     lambda drv, target: drv.get_available_resource(env.HOST)),
    # Reference for the listings' wall time: what libvirt itself costs to
    # list N domains and read their names, without the driver.
    (BARE_LISTING,
     lambda drv, target: [domain.name() for domain in
                          drv.host.get_connection().listAllDomains(0)]),
)


def domain_uuid(number):
    return str(uuid.uuid5(_NAMESPACE, str(number)))


def domain_xml(number):
    return ("<domain type='test'><name>bench-%05d</name><uuid>%s</uuid>"
            "<memory unit='KiB'>131072</memory><vcpu>1</vcpu>"
            "<os><type>hvm</type></os></domain>" % (number, domain_uuid(number)))


def _bulk_stats_have_vcpus(conn):
    """Whether ``getAllDomainStats`` on this hypervisor reports vCPU counts."""
    pairs = conn.getAllDomainStats(libvirt.VIR_DOMAIN_STATS_VCPU, 0)
    return bool(pairs) and all('vcpu.current' in stats for _, stats in pairs)


def run(sizes=SIZES, repeat=20):
    """Measure every operation at every size (ascending).

    :returns: ``{'sizes', 'operations': {name: {...}}, 'host': {...}}``.
    """
    sizes = sorted(set(sizes))
    per_size = {name: {} for name, _ in OPERATIONS}
    with contextlib.ExitStack() as stack:
        bench = env.DriverBench(stack)
        drv, counter = bench.driver, bench.counter
        counter.active = False
        conn = drv.host.get_connection()
        target = objects.Instance(uuid=domain_uuid(0))
        defined = 0
        for size in sizes:
            for number in range(defined, size):
                conn.defineXML(domain_xml(number)).create()
            defined = size
            for name, operation in OPERATIONS:
                per_size[name][size] = _measure(drv, counter, operation, target,
                                                repeat)
        vcpu_stats = _bulk_stats_have_vcpus(conn)
    operations = {name: _verdict(name, sizes, results, vcpu_stats)
                  for name, results in per_size.items()}
    for name in LISTINGS:
        operations[name]['time_ratio_to_bare_listing'] = {
            str(s): env.ratio(per_size[name][s]['time']['median_s'],
                              per_size[BARE_LISTING][s]['time']['median_s'])
            for s in sizes}
    return {
        'sizes': sizes,
        'domains': 'defined and running, no disks',
        'host': {'bulk_stats_have_vcpu_counts': vcpu_stats},
        'operations': operations,
    }


def _measure(drv, counter, operation, target, repeat):
    operation(drv, target)
    counter.reset()
    counter.active = True
    try:
        operation(drv, target)
    finally:
        counter.active = False
    calls = counter.snapshot()
    samples = []
    for _ in range(repeat):
        with env.timer(samples):
            operation(drv, target)
    return {'calls': calls, 'time': env.summary(samples)}


def _round_trips(calls):
    return calls['connection'] + calls['domain']


def _verdict(name, sizes, results, vcpu_stats):
    first, last = results[sizes[0]], results[sizes[-1]]
    constant = len({_round_trips(results[s]['calls']) for s in sizes}) == 1 \
        and len({results[s]['calls']['connection'] for s in sizes}) == 1
    base_time = first['time']['median_s']
    verdict = {
        'reference': name == BARE_LISTING,
        'per_size': {str(s): results[s] for s in sizes},
        'time_ratio_to_smallest': {
            str(s): env.ratio(results[s]['time']['median_s'], base_time)
            for s in sizes},
        'constant_round_trips': constant,
        'growth_per_domain': _growth(first['calls'], last['calls'],
                                     sizes[-1] - sizes[0]),
    }
    if not constant:
        verdict['reason'] = _reason(name, verdict['growth_per_domain'],
                                    vcpu_stats)
    return verdict


def _growth(small, large, extra_domains):
    """Calls added per extra domain, by level and method (non-zero only)."""
    if not extra_domains:
        return {}
    growth = {}
    for level in ('connection', 'domain', 'domain_accessors'):
        before, after = small['detail'][level], large['detail'][level]
        for method in sorted(set(before) | set(after)):
            added = after.get(method, 0) - before.get(method, 0)
            if added:
                growth['%s.%s' % (level, method)] = added / extra_domains
    return growth


def _reason(name, growth, vcpu_stats):
    grown = ', '.join('%s x%.2f' % item for item in growth.items()
                      if not item[0].startswith('domain_accessors.'))
    reason = 'calls per extra domain: %s' % grown
    if name == 'get_available_resource' and not vcpu_stats:
        reason += ('. getAllDomainStats on this hypervisor (libvirt\'s test '
                   'driver) returns no vcpu.current, so the vCPUs in use are '
                   'counted with a lookupByUUIDString and an info() per running '
                   'domain (resources.VcpuCounts)')
    return reason
