"""The readable report of a benchmark run (the JSON file has it all)."""


def _ms(seconds):
    return '%.3f' % (seconds * 1000)


def _calls(calls, level):
    detail = calls['detail'][level]
    inner = ', '.join('%s %d' % item for item in detail.items())
    return '%d (%s)' % (calls[level], inner) if inner else '0'


def spawn_lines(results):
    lines = ['Spawn overhead: LibvirtDriver.spawn vs bare libvirt calls with the '
             'same XML and disk', '']
    for result in results:
        timings, ratios = result['timings'], result['ratios']
        primary = result['primary_baseline']
        lines.append('  %s backend (%s disk), median of %d spawns, image cache hit'
                     % (result['backend'], result['disk_format'],
                        timings['driver']['n']))
        lines.append('    %-12s %9s ms' % ('driver', _ms(timings['driver']
                                                         ['median_s'])))
        for name, what in result['baselines'].items():
            mark = ''
            if name == primary:
                mark = '  target < %.1f: %s' % (
                    result['target_ratio'],
                    'met' if result['meets_target'] else 'NOT MET')
            lines.append('    %-12s %9s ms   driver/%s = %.2fx%s' % (
                name, _ms(timings[name]['median_s']), name, ratios[name], mark))
            lines.append('      %s: %s' % (name, what))
        for who, calls in result['calls_per_spawn'].items():
            lines.append('    libvirt calls per spawn, %s: connection %s; domain %s'
                         % (who, _calls(calls, 'connection'),
                            _calls(calls, 'domain')))
        if 'bare+limits' in timings:
            limits = timings['bare+limits']['median_s'] - \
                timings['bare']['median_s']
            lines.append('    qemu-img under process limits costs %s ms more '
                         'than a plain qemu-img run' % _ms(limits))
        lines.append('')
    return lines


def scaling_lines(result):
    sizes = result['sizes']
    lines = ['Scaling: calls per operation and wall time at %s domains (%s)'
             % ('/'.join(map(str, sizes)), result['domains']), '',
             '  %-24s %6s %6s %6s %10s %10s %9s' % (
                 'operation', 'domains', 'conn', 'domain', 'accessors',
                 'median ms', 't/t(%d)' % sizes[0])]
    for name, verdict in result['operations'].items():
        for size in sizes:
            measured = verdict['per_size'][str(size)]
            calls = measured['calls']
            lines.append('  %-24s %6d %6d %6d %10d %10s %8.2fx' % (
                name, size, calls['connection'], calls['domain'],
                calls['domain_accessors'], _ms(measured['time']['median_s']),
                verdict['time_ratio_to_smallest'][str(size)]))
        if verdict['reference']:
            lines.append('    -> reference: bare libvirt, no driver')
            continue
        if verdict['constant_round_trips']:
            state = 'constant'
        else:
            state = 'NOT constant: %s' % verdict['reason']
        lines.append('    -> round trips %s' % state)
        accessors = {k: v for k, v in verdict['growth_per_domain'].items()
                     if k.startswith('domain_accessors.')}
        if accessors:
            lines.append('    -> accessors per extra domain (no round trip): %s'
                         % ', '.join('%s x%.2f' % (k.split('.', 1)[1], v)
                                     for k, v in accessors.items()))
        to_bare = verdict.get('time_ratio_to_bare_listing')
        if to_bare:
            lines.append('    -> time vs bare listAllDomains+name: %s' % ', '.join(
                '%.2fx at %s' % (value, size) for size, value in to_bare.items()))
        lines.append('    calls at %d: connection %s; domain %s' % (
            sizes[-1], _calls(verdict['per_size'][str(sizes[-1])]['calls'],
                              'connection'),
            _calls(verdict['per_size'][str(sizes[-1])]['calls'], 'domain')))
    lines.append('')
    lines.append('  conn: connection-level calls; domain: domain-level calls that '
                 'reach the hypervisor driver;')
    lines.append('  accessors: UUIDString/name/ID, read from the virDomain object '
                 '(no round trip).')
    return lines


def render(results):
    meta = results['meta']
    lines = ['virtdrivers benchmarks: libvirt %s (test driver), qemu-img %s, '
             'Python %s' % (meta['libvirt'], meta['qemu_img'], meta['python']),
             '']
    if 'spawn' in results:
        lines += spawn_lines(results['spawn'])
    if 'scaling' in results:
        lines += scaling_lines(results['scaling'])
    return '\n'.join(lines)
