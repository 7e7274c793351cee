"""Image backends: many spawns from one cached image, and one download for
many concurrent spawns of an image not cached yet.

For each backend (``flat``, ``qcow2``, ``pool`` with and without
copy-on-write, ``rbd``; where each runs: :mod:`benchmarks.hosts`), one
LibvirtDriver whose image service counts downloads:

* **from the cache**: one spawn caches the image (it is destroyed); then
  one ``cp --sparse=always`` of the cached base to a new file beside the
  instances is timed (median of 5): the floor for a full copy of the
  image; then *n* spawns of the cached image are timed one after the other
  (and destroyed afterwards, untimed); then *n* such copies one after the
  other: the floor for *n* full copies, which a single copy (written to
  the page cache only) does not show once writeback throttles the writer.
* **concurrent**: *n* threads spawn *n* instances at once from a new
  image (not cached), through the same driver; the image must be
  downloaded once.

Each timed phase starts after a ``sync`` (untimed): no dirty pages of an
earlier phase are written back during it; the base stays in the page cache.

The image is raw, with random data in 1 MiB extents spread evenly over it
and holes between them (as a sparse cloud image); the instances' root
disks are 1 GiB.
"""

import contextlib
import itertools
import os
import random
import subprocess
import tempfile
import threading
import time
from concurrent import futures

from benchmarks import env
from benchmarks import hosts
from virtdrivers import exception
from virtdrivers import objects
from virtdrivers.image import local
from virtdrivers.libvirt import rbd_transfer
from virtdrivers.testing import images

MiB = 1024 * 1024
SPAWNS = 20
IMAGE_BYTES = env.GIB
DATA_BYTES = 128 * MiB
QUICK_SPAWNS = 5
QUICK_IMAGE_BYTES = 128 * MiB
QUICK_DATA_BYTES = 16 * MiB
EXTENT = MiB
CP_REPEAT = 5
CP = ('cp', '--sparse=always')
SEED = 1024
START_TIMEOUT = 60


