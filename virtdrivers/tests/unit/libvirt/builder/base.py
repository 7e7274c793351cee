"""A TestCase that builds domains and checks them the ways libvirt would.

Every built document is validated against libvirt's ``domain.rng`` and, with
:meth:`BuilderTestCase.assertBoots`, defined and started on libvirt's test
driver (``test:///default``). The test driver parses the whole document with
libvirt's own parser (so it rejects what libvirt rejects at define time) but
runs nothing: device backends (QEMU capabilities, files, bridges) are not
checked there.
"""

import os

try:
    import libvirt
except ImportError:  # libvirt-python is an optional dependency
    libvirt = None

from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.builder import build_domain
from virtdrivers.tests.unit.libvirt.xml import xmltest

GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")
REGEN_ENV = "VIRTDRIVERS_REGEN_GOLDEN"


class BuilderTestCase(xmltest.XMLTestCase):

    def build(self, ctx):
        """Build, check against the schema, and return the domain."""
        domain = build_domain(ctx)
        self.assertValid(domain.to_xml(), "domain")
        return domain

    def assertBoots(self, domain):
        """Define and start ``domain`` on test:///default, read it back, then
        stop and undefine it; return libvirt's live XML, parsed."""
        if libvirt is None:
            self.skipTest("libvirt-python is not installed")
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        self.addCleanup(libvirt.registerErrorHandler, None, None)
        conn = libvirt.open("test:///default")
        try:
            virdom = conn.defineXML(domain.to_xml())
            try:
                virdom.create()
                self.assertTrue(virdom.isActive())
                self.assertEqual((domain.name, domain.uuid),
                                 (virdom.name(), virdom.UUIDString()))
                live = vxml.Domain.from_xml(virdom.XMLDesc(0))
                virdom.destroy()
            finally:
                virdom.undefine()
        finally:
            conn.close()
        return live

    def assertGolden(self, domain, name):
        """Compare with ``golden/<name>.xml`` semantically.

        With ``VIRTDRIVERS_REGEN_GOLDEN=1`` the file is rewritten instead
        (review the diff before committing it).
        """
        if os.environ.get(REGEN_ENV) == "1":
            with open(golden_path(name), "w", encoding="utf-8") as stream:
                stream.write(domain.to_xml())
        self.assertXMLEqual(load_golden(name), domain.to_xml())


def golden_path(name):
    return os.path.join(GOLDEN_DIR, name + ".xml")


def load_golden(name):
    """The text of ``golden/<name>.xml``."""
    with open(golden_path(name), encoding="utf-8") as stream:
        return stream.read()
