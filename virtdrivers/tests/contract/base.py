"""Scaffolding of the driver contract suite.

A driver setup subclasses :class:`virtdrivers.tests.contract.DriverContract`
and implements :meth:`ContractBase.make_driver` (and optionally the other
``make_*`` hooks). Every operation of
:data:`virtdrivers.capabilities.OPERATIONS` has one test, ``test_op_<name>``:
when the driver declares the operation for the instance, the test checks its
observable effect; when it does not, the test checks that every method of
the operation raises ``NotSupported`` naming it. No test passes because a
method raised something else.
"""

import inspect
import os
import time

import fixtures
import testtools

from virtdrivers import capabilities as caps
from virtdrivers import conf as vconf
from virtdrivers import exception
from virtdrivers import network
from virtdrivers import objects
from virtdrivers import power_state
from virtdrivers.image import local


class Context:
    """A request context with the attributes drivers read."""

    user_id = 'contract-user'
    project_id = 'contract-project'
    is_admin = True
    auth_token = None


class ContractBase(testtools.TestCase):
    #: Seconds to wait for a state or an event (real hypervisors are slow).
    timeout = 10
    #: Host name the driver under test is initialised with.
    host = 'contract-host'

    # -- hooks for driver setups ------------------------------------------

    def make_conf(self):
        """The configuration the driver is built with (override to adjust)."""
        conf = vconf.new_conf()
        conf([], project='virtdrivers-contract')
        conf.set_override('host', self.host)
        conf.set_override('my_ip', '127.0.0.1')
        conf.set_override('instances_path', os.path.join(self.workdir, 'instances'))
        conf.set_override('remove_unused_original_minimum_age_seconds', 0,
                          group='image_cache')
        return conf

    def make_driver(self):
        """Return the driver under test (``init_host`` is called for you)."""
        raise NotImplementedError

    def make_peer_driver(self):
        """A second driver on another host, for live migration; or None."""
        return None

    def make_image(self):
        """Create and return an image in ``self.image_service`` to boot."""
        path = os.path.join(self.workdir, 'contract-image.raw')
        with open(path, 'wb') as f:
            f.truncate(1024 * 1024)
        return self.image_service.create(
            self.ctx, {'name': 'contract', 'disk_format': 'raw',
                       'container_format': 'bare'}, data_path=path)

    def make_flavor(self, **kwargs):
        values = {'name': 'contract.tiny', 'memory_mb': 128, 'vcpus': 1,
                  'root_gb': 1}
        values.update(kwargs)
        return objects.Flavor(**values)

    def make_network_info(self):
        net = network.Network(bridge='br-contract', label='contract',
                              subnets=[network.Subnet(
                                  cidr='192.0.2.0/24', gateway='192.0.2.1',
                                  ips=[{'address': '192.0.2.10'}])])
        return network.NetworkInfo([network.VIF(address='52:54:00:12:34:56',
                                                network=net)])

    def make_volume_connection_info(self, instance):
        """connection_info of a volume the driver can attach."""
        path = os.path.join(self.workdir, 'volume-%d.raw' % time.monotonic_ns())
        with open(path, 'wb') as f:
            f.truncate(16 * 1024 * 1024)
        return {'driver_volume_type': 'local', 'serial': 'vol-contract',
                'data': {'device_path': path, 'volume_id': 'vol-contract'}}

    # -- set-up -----------------------------------------------------------

    def setUp(self):
        super().setUp()
        self.workdir = self.useFixture(fixtures.TempDir()).path
        self.ctx = Context()
        self.conf = self.make_conf()
        self.image_service = local.LocalImageStore(
            os.path.join(self.workdir, 'images'))
        self.driver = self.make_driver()
        self.driver.init_host(self.host)
        self.addCleanup(self._cleanup_instances, self.driver)
        self.events = []
        self.driver.register_event_listener(self.events.append)
        self.image = self.make_image()

    def _cleanup_instances(self, driver):
        for uuid in list(driver.list_instance_uuids()):
            try:
                driver.destroy(self.ctx, objects.Instance(uuid=uuid), None)
            except exception.InstanceNotFound:
                pass

    # -- helpers ----------------------------------------------------------

    def new_instance(self, **kwargs):
        kwargs.setdefault('flavor', self.make_flavor())
        kwargs.setdefault('image_ref', self.image.id)
        kwargs.setdefault('display_name', 'contract-%s' % self.id().split('.')[-1])
        return objects.Instance(**kwargs)

    def spawn(self, instance=None, image=None, power_on=True, **kwargs):
        instance = instance or self.new_instance()
        self.driver.spawn(self.ctx, instance, image or self.image,
                          kwargs.pop('injected_files', []),
                          kwargs.pop('admin_password', None), {},
                          network_info=kwargs.pop('network_info', None),
                          block_device_info=kwargs.pop('block_device_info', None),
                          power_on=power_on)
        self.assertEqual({}, kwargs, 'unknown spawn arguments')
        return instance

    def state(self, instance, driver=None):
        return (driver or self.driver).get_info(instance).state

    def assertState(self, expected, instance, driver=None):
        """Wait up to ``timeout`` for *instance* to reach *expected*."""
        deadline = time.monotonic() + self.timeout
        while True:
            current = self.state(instance, driver)
            if current in ((expected,) if isinstance(expected, int) else expected):
                return current
            if time.monotonic() > deadline:
                self.fail('instance %s is %s, expected %s' % (
                    instance.uuid, power_state.name(current),
                    expected if not isinstance(expected, int)
                    else power_state.name(expected)))
            time.sleep(0.05)

    def declared(self, operation, instance=None, image=None):
        return self.driver.capabilities_for(instance, image).supports(operation)

    def _dummy_args(self, method, instance):
        values = {'instance': instance, 'context': self.ctx, 'ctxt': self.ctx,
                  'image_meta': self.image, 'network_info': network.NetworkInfo(),
                  'nw_info': network.NetworkInfo(), 'image_id': self.image.id}
        args = {}
        for name, param in inspect.signature(method).parameters.items():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if name in values:
                args[name] = values[name]
            elif param.default is param.empty:
                args[name] = None
        return args

    def assert_not_supported(self, operation, instance=None):
        """Every method of *operation* raises NotSupported naming it."""
        op = caps.OPERATION_BY_NAME[operation]
        self.assertFalse(op.mandatory, '%s is mandatory' % operation)
        if not op.methods:
            return self.assert_feature_not_supported(operation)
        instance = instance or self.spawn()
        for name in op.methods:
            method = getattr(self.driver, name)
            err = self.assertRaises(exception.NotSupported, method,
                                    **self._dummy_args(method, instance))
            self.assertEqual(operation, err.operation,
                             '%s raised NotSupported for another operation' % name)
        return None

    def spawn_feature_kwargs(self, operation):
        """Arguments that make ``spawn`` use a spawn-time feature."""
        flavor = {'swap-disk': {'swap': 64}, 'ephemeral-disk': {'ephemeral_gb': 1}}
        instance = self.new_instance(
            flavor=self.make_flavor(**flavor.get(operation, {})),
            config_drive='True' if operation == 'config-drive' else '')
        kwargs = {}
        if operation == 'inject-files':
            kwargs['injected_files'] = [('/etc/contract', b'injected')]
        return instance, kwargs

    def assert_feature_not_supported(self, operation):
        if operation in ('evacuate', 'auto-configure-disk'):
            # No argument asks for these; the declaration is all there is.
            self.assertFalse(self.declared(operation, image=self.image))
            return
        instance, kwargs = self.spawn_feature_kwargs(operation)
        err = self.assertRaises(exception.NotSupported, self.spawn, instance,
                                **kwargs)
        self.assertEqual(operation, err.operation)
        self.assertNotIn(instance.uuid, self.driver.list_instance_uuids(),
                         'a refused spawn left the instance behind')
