"""The backend contract: settings, loading by entry point, the ABC."""

import testtools
from oslo_config import cfg

from virtdrivers import exception
from virtdrivers.conf import default
from virtdrivers.libvirt import imagebackend
from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import flat
from virtdrivers.libvirt.imagebackend import qcow2
from virtdrivers.tests.unit import entrypoints

# What setup.cfg registers; installed here through a throwaway distribution
# so loading is tested through importlib.metadata and stevedore.
OURS = {'flat': 'virtdrivers.libvirt.imagebackend.flat:Flat',
        'raw': 'virtdrivers.libvirt.imagebackend.flat:Flat',
        'qcow2': 'virtdrivers.libvirt.imagebackend.qcow2:Qcow2'}


class BackendSettingsTest(testtools.TestCase):

    def test_defaults_are_novas(self):
        settings = base.BackendSettings()
        self.assertEqual(('none', True, True, None),
                         (settings.preallocate, settings.use_cow,
                          settings.force_raw,
                          settings.default_ephemeral_format))

    def test_unknown_values_name_the_option(self):
        err = self.assertRaises(exception.ConfigurationError,
                                base.BackendSettings, preallocate='full')
        self.assertIn('preallocate_images', str(err))
        err = self.assertRaises(exception.ConfigurationError,
                                base.BackendSettings,
                                default_ephemeral_format='zfs')
        self.assertIn('default_ephemeral_format', str(err))

    def test_frozen(self):
        settings = base.BackendSettings()
        self.assertRaises(AttributeError, setattr, settings, 'use_cow', False)

    def test_from_conf(self):
        conf = cfg.ConfigOpts()
        default.register_opts(conf)
        conf([], project='virtdrivers', default_config_files=[])
        conf.set_override('preallocate_images', 'space')
        conf.set_override('use_cow_images', False)
        conf.set_override('default_ephemeral_format', 'ext4')
        self.assertEqual(base.BackendSettings('space', False, True, 'ext4'),
                         base.BackendSettings.from_conf(conf))


class LoadTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(entrypoints.EntryPoints(
            {imagebackend.NAMESPACE: dict(
                OURS, notabackend='vdnotbackend:Thing')},
            modules={'vdnotbackend': 'class Thing:\n    pass\n'}))

    def test_names_and_default(self):
        self.assertIs(flat.Flat, imagebackend.load('flat'))
        self.assertIs(flat.Flat, imagebackend.load('raw'))
        self.assertIs(qcow2.Qcow2, imagebackend.load('qcow2'))
        self.assertIs(qcow2.Qcow2, imagebackend.load('default', use_cow=True))
        self.assertIs(flat.Flat, imagebackend.load('default', use_cow=False))

    def test_unknown_backend_lists_the_choices(self):
        err = self.assertRaises(exception.ConfigurationError,
                                imagebackend.load, 'zfs')
        self.assertIn('images_type', str(err))
        self.assertIn('qcow2', str(err))

    def test_entry_point_that_is_no_backend_is_refused(self):
        err = self.assertRaises(exception.ConfigurationError,
                                imagebackend.load, 'notabackend')
        self.assertIn('not a virtdrivers ImageBackend', str(err))


class ContractTest(testtools.TestCase):

    def test_class_data_of_our_backends(self):
        self.assertEqual(('flat', False, 'raw'), (
            flat.Flat.name, flat.Flat.SUPPORTS_COW, flat.Flat.disk_format))
        self.assertEqual(('qcow2', True, 'qcow2'), (
            qcow2.Qcow2.name, qcow2.Qcow2.SUPPORTS_COW,
            qcow2.Qcow2.disk_format))
        for cls in (flat.Flat, qcow2.Qcow2):
            self.assertTrue(cls.image_types['supports_image_type_raw'])
            self.assertTrue(cls.image_types['supports_image_type_qcow2'])
            self.assertTrue(all(key.startswith('supports_image_type_')
                                for key in cls.image_types))

    def test_a_third_party_backend_must_implement_the_contract(self):
        class Partial(base.ImageBackend):
            name = 'partial'

            def source(self, instance, disk_name):
                return None

        err = self.assertRaises(TypeError, Partial, '/nonexistent', None,
                                base.BackendSettings())
        self.assertIn('create_from_image', str(err))

    def test_delete_all_default_deletes_each_disk_and_the_references(self):
        deleted = []

        class Memory(base.ImageBackend):
            name = 'memory'
            create_from_image = create_blank = import_file = None
            source = exists = resize = snapshot_extract = None

            def disk_names(self, instance):
                return ['disk', 'disk.local']

            def delete(self, instance, disk_name):
                deleted.append(disk_name)

            def disk_info(self, instance):
                return [{'disk_size': 5}, {'disk_size': 7}]

        class Cache:
            def remove_instance(self, instance_uuid):
                deleted.append('refs of %s' % instance_uuid)

        backend = Memory('/nonexistent', Cache(), base.BackendSettings())
        instance = type('I', (), {'uuid': 'u-1'})()
        backend.delete_all(instance)
        self.assertEqual(['disk', 'disk.local', 'refs of u-1'], deleted)
        self.assertEqual(12, backend.usage_bytes(instance))
