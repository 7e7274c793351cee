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


def _backend_row(result):
    if 'skipped' in result:
        return ['  %-10s skipped: %s' % (result['backend'], result['skipped'])]
    ratios = result['ratios']
    downloads = result['from_cache']['downloads']
    return ['  %-10s %5s %8.3f %12s %8s %8.2fx %8.2fx %8.3f %8.2fx %6d + %d' % (
        result['backend'], 'on' if result['power_on'] else 'off',
        result['from_cache']['total_s'],
        _ms(result['from_cache']['total_s'] / result['spawns']),
        _ms(result['cp']['median_s']), ratios['total_to_cp'],
        ratios['per_spawn_to_cp'], result['cp_n_s'], ratios['total_to_cp_n'],
        downloads['warm_up'], downloads['timed']),
        '    %s; %s' % (result['what'], result['where'])]


def _concurrent_row(result):
    concurrent = result['concurrent']
    row = '  %-10s %9d %7s %8d %8.3f %8.2fx %8.2fx %7d' % (
        result['backend'], concurrent['downloads'],
        'met' if concurrent['meets_target'] else 'NOT MET',
        concurrent['max_downloads_at_once'], concurrent['wall_s'],
        concurrent['wall_to_cp'], concurrent['wall_to_cp_n'],
        concurrent['failed'])
    if concurrent['first_error']:
        row += '\n    first error: %s' % concurrent['first_error']
    return row


def backends_lines(result):
    image, spawns = result['image'], result['spawns']
    ran = [r for r in result['backends'] if 'skipped' not in r]
    lines = ['Image backends: %d spawns from one cached raw image of %d MiB '
             '(%d MiB of data, the rest holes),' % (
                 spawns, image['bytes'] // 2 ** 20, image['data_bytes'] // 2 ** 20),
             'against one `%s` of the cached base (the floor for a full '
             'copy; %s)' % (result['floor_command'], result['filesystem']),
             '',
             '  %-10s %5s %8s %12s %8s %9s %9s %8s %9s %10s' % (
                 'backend', 'power', 'total s', 'spawn ms', 'cp ms',
                 'total/cp', 'spawn/cp', '%d cp s' % spawns,
                 'total/%dcp' % spawns, 'downloads')]
    for backend in result['backends']:
        lines += _backend_row(backend)
    repeat = ran[0]['cp']['n'] if ran else 0
    lines += ['', '  spawn ms: total / %d; cp ms: one cp (median of %d); %d cp s: '
              '%d cps one after the other' % (spawns, repeat, spawns, spawns),
              '  downloads: by the warm-up spawn + by the %d timed spawns; '
              'each phase starts after a sync' % spawns]
    if any(r['backend'] == 'rbd' for r in ran):
        lines.append('  rbd writes whole objects around each data extent: %d MiB '
                     'per disk' % (result['rbd_bytes_per_disk'] // 2 ** 20))
    if ran:
        lines += ['', 'Concurrent spawns of an uncached image: %d threads at '
                  'once, one driver (target: 1 download)' % spawns, '',
                  '  %-10s %9s %7s %8s %8s %9s %9s %7s' % (
                      'backend', 'downloads', 'target', 'at once', 'wall s',
                      'wall/cp', 'wall/%dcp' % spawns, 'failed')]
        lines += [_concurrent_row(backend) for backend in ran]
        left = ['%s: %s' % (r['backend'], thing) for r in ran
                for thing in r['left_by_driver'] + r['left_on_host']]
        lines += ['', 'Left behind by the destroys (the clean-up removed it): %s'
                  % ('; '.join(left) if left else 'nothing')]
    return lines


def render(results):
    meta = results['meta']
    where = 'test driver'
    if 'backends' in results:
        where = 'test driver; real libvirtd and Ceph where shown'
    lines = ['virtdrivers benchmarks: libvirt %s (%s), qemu-img %s, '
             'Python %s' % (meta['libvirt'], where, meta['qemu_img'],
                            meta['python']),
             '']
    if 'spawn' in results:
        lines += spawn_lines(results['spawn'])
    if 'scaling' in results:
        lines += scaling_lines(results['scaling'])
    if 'backends' in results:
        lines += [''] if lines[-1] else []
        lines += backends_lines(results['backends'])
    return '\n'.join(lines)
