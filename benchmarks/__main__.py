"""``python -m benchmarks``: run the benchmarks, print a report, write JSON.

``--quick`` uses CI-sized runs (10 and 100 domains, fewer repeats); the
default includes 10, 100 and 1000 domains. ``--check`` exits 1 when a
target is missed (by default a run only reports).

The image backends benchmark runs only when chosen (``--only backends``):
it needs root, starts the real libvirtd and a Ceph cluster (installing
their packages on first use) and writes gigabytes. ``--quick`` shrinks its
image and its number of spawns; ``--image-backends`` picks backends.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

from benchmarks import backends
from benchmarks import hosts
from benchmarks import report
from benchmarks import scaling
from benchmarks import spawn
from virtdrivers.libvirt import host as vhost
from virtdrivers.libvirt.binding import libvirt

DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'results.json')


def _sizes(text):
    try:
        sizes = tuple(int(part) for part in text.split(',') if part)
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            'expected positive numbers of domains, like 10,100,1000')
    return sizes


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m benchmarks',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--output', default=DEFAULT_OUTPUT,
                        help='JSON file of the results (default: '
                             'benchmarks/results.json)')
    parser.add_argument('--quick', action='store_true',
                        help='CI-sized: 10 and 100 domains, fewer runs')
    parser.add_argument('--only', choices=('spawn', 'scaling', 'backends'),
                        help='run one benchmark (backends runs only when '
                             'chosen here)')
    parser.add_argument('--runs', type=int,
                        help='measured spawns per backend (default 30, quick 10)')
    parser.add_argument('--repeat', type=int,
                        help='timed calls per operation and size (default 20, '
                             'quick 10)')
    parser.add_argument('--sizes', type=_sizes,
                        help='comma-separated numbers of domains '
                             '(default 10,100,1000; quick 10,100)')
    parser.add_argument('--backends', default='qcow2,flat',
                        help='image backends to spawn with (default qcow2,flat)')
    parser.add_argument('--image-backends', default=','.join(hosts.BACKENDS),
                        help='backends of --only backends (default %s)'
                             % ','.join(hosts.BACKENDS))
    parser.add_argument('--check', action='store_true',
                        help='exit 1 when a target is missed')
    args = parser.parse_args(argv)
    args.runs = args.runs or (10 if args.quick else 30)
    args.repeat = args.repeat or (10 if args.quick else 20)
    args.sizes = args.sizes or (scaling.QUICK_SIZES if args.quick
                                else scaling.SIZES)
    args.backends = [name for name in args.backends.split(',') if name]
    unknown = set(args.backends) - set(spawn.BASELINES)
    if unknown:
        parser.error('unknown backend(s): %s (choices: %s)'
                     % (', '.join(sorted(unknown)), ', '.join(spawn.BASELINES)))
    args.image_backends = [n for n in args.image_backends.split(',') if n]
    unknown = set(args.image_backends) - set(hosts.BACKENDS)
    if unknown:
        parser.error('unknown image backend(s): %s (choices: %s)'
                     % (', '.join(sorted(unknown)), ', '.join(hosts.BACKENDS)))
    return args


def _qemu_img_version():
    out = subprocess.run(['qemu-img', '--version'], capture_output=True,
                         text=True, check=True).stdout
    return out.split()[2] if out.startswith('qemu-img version') else out.strip()


def meta(args):
    return {
        'date': datetime.datetime.now(datetime.UTC).isoformat(
            timespec='seconds'),
        'python': platform.python_version(),
        'libvirt': '.'.join(map(str, vhost.version_tuple(libvirt.getVersion()))),
        'qemu_img': _qemu_img_version(),
        'quick': args.quick,
        'spawn_runs': args.runs,
        'repeat': args.repeat,
    }


def _missed(results):
    missed = [r['backend'] for r in results.get('spawn', ())
              if not r['meets_target']]
    missed += [name for name, verdict in
               results.get('scaling', {}).get('operations', {}).items()
               if not (verdict['constant_round_trips'] or verdict['reference'])]
    missed += ['%s concurrent downloads' % r['backend']
               for r in results.get('backends', {}).get('backends', ())
               if 'concurrent' in r and not r['concurrent']['meets_target']]
    return missed


def _shown(path):
    relative = os.path.relpath(path)
    return path if relative.startswith('..') else relative


def _run_backends(args):
    if args.quick:
        return backends.run(args.image_backends, backends.QUICK_SPAWNS,
                            backends.QUICK_IMAGE_BYTES,
                            backends.QUICK_DATA_BYTES)
    return backends.run(args.image_backends)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    results = {'meta': meta(args)}
    if args.only in (None, 'spawn'):
        results['spawn'] = [spawn.run(backend, args.runs)
                            for backend in args.backends]
    if args.only in (None, 'scaling'):
        results['scaling'] = scaling.run(args.sizes, args.repeat)
    if args.only == 'backends':
        results['backends'] = _run_backends(args)
    print(report.render(results))
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')
    print('\nResults written to %s' % _shown(args.output))
    missed = _missed(results)
    if missed:
        print('Targets missed: %s' % ', '.join(missed))
    return 1 if missed and args.check else 0


if __name__ == '__main__':
    sys.exit(main())