def _extent_offsets(size, data):
    extents = max(1, data // EXTENT)
    return [number * (size // extents) for number in range(extents)]


def write_image(path, size, data):
    """A raw image of *size* bytes: *data* bytes of random data in
    ``EXTENT``-long extents spread evenly, holes between them."""
    rng = random.Random(SEED)
    with open(path, 'wb') as f:
        for offset in _extent_offsets(size, data):
            f.seek(offset)
            f.write(rng.randbytes(EXTENT))
        f.truncate(size)
    return path


def rbd_bytes(size, data):
    """What one RBD disk of the image holds in Ceph: the import writes the
    whole objects (``rbd_transfer.CHUNK``) its data extents touch."""
    objects = {number for offset in _extent_offsets(size, data)
               for number in range(offset // rbd_transfer.CHUNK,
                                   (offset + EXTENT - 1) // rbd_transfer.CHUNK
                                   + 1)}
    return len(objects) * rbd_transfer.CHUNK


def _filesystem(path):
    """The type of the file system *path* is on (``/proc/mounts``)."""
    path = os.path.realpath(path)
    best, kind = '', 'unknown'
    with open('/proc/mounts') as f:
        for line in f:
            fields = line.split()
            mount = fields[1]
            inside = path == mount or path.startswith(mount.rstrip('/') + '/')
            if inside and len(mount) > len(best):
                best, kind = mount, fields[2]
    return kind


class _Instances:
    """The instances of one backend's run; destroy_all is never timed."""

    def __init__(self, bench):
        self.bench = bench
        self.ctx = env.Context()
        self.live = []
        self.numbers = itertools.count()
        self.flavor = objects.Flavor(name='bench.small', memory_mb=128,
                                     vcpus=1, root_gb=1)

    def new(self, image):
        number = next(self.numbers)
        instance = objects.Instance(
            uuid='%s-%04x-4000-8000-%012x' % (self.bench.prefix, number, number),
            flavor=self.flavor, image_ref=image.id,
            display_name='bench-%d' % number)
        self.live.append(instance)
        return instance

    def spawn(self, instance, image):
        self.bench.driver.spawn(self.ctx, instance, image, [], None, {},
                                power_on=self.bench.power_on)

    def destroy_all(self):
        for instance in self.live:
            with contextlib.suppress(exception.InstanceNotFound):
                self.bench.driver.destroy(self.ctx, instance, None)
        self.live.clear()


def _upload(store, source, name):
    return store.create(None, {'name': name, 'disk_format': 'raw',
                               'container_format': 'bare'}, data_path=source)


def _cp(base, target):
    subprocess.run([*CP, base, target], check=True, capture_output=True)


def _cp_floor(base, workdir):
    """Seconds of one ``cp --sparse=always`` of *base* (median of
    ``CP_REPEAT``, each after a sync)."""
    samples = []
    target = os.path.join(workdir, 'cp-floor.raw')
    for _ in range(CP_REPEAT):
        os.sync()
        with env.timer(samples):
            _cp(base, target)
        os.unlink(target)
    return env.summary(samples)


def _cp_many(base, workdir, copies):
    """Seconds of *copies* copies of *base* one after the other, to as many
    files kept until the last is made (as the spawned disks are)."""
    targets = [os.path.join(workdir, 'cp-%d.raw' % n) for n in range(copies)]
    samples = []
    os.sync()
    with env.timer(samples):
        for target in targets:
            _cp(base, target)
    for target in targets:
        os.unlink(target)
    return samples[0]


def _warm_up(instances, image):
    """One spawn, destroyed: the image is cached."""
    instances.spawn(instances.new(image), image)
    instances.destroy_all()


def _from_cache(instances, service, image, spawns):
    warm_downloads = service.downloads_by_image[image.id]
    samples = []
    os.sync()
    for _ in range(spawns):
        instance = instances.new(image)
        with env.timer(samples):
            instances.spawn(instance, image)
    instances.destroy_all()
    return {'total_s': sum(samples), 'per_spawn': env.summary(samples),
            'downloads': {'warm_up': warm_downloads,
                          'timed': service.downloads_by_image[image.id]
                          - warm_downloads}}


def _concurrent(instances, service, image, spawns):
    batch = [instances.new(image) for _ in range(spawns)]
    barrier = threading.Barrier(spawns + 1)
    service.max_running = 0
    os.sync()

    def spawn(instance):
        barrier.wait(START_TIMEOUT)
        instances.spawn(instance, image)

    with futures.ThreadPoolExecutor(max_workers=spawns) as pool:
        done = [pool.submit(spawn, instance) for instance in batch]
        barrier.wait(START_TIMEOUT)
        start = time.perf_counter()
        futures.wait(done)
        wall = time.perf_counter() - start
    errors = [f.exception() for f in done if f.exception() is not None]
    instances.destroy_all()
    return {'threads': spawns, 'wall_s': wall,
            'downloads': service.downloads_by_image[image.id],
            'max_downloads_at_once': service.max_running,
            'failed': len(errors),
            'first_error': repr(errors[0]) if errors else None,
            'meets_target': service.downloads_by_image[image.id] == 1 and not errors}


def _left_by_driver(bench, instances_path):
    """Domains and instance directories of this run after every destroy."""
    ours = [u for u in bench.driver.list_instance_uuids()
            if u.startswith(bench.prefix)]
    left = ['domain of instance %s' % u for u in ours]
    if os.path.isdir(instances_path):
        left += ['instance directory %s' % name for name in
                 sorted(os.listdir(instances_path))
                 if name.startswith(bench.prefix)]
    return left


def _measure(stack, bench, service, store, source, spawns, workdir):
    image = _upload(store, source, 'bench-cached')
    stack.callback(store.delete, None, image.id)
    instances = _Instances(bench)
    stack.callback(instances.destroy_all)
    _warm_up(instances, image)
    base = bench.driver.storage.backend.cache.path_for(image.id)
    cp = _cp_floor(base, workdir)
    cached = _from_cache(instances, service, image, spawns)
    cp_n = _cp_many(base, workdir, spawns)
    fresh = _upload(store, source, 'bench-uncached')
    stack.callback(store.delete, None, fresh.id)
    concurrent = _concurrent(instances, service, fresh, spawns)
    floor = cp['median_s']
    concurrent['wall_to_cp'] = env.ratio(concurrent['wall_s'], floor)
    concurrent['wall_to_cp_n'] = env.ratio(concurrent['wall_s'], cp_n)
    return {'spawns': spawns, 'from_cache': cached, 'cp': cp, 'cp_n_s': cp_n,
            'ratios': {'total_to_cp': env.ratio(cached['total_s'], floor),
                       'per_spawn_to_cp': env.ratio(cached['total_s'] / spawns,
                                                    floor),
                       'total_to_cp_n': env.ratio(cached['total_s'], cp_n)},
            'concurrent': concurrent,
            'left_by_driver': _left_by_driver(
                bench, os.path.join(workdir, 'instances'))}


def _run_backend(backend, store, source, spawns, top):
    result = {'backend': backend.name, 'images_type': backend.images_type,
              'use_cow_images': backend.use_cow, 'what': backend.what}
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(
            prefix=backend.name + '-', dir=top))
        service = images.CountingImageService(store)
        try:
            bench = hosts.open_driver(stack, backend, workdir, service)
        except hosts.Unavailable as err:
            result['skipped'] = str(err)
            return result
        result.update(where=bench.where, power_on=bench.power_on)
        result.update(_measure(stack, bench, service, store, source, spawns,
                               workdir))
    result['left_on_host'] = bench.left
    return result


def run(names, spawns=SPAWNS, image_bytes=IMAGE_BYTES, data_bytes=DATA_BYTES):
    """Measure the backends *names* (keys of :data:`hosts.BACKENDS`).

    :returns: ``{'image', 'spawns', 'floor', 'filesystem', 'backends'}``.
    """
    # Memstore keeps data in RAM: room for one batch of disks (the
    # timed ones are destroyed before the concurrent ones are made).
    hosts.size_ceph(spawns * rbd_bytes(image_bytes, data_bytes) + 2 * env.GIB)
    with tempfile.TemporaryDirectory(prefix='virtdrivers-bench-') as top:
        store = local.LocalImageStore(os.path.join(top, 'images'))
        source = write_image(os.path.join(top, 'image.raw'), image_bytes,
                             data_bytes)
        filesystem = _filesystem(top)
        results = [_run_backend(hosts.BACKENDS[name], store, source, spawns,
                                top) for name in names]
    return {
        'image': {'format': 'raw', 'bytes': image_bytes, 'data_bytes': data_bytes,
                  'extent_bytes': EXTENT},
        'spawns': spawns,
        'floor': '%s <cached base> <new file>' % ' '.join(CP),
        'floor_command': ' '.join(CP),
        'filesystem': filesystem,
        'rbd_bytes_per_disk': rbd_bytes(image_bytes, data_bytes),
        'backends': results,
    }
