"""Spawn overhead: ``LibvirtDriver.spawn`` against the bare libvirt calls.

Each run spawns an instance through the driver on a private test-driver
host (the image is already cached: a cache hit), keeps the domain XML the
driver passed to ``defineXML``, destroys the instance (not timed), then
times the bare equivalent on a second private test-driver host with a bare
libvirt connection:

* make the instance directory and the same root disk, at the same path,
  from the same cached base, the way the backend makes it (qcow2: a
  ``qemu-img create -b`` overlay; flat: a sparse copy grown to the flavor
  size), as a plain command;
* ``defineXML(xml)`` with the driver's own XML, then ``create()``.

So the ratio counts only the driver's own work: the image cache hit (its
file lock, reference and touch), the disk records and instance record
(written durably), building the XML, the transaction, the instance lock,
the existence check and the wait for the running state; and how it runs
its tools (``qemu-img`` under process limits, DESIGN decision 9). For
qcow2 a second baseline runs ``qemu-img`` under the same process limits
as the driver, to show how much of the gap that alone explains.
"""

import contextlib
import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

from benchmarks import counting
from benchmarks import env
from virtdrivers.image import qemuimg
from virtdrivers.libvirt.binding import libvirt

TARGET_RATIO = 1.5


def _qcow2_overlay(base, path, size):
    subprocess.run(['qemu-img', 'create', '-f', 'qcow2', '-b', base,
                    '-F', 'raw', path, str(size)], check=True,
                   capture_output=True)


def _qcow2_overlay_limited(base, path, size):
    limits = qemuimg.CREATE_LIMITS
    subprocess.run(['prlimit', '--cpu=%d' % limits.cpu_time,
                    '--as=%d' % limits.address_space, '--', 'qemu-img',
                    'create', '-f', 'qcow2', '-b', base, '-F', 'raw', path,
                    str(size)], check=True, capture_output=True)


def _flat_copy(base, path, size):
    subprocess.run(['cp', '--sparse=always', '--reflink=auto', '--', base,
                    path], check=True, capture_output=True)
    os.truncate(path, size)


# backend -> ((baseline name, what it does, disk maker), ...); the first
# baseline is the one the target applies to.
BASELINES = {
    'qcow2': (
        ('bare', 'mkdir; qemu-img create -f qcow2 -b <cached base> -F raw '
                 '<disk> <flavor size>; defineXML(xml); create()',
         _qcow2_overlay),
        ('bare+limits', 'the same, with qemu-img run under the driver\'s '
                        'process limits (util-linux prlimit, as the driver)',
         _qcow2_overlay_limited),
    ),
    'flat': (
        ('bare', 'mkdir; cp --sparse=always --reflink=auto <cached base> '
                 '<disk>; truncate to the flavor size; defineXML(xml); create()',
         _flat_copy),
    ),
}


def _root_disk(xml):
    """The one file disk of the domain XML: ``(path, format)``."""
    root = ElementTree.fromstring(xml)
    disks = [d for d in root.iterfind('./devices/disk')
             if d.get('device', 'disk') == 'disk']
    if len(disks) != 1:
        raise RuntimeError('expected one disk in the spawned domain, found %d'
                           % len(disks))
    return (disks[0].find('source').get('file'),
            disks[0].find('driver').get('type'))


def _bare_spawn(conn, xml, make_disk, base, path, size):
    os.makedirs(os.path.dirname(path))
    make_disk(base, path, size)
    domain = conn.defineXML(xml)
    domain.create()
    return domain


def _bare_cleanup(domain, path):
    state = domain.state()[0]
    domain.destroy()
    domain.undefine()
    shutil.rmtree(os.path.dirname(path))
    if state != libvirt.VIR_DOMAIN_RUNNING:
        raise RuntimeError('the bare baseline did not leave a running domain')


def run(backend, runs, warmup=2):
    """Measure *runs* spawns (after *warmup* discarded ones) for *backend*.

    :returns: a dict of the medians, the ratios and the calls per spawn.
    """
    baselines = BASELINES[backend]
    samples = {'driver': []}
    samples.update((name, []) for name, _, _ in baselines)
    with contextlib.ExitStack() as stack:
        bench = env.DriverBench(stack, images_type=backend, record=('defineXML',))
        bench.make_image()
        bare_counter = counting.CallCounter()
        conn = counting.CountingConnection(
            libvirt.open(env.private_uri(stack)), bare_counter)
        stack.callback(conn.close)
        base = bench.driver.storage.backend.cache.path_for(bench.image.id)
        for number in range(warmup + runs):
            keep = number >= warmup
            instance = bench.new_instance(number)
            bench.counter.reset()
            with env.timer(samples['driver']):
                bench.spawn(instance)
            driver_calls = bench.counter.snapshot()
            xml = bench.counter.recorded['defineXML'][0]
            path, fmt = _root_disk(xml)
            size = instance.flavor.root_gb * env.GIB
            bench.destroy(instance)
            for name, _, make_disk in baselines:
                bare_counter.reset()
                with env.timer(samples[name]):
                    domain = _bare_spawn(conn, xml, make_disk, base, path, size)
                bare_calls = bare_counter.snapshot()
                _bare_cleanup(domain, path)
            if not keep:
                for values in samples.values():
                    values.pop()
    return _result(backend, baselines, samples, fmt, driver_calls, bare_calls)


def _result(backend, baselines, samples, fmt, driver_calls, bare_calls):
    figures = {name: env.summary(values) for name, values in samples.items()}
    driver = figures['driver']['median_s']
    ratios = {name: env.ratio(driver, figures[name]['median_s'])
              for name, _, _ in baselines}
    primary = baselines[0][0]
    return {
        'backend': backend,
        'disk_format': fmt,
        'baselines': {name: what for name, what, _ in baselines},
        'primary_baseline': primary,
        'timings': figures,
        'ratios': ratios,
        'target_ratio': TARGET_RATIO,
        'meets_target': ratios[primary] < TARGET_RATIO,
        'calls_per_spawn': {'driver': driver_calls, 'bare': bare_calls},
    }
