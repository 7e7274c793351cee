"""The real LibvirtDriver on the real libvirtd, for the realhv driver tests.

:class:`DriverTestCase` gives each test a driver of its own on
``qemu:///system`` (instances path and image store in a temporary
directory), the tiny guest uploaded as an image, and instance uuids that
share a random prefix, so that the leak check (domains, instance files,
cache references, libvirt runtime state, managed saves) sees this test's
objects only.
"""

import os
import time
import uuid

import fixtures
import testtools
import testtools.content

from virtdrivers import conf as vconf
from virtdrivers import objects
from virtdrivers import virtapi
from virtdrivers.image import local
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.testing import realhv

# The guest reacts to an ACPI request within ~2 s once booted.
SOFT_REBOOT_SECONDS = 30


class Context:
    """A request context with the attributes drivers read."""

    user_id = 'realhv-user'
    project_id = 'realhv-project'
    is_admin = True
    auth_token = None


def uuid_with_prefix(prefix):
    """A random uuid starting with *prefix* (8 hex digits)."""
    return prefix + str(uuid.uuid4())[8:]


def make_conf(workdir, virt_type, uri, images_type='qcow2', **overrides):
    """A configuration for the real driver, everything under *workdir*.

    :param overrides: ``{name: value}`` for ``[libvirt]`` options.
    """
    conf = vconf.new_conf()
    conf([], project='virtdrivers-realhv')
    conf.set_override('host', 'realhv-host')
    conf.set_override('my_ip', '127.0.0.1')
    conf.set_override('instances_path', os.path.join(workdir, 'instances'))
    conf.set_override('virt_type', virt_type, group='libvirt')
    conf.set_override('connection_uri', uri, group='libvirt')
    conf.set_override('images_type', images_type, group='libvirt')
    conf.set_override('wait_soft_reboot_seconds', SOFT_REBOOT_SECONDS,
                      group='libvirt')
    for name, value in overrides.items():
        conf.set_override(name, value, group='libvirt')
    return conf


class DriverTestCase(testtools.TestCase):
    """A real LibvirtDriver per test; see the module docstring."""

    images_type = 'qcow2'
    #: ``(guest fixture attribute, disk_format)`` of the image to boot.
    image_file = ('disk_qcow2', 'qcow2')
    flavor = dict(name='realhv.tiny', memory_mb=128, vcpus=1, root_gb=1)
    #: ``[libvirt]`` option overrides of ``self.driver``.
    libvirt_options = {}

    def setUp(self):
        super().setUp()
        self.hv = realhv.use_or_skip(self, realhv.RealLibvirtFixture())
        self.guest = realhv.use_or_skip(self, realhv.GuestImageFixture())
        self.conn = self.hv.connect()
        self.workdir = self.useFixture(fixtures.TempDir()).path
        self.prefix = uuid.uuid4().hex[:8]
        self.instances_path = os.path.join(self.workdir, 'instances')
        os.makedirs(self.instances_path)
        # Before the driver: its clean-up runs after the driver's.
        self.useFixture(realhv.LeakCheckFixture(
            self.hv.uri, (self.instances_path, *realhv.LIBVIRT_STATE_DIRS),
            match=self.prefix))
        self.ctx = Context()
        self.images = local.LocalImageStore(os.path.join(self.workdir, 'images'))
        self.driver = self.make_driver()
        self.timings = []
        self.addDetail('timings', testtools.content.Content(
            testtools.content.UTF8_TEXT,
            lambda: ['\n'.join(self.timings).encode()]))
        self.image = self.upload(*self.image_file)

    def make_driver(self):
        conf = make_conf(self.workdir, self.hv.virt_type, self.hv.uri,
                         self.images_type, **self.libvirt_options)
        drv = libvirt_driver.LibvirtDriver(
            virtapi.LocalVirtAPI(), conf=conf, image_service=self.images)
        drv.init_host('realhv-host')
        self.addCleanup(drv.cleanup_host, 'realhv-host')
        self.addCleanup(self._destroy_ours, drv)
        return drv

    def _destroy_ours(self, drv):
        """Destroy what a failed test left (only this test's instances)."""
        for instance_uuid in drv.list_instance_uuids():
            if instance_uuid.startswith(self.prefix):
                drv.destroy(self.ctx, objects.Instance(uuid=instance_uuid), None)

    def upload(self, attribute, disk_format, path=None):
        """Upload a guest disk into the image store; its ImageMeta."""
        return self.images.create(
            self.ctx, {'name': 'realhv-%s' % attribute,
                       'disk_format': disk_format, 'container_format': 'bare'},
            data_path=path or getattr(self.guest, attribute))

    def new_instance(self, image=None, **flavor):
        return objects.Instance(
            uuid=uuid_with_prefix(self.prefix),
            display_name='realhv-%s' % self.id().rsplit('.', 1)[-1],
            image_ref=(image or self.image).id,
            flavor=objects.Flavor(**dict(self.flavor, **flavor)))

    # -- steps, timed -----------------------------------------------------

    def timed(self, label, func, *args, **kwargs):
        start = time.monotonic()
        result = func(*args, **kwargs)
        self.timings.append('%s: %.2f s' % (label, time.monotonic() - start))
        return result

    def spawn(self, instance, image=None, driver=None):
        (driver or self.driver).spawn(self.ctx, instance, image or self.image,
                                      [], None, {})
        return instance

    def console(self, instance, driver=None):
        """``read_console`` for :func:`realhv.wait_for_marker`: the driver's
        ``get_console_output``."""
        return lambda: (driver or self.driver).get_console_output(
            self.ctx, instance)

    def wait_for(self, instance, marker, after=0, timeout=None, driver=None):
        return realhv.wait_for_marker(
            self.console(instance, driver), marker,
            timeout or self.guest.boot_timeout, after)

    def wait_boot(self, instance, after=0, label='boot', driver=None):
        """Wait for the boot marker after offset *after*; its match."""
        return self.timed(label + ' -> marker', self.wait_for, instance,
                          self.guest.boot_marker, after, driver=driver)

    def output(self, instance, driver=None):
        return self.console(instance, driver)().decode('utf-8', 'replace')

    def state(self, instance, driver=None):
        return (driver or self.driver).get_info(instance).state
