"""ComputeDriver keeps Nova 34's interface and its own contract."""

import inspect
import os
import re

import testtools

from virtdrivers import capabilities as caps
from virtdrivers import driver
from virtdrivers import events
from virtdrivers import exception
from virtdrivers import objects

DATA = os.path.join(os.path.dirname(__file__), 'data', 'nova_computedriver_34.txt')


def nova_methods():
    """``{name: (kind, [(param, default-or-None)])}`` from Nova's method list."""
    methods = {}
    with open(DATA) as f:
        for line in f:
            match = re.match(r'^([RD]) (\w+)\((.*)\)', line)
            if not match:
                continue
            kind, name, params = match.groups()
            parsed = []
            for param in params.split(', '):
                param = re.sub(r':\s*[^=]+', '', param)   # drop annotations
                pname, _, default = param.partition('=')
                if pname in ('self', 'cls'):
                    continue
                parsed.append((pname.strip(), default.strip() or None))
            methods[name] = (kind, parsed)
    return methods


def our_params(func):
    params = []
    for p in inspect.signature(func).parameters.values():
        if p.name in ('self', 'cls'):
            continue
        if p.kind == p.VAR_POSITIONAL:
            params.append(('*' + p.name, None))
        elif p.default is p.empty:
            params.append((p.name, None))
        else:
            params.append((p.name, repr(p.default)))
    return params


class MinimalDriver(driver.ComputeDriver):
    """Implements only the abstract core."""

    def init_host(self, host): pass
    def spawn(self, *a, **k): pass
    def destroy(self, *a, **k): pass
    def cleanup(self, *a, **k): pass
    def get_info(self, instance, use_cache=True): pass
    def list_instances(self): return []
    def list_instance_uuids(self): return []
    def get_available_resource(self, nodename): return {}
    def update_provider_tree(self, provider_tree, nodename, allocations=None): pass
    def get_available_nodes(self, refresh=False): return ['node']


class TestNovaInterface(testtools.TestCase):
    def test_every_nova_method_exists_with_the_same_signature(self):
        methods = nova_methods()
        with open(DATA) as f:
            listed = sum(1 for line in f if re.match(r'^[RD] ', line))
        self.assertEqual(listed, len(methods), 'a line of the list did not parse')
        for name, (_kind, params) in methods.items():
            ours = getattr(driver.ComputeDriver, name, None)
            self.assertIsNotNone(ours, 'missing %s' % name)
            self.assertEqual(params, our_params(ours), name)

    def test_no_public_method_beyond_nova_but_our_own(self):
        ours = {n for n, _ in inspect.getmembers(driver.ComputeDriver, callable)
                if not n.startswith('_')}
        extra = ours - set(nova_methods())
        self.assertEqual({'capabilities_for', 'require', 'describe_kind',
                          'support_matrix_columns'}, extra)

    def test_every_method_has_a_docstring(self):
        for name in nova_methods():
            self.assertTrue(getattr(driver.ComputeDriver, name).__doc__, name)

    def test_core_lifecycle_is_abstract(self):
        self.assertEqual(
            {'init_host', 'spawn', 'destroy', 'cleanup', 'get_info',
             'list_instances', 'list_instance_uuids', 'get_available_resource',
             'update_provider_tree', 'get_available_nodes'},
            set(driver.ComputeDriver.__abstractmethods__))
        self.assertRaises(TypeError, driver.ComputeDriver, None)

    def test_optional_operations_raise_not_supported_naming_them(self):
        drv = MinimalDriver(None)
        checked = 0
        for op in caps.OPERATIONS:
            for name in op.methods:
                method = getattr(drv, name)
                if name in driver.ComputeDriver.__abstractmethods__:
                    continue
                args = [None] * sum(
                    1 for p in inspect.signature(method).parameters.values()
                    if p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD)
                err = self.assertRaises(exception.NotSupported, method, *args)
                self.assertEqual(op.name, err.operation)
                self.assertIn(name, str(err))
                # Nova's compute manager catches NotImplementedError.
                self.assertIsInstance(err, NotImplementedError)
                checked += 1
        self.assertGreater(checked, 60)

    def test_every_operation_method_is_a_driver_method(self):
        for op in caps.OPERATIONS:
            for name in op.methods:
                self.assertTrue(hasattr(driver.ComputeDriver, name), name)

    def test_nova_default_hooks(self):
        drv = MinimalDriver(None)
        self.assertEqual(['a'], drv.process_instances_at_startup(None, ['a']))
        self.assertEqual('md', drv.post_claim_migrate_data(None, None, 'md', None))
        self.assertTrue(drv.delete_instance_files(None))
        self.assertFalse(drv.instance_on_disk(None))
        self.assertFalse(drv.is_supported_fs_format('ext4'))
        self.assertEqual(['node'], list(drv.get_nodenames_by_uuid().values()))
        # The node uuid is stable across driver objects (no state file).
        self.assertEqual(drv.get_nodenames_by_uuid(),
                         MinimalDriver(None).get_nodenames_by_uuid())
        self.assertEqual('h1', drv.network_binding_host_id(
            None, objects.Instance(host='h1')))

    def test_require_names_the_operation_and_driver(self):
        drv = MinimalDriver(None)
        drv.driver_name = 'minimal'
        err = self.assertRaises(exception.NotSupported, drv.require, 'pause',
                                objects.Instance())
        self.assertEqual('pause', err.operation)
        self.assertIn('minimal', str(err))


class TestEvents(testtools.TestCase):
    def test_emit_event_reaches_listener(self):
        drv, seen = MinimalDriver(None), []
        drv.register_event_listener(seen.append)
        event = events.LifecycleEvent('u1', events.EVENT_LIFECYCLE_PAUSED)
        drv.emit_event(event)
        self.assertEqual([event], seen)
        self.assertEqual('Paused', seen[0].get_name())

    def test_listener_errors_do_not_propagate(self):
        drv = MinimalDriver(None)
        drv.register_event_listener(lambda e: 1 / 0)
        drv.emit_event(events.LifecycleEvent('u1', events.EVENT_LIFECYCLE_STARTED))

    def test_emit_rejects_non_events(self):
        self.assertRaises(ValueError, MinimalDriver(None).emit_event, 'started')

    def test_unknown_transition_is_refused(self):
        self.assertRaises(ValueError, events.LifecycleEvent, 'u', 42)
