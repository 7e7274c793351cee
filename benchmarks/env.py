"""What every benchmark needs: a private test-driver host, a configured
LibvirtDriver on it, an image to boot, and timing helpers."""

import contextlib
import os
import statistics
import tempfile
import time

from benchmarks import counting
from virtdrivers import conf as vconf
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.testing import libvirt_test

HOST = 'bench-host'
IMAGE_BYTES = 1024 * 1024
GIB = 1024 ** 3


class Context:
    """A request context with the attributes drivers read."""

    user_id = 'bench-user'
    project_id = 'bench-project'
    is_admin = True
    auth_token = None


def private_uri(stack):
    """The URI of a new, empty libvirt test-driver host of our own."""
    host = stack.enter_context(libvirt_test.PrivateTestHost())
    return host.uri


def new_conf(instances_path, uri, images_type, virt_type='qemu'):
    """The configuration of a benchmarked LibvirtDriver: host ``HOST``,
    instance files under *instances_path*, libvirt at *uri*."""
    conf = vconf.new_conf()
    conf([], project='virtdrivers-bench', default_config_files=[])
    conf.set_override('host', HOST)
    conf.set_override('my_ip', '127.0.0.1')
    conf.set_override('instances_path', instances_path)
    conf.set_override('virt_type', virt_type, group='libvirt')
    conf.set_override('connection_uri', uri, group='libvirt')
    conf.set_override('images_type', images_type, group='libvirt')
    return conf


class DriverBench:
    """A LibvirtDriver on a private test host, with counted libvirt calls.

    :param stack: a ``contextlib.ExitStack`` that owns the temporary files
        and the driver's connection.
    :param images_type: ``[libvirt] images_type`` (``qcow2``, ``flat``).
    :param record: libvirt methods whose last arguments to keep.
    """

    def __init__(self, stack, images_type='qcow2', virt_type='qemu', record=()):
        self.workdir = stack.enter_context(tempfile.TemporaryDirectory(
            prefix='virtdrivers-bench-'))
        self.ctx = Context()
        self.counter = counting.CallCounter(record=record)
        self.conf = self._conf(private_uri(stack), images_type, virt_type)
        self.image_service = local.LocalImageStore(
            os.path.join(self.workdir, 'images'))
        self.driver = libvirt_driver.LibvirtDriver(
            virtapi.LocalVirtAPI(), conf=self.conf,
            image_service=self.image_service)
        counting.install(self.driver.host, self.counter)
        self.driver.init_host(HOST)
        stack.callback(self.driver.cleanup_host, HOST)
        self.image = None

    def _conf(self, uri, images_type, virt_type):
        return new_conf(os.path.join(self.workdir, 'instances'), uri,
                        images_type, virt_type)

    @property
    def instances_path(self):
        return self.conf.instances_path

    def make_image(self):
        """A 1 MiB raw image in the local image store."""
        path = os.path.join(self.workdir, 'bench-image.raw')
        with open(path, 'wb') as f:
            f.truncate(IMAGE_BYTES)
        self.image = self.image_service.create(
            self.ctx, {'name': 'bench', 'disk_format': 'raw',
                       'container_format': 'bare'}, data_path=path)
        return self.image

    def new_instance(self, number):
        flavor = objects.Flavor(name='bench.tiny', memory_mb=128, vcpus=1,
                                root_gb=1)
        return objects.Instance(flavor=flavor, image_ref=self.image.id,
                                display_name='bench-%d' % number)

    def spawn(self, instance):
        self.driver.spawn(self.ctx, instance, self.image, [], None, {})

    def destroy(self, instance):
        self.driver.destroy(self.ctx, instance, None)


@contextlib.contextmanager
def timer(samples):
    """Append the seconds the block took to *samples*."""
    start = time.perf_counter()
    yield
    samples.append(time.perf_counter() - start)


def summary(samples):
    """Median, min and max of *samples* (seconds), and their number."""
    return {'median_s': statistics.median(samples), 'min_s': min(samples),
            'max_s': max(samples), 'n': len(samples)}


def ratio(a, b):
    return a / b if b else float('inf')
