"""load_driver: names, Nova spellings, errors that say what to do."""

import testtools

from virtdrivers import conf as vconf
from virtdrivers import driver
from virtdrivers import exception
from virtdrivers import virtapi
from virtdrivers.fake import driver as fake_driver
from virtdrivers.tests.unit import entrypoints

NEEDS_XENAPI = 'import XenAPI  # noqa\n'


class TestLoadDriver(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.conf = vconf.new_conf()
        self.conf([])

    def load(self, name):
        self.conf.set_override('compute_driver', name)
        return driver.load_driver(self.conf, virtapi.LocalVirtAPI())

    def test_our_name_and_nova_spellings(self):
        for name in ('fake', 'fake.FakeDriver', 'nova.virt.fake.FakeDriver'):
            self.assertIsInstance(self.load(name), fake_driver.FakeDriver, name)

    def test_driver_reads_the_given_conf(self):
        self.conf.set_override('host', 'configured-host')
        self.assertEqual(['configured-host'], self.load('fake').get_available_nodes())

    def test_unset_names_the_option_and_choices(self):
        err = self.assertRaises(exception.ConfigurationError, driver.load_driver,
                                self.conf, None)
        self.assertIn('[DEFAULT] compute_driver is not set', str(err))
        self.assertIn('fake', str(err))

    def test_unknown_name_lists_choices_and_never_exits(self):
        err = self.assertRaises(exception.ConfigurationError, self.load,
                                'amiga.AmigaDriver')
        self.assertIn("'amiga.AmigaDriver' is unknown", str(err))
        self.assertIn('fake', str(err))

    def test_missing_extra_names_what_to_install(self):
        self.useFixture(entrypoints.EntryPoints(
            {driver.NAMESPACE: {'vdxen': 'vdxenmod:Driver'}},
            modules={'vdxenmod': NEEDS_XENAPI + 'Driver = None\n'}))
        err = self.assertRaises(exception.ConfigurationError, self.load, 'vdxen')
        self.assertIn('XenAPI', str(err))
        self.assertIn('pip install virtdrivers[xenapi]', str(err))

    def test_entry_point_that_is_not_a_driver(self):
        self.useFixture(entrypoints.EntryPoints(
            {driver.NAMESPACE: {'notadriver': 'vdnotdrv:Thing'}},
            modules={'vdnotdrv': 'class Thing:\n    pass\n'}))
        err = self.assertRaises(exception.ConfigurationError, self.load,
                                'notadriver')
        self.assertIn('not a virtdrivers ComputeDriver', str(err))

    def test_third_party_driver_loads_by_entry_point(self):
        self.useFixture(entrypoints.EntryPoints(
            {driver.NAMESPACE: {'thirdparty': 'vdthird:Driver'}},
            modules={'vdthird': 'from virtdrivers.fake.driver import FakeDriver\n'
                                'class Driver(FakeDriver):\n'
                                '    driver_name = "thirdparty"\n'}))
        self.assertEqual('thirdparty', self.load('thirdparty').driver_name)
