"""The shared backend suite against flat and qcow2."""

import testtools

from virtdrivers.libvirt.imagebackend import base
from virtdrivers.libvirt.imagebackend import flat
from virtdrivers.libvirt.imagebackend import qcow2
from virtdrivers.tests.unit.libvirt.imagebackend import suite


class FlatSuiteTest(suite.BackendSuite, testtools.TestCase):
    def make_backend(self, cache):
        return flat.Flat(self.instances, cache, base.BackendSettings())


class Qcow2SuiteTest(suite.BackendSuite, testtools.TestCase):
    def make_backend(self, cache):
        return qcow2.Qcow2(self.instances, cache, base.BackendSettings())
