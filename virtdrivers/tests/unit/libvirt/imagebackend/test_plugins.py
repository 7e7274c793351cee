"""Image backends are plugins: a third party adds one by entry point."""

import testtools

from virtdrivers import exception
from virtdrivers.libvirt import imagebackend
from virtdrivers.tests.unit import entrypoints

THIRD_PARTY = '''
from virtdrivers.libvirt.imagebackend import flat

class Backend(flat.Flat):
    name = 'acme'
'''


class ImageBackendPluginTest(testtools.TestCase):
    def test_third_party_backend_is_selected_by_its_name(self):
        self.useFixture(entrypoints.EntryPoints(
            {imagebackend.NAMESPACE: {'acme': 'vdacme:Backend'}},
            modules={'vdacme': THIRD_PARTY}))
        self.assertEqual('acme', imagebackend.load('acme').name)

    def test_unknown_name_lists_the_installed_backends(self):
        err = self.assertRaises(exception.ConfigurationError,
                                imagebackend.load, 'floppy')
        self.assertIn("images_type='floppy' is unknown", str(err))
        for name in ('flat', 'qcow2', 'lvm', 'rbd', 'ploop', 'pool'):
            self.assertIn(name, str(err))

    def test_a_name_registered_twice_says_so(self):
        self.useFixture(entrypoints.EntryPoints(
            {imagebackend.NAMESPACE: {'lvm': 'vdacme2:Backend'}},
            modules={'vdacme2': THIRD_PARTY}, dist='vdotherlvm'))
        err = self.assertRaises(exception.ConfigurationError,
                                imagebackend.load, 'lvm')
        self.assertIn('more than one installed package', str(err))
        self.assertIn('vdacme2:Backend (vdotherlvm)', str(err))
        self.assertIn('virtdrivers.libvirt.imagebackend.lvm:Lvm', str(err))

    def test_not_an_image_backend(self):
        self.useFixture(entrypoints.EntryPoints(
            {imagebackend.NAMESPACE: {'notone': 'vdnotone:Thing'}},
            modules={'vdnotone': 'class Thing:\n    pass\n'}))
        err = self.assertRaises(exception.ConfigurationError,
                                imagebackend.load, 'notone')
        self.assertIn('not a virtdrivers ImageBackend', str(err))
