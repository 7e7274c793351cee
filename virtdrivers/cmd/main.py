"""``virtdrivers``: inspect the configured drivers and run the smoke scenario.

Usage::

    virtdrivers [--config-file nova.conf] drivers
    virtdrivers [--config-file nova.conf] check-config
    virtdrivers [--config-file nova.conf] smoke [--image FILE] [--timeout S]
    virtdrivers support-matrix [--format text|rst|json]
"""

import os
import shutil
import sys
import tempfile
import time

from oslo_config import cfg
from oslo_log import log as logging

from virtdrivers import conf as vconf
from virtdrivers import driver
from virtdrivers import exception
from virtdrivers import plugins
from virtdrivers import virtapi
from virtdrivers.cmd import smoke
from virtdrivers.image import local

LOG = logging.getLogger(__name__)

#: What ``smoke`` runs when ``[DEFAULT] compute_driver`` is unset: the
#: libvirt driver on libvirt's in-process test driver, which needs no daemon.
EMBEDDED_DRIVER = 'libvirt'
EMBEDDED_URI = 'test:///default'
#: What ``smoke --real`` runs: the system's libvirtd with QEMU.
REAL_URI = 'qemu:///system'


def cmd_drivers(conf):
    """Print each installed driver and whether it can be loaded here."""
    rows = []
    for name in plugins.available(driver.NAMESPACE):
        try:
            cls = plugins.load(driver.NAMESPACE, name, 'compute driver',
                               'compute_driver')
            rows.append((name, 'available', '%s.%s' % (cls.__module__,
                                                       cls.__name__)))
        except exception.ConfigurationError as err:
            rows.append((name, 'unavailable', str(err)))
    configured = driver.driver_name_from_option(conf.compute_driver)
    _print_table(('driver', 'status', 'details'), rows)
    print('\nconfigured: compute_driver=%s' % (configured or '(unset)'))
    return 0


def cmd_check_config(conf):
    """Validate every option and that the configured driver can be built."""
    try:
        vconf.validate(conf)
        if conf.compute_driver:
            driver.load_driver(conf, virtapi.LocalVirtAPI())
    except (cfg.Error, exception.VirtDriverError) as err:
        print('configuration error: %s' % err, file=sys.stderr)
        return 2
    print('configuration OK (compute_driver=%s)' % (conf.compute_driver or '(unset)'))
    return 0


def cmd_support_matrix(conf):
    from virtdrivers import supportmatrix
    matrix = supportmatrix.collect()
    render = {'text': supportmatrix.as_text, 'rst': supportmatrix.as_rst,
              'json': supportmatrix.as_json}[conf.command.format]
    sys.stdout.write(render(matrix))
    return 0


def cmd_smoke(conf):
    """Run the lifecycle scenario; exit 1 when a step fails."""
    workdir = tempfile.mkdtemp(prefix='virtdrivers-smoke-')
    try:
        return _smoke(conf, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _smoke(conf, workdir):
    images = local.LocalImageStore(workdir + '/images')
    try:
        # What the operator wrote is checked before we override anything.
        vconf.validate(conf)
        _choose_target(conf, conf.command.real)
        # A guest that ignores ACPI must not hold a soft reboot for minutes.
        conf.set_override('wait_soft_reboot_seconds', conf.command.timeout,
                          group='libvirt')
        # The scenario must not touch the operator's instances, images or
        # storage pools (the pools' names are fixed: they would move here).
        conf.set_override('instances_path', workdir + '/instances')
        conf.set_override('use_storage_pools', False, group='libvirt')
        compute = driver.load_driver(conf, virtapi.LocalVirtAPI(),
                                     image_service=images)
        image = smoke.make_image(images, workdir, conf.command.image,
                                 conf.command.disk_format)
    except (cfg.Error, exception.VirtDriverError) as err:
        print('smoke: cannot start: %s' % err, file=sys.stderr)
        return 2
    print('virtdrivers smoke: driver %s (%s) on host %s' % (
        compute.driver_name, type(compute).__name__, conf.host))
    scenario = smoke.Scenario(compute, images, image, timeout=conf.command.timeout)
    start = time.monotonic()
    results = scenario.run(_report)
    return _summary(results, time.monotonic() - start)


def _choose_target(conf, real):
    """The embedded default, or (``--real``) the local libvirtd with QEMU."""
    if real:
        conf.set_override('compute_driver', EMBEDDED_DRIVER)
        conf.set_override('connection_uri', REAL_URI, group='libvirt')
        if not os.access('/dev/kvm', os.W_OK):
            conf.set_override('virt_type', 'qemu', group='libvirt')
    elif not conf.compute_driver:
        conf.set_override('compute_driver', EMBEDDED_DRIVER)
        if not conf.libvirt.connection_uri:
            conf.set_override('connection_uri', EMBEDDED_URI, group='libvirt')
            conf.set_override('virt_type', 'qemu', group='libvirt')


def _report(index, total, result):
    detail = (' (%s)' % result.detail) if result.detail else ''
    print('[%2d/%d] %-16s %-8s %8.1f ms%s' % (
        index, total, result.name, result.status, result.seconds * 1000, detail),
        flush=True)


def _summary(results, seconds):
    print('\nSummary')
    _print_table(('step', 'result', 'ms'),
                 [(r.name, r.status, '%.1f' % (r.seconds * 1000)) for r in results])
    counts = {s: sum(r.status == s for r in results)
              for s in ('ok', 'skipped', 'FAILED')}
    print('\n%d steps: %d passed, %d skipped, %d failed in %.2f s' % (
        len(results), counts['ok'], counts['skipped'], counts['FAILED'], seconds))
    return 1 if counts['FAILED'] else 0


def _print_table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = '  '.join('%%-%ds' % w for w in widths)
    print(line % tuple(header))
    print(line % tuple('-' * w for w in widths))
    for row in rows:
        print(line % tuple(row))


def _add_commands(subparsers):
    sub = subparsers.add_parser('drivers', help='list drivers and whether they load')
    sub.set_defaults(func=cmd_drivers)
    sub = subparsers.add_parser('check-config', help='validate the configuration')
    sub.set_defaults(func=cmd_check_config)
    sub = subparsers.add_parser('support-matrix',
                                help='print the support matrix generated from '
                                     'the drivers\' declarations')
    sub.add_argument('--format', choices=('text', 'rst', 'json'), default='text')
    sub.set_defaults(func=cmd_support_matrix)
    sub = subparsers.add_parser('smoke', help='run an instance through its '
                                              'lifecycle')
    sub.add_argument('--image', help='disk image file to boot (default: an '
                                     'empty 1 MiB raw disk)')
    sub.add_argument('--disk-format', default='raw',
                     help='disk_format of --image (default raw)')
    sub.add_argument('--timeout', type=int, default=60,
                     help='seconds each state change may take')
    sub.add_argument('--real', action='store_true',
                     help='run the libvirt driver against the local libvirtd '
                          '(%s; virt_type qemu where /dev/kvm is not usable) '
                          'instead of the configured or embedded driver'
                          % REAL_URI)
    sub.set_defaults(func=cmd_smoke)


def main(argv=None):
    conf = vconf.new_conf()
    conf.register_cli_opt(cfg.SubCommandOpt(
        'command', title='commands', handler=_add_commands))
    conf(sys.argv[1:] if argv is None else argv, project='virtdrivers')
    logging.setup(conf, 'virtdrivers')
    return conf.command.func(conf)


if __name__ == '__main__':
    sys.exit(main())
