"""A TestCase with the assertions the XML tests share."""

import os

import testtools

from virtdrivers.libvirt.xml import base
from virtdrivers.libvirt.xml import properties
from virtdrivers.tests.unit.libvirt.xml import schema

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")


def load(name):
    """Return the text of a file under ``data/``."""
    with open(os.path.join(DATA_DIR, name), encoding="utf-8") as stream:
        return stream.read()


def scalar_values(obj):
    """Every scalar and list property of ``obj``, by name.

    Used to show that what was built reads back identically after a trip
    through XML text.
    """
    values = {}
    for klass in reversed(type(obj).__mro__):
        for name, attr in vars(klass).items():
            if isinstance(attr, (properties.XMLProperty,
                                 properties.XMLSizeProperty)):
                values[name] = getattr(obj, name)
    return values


class XMLTestCase(testtools.TestCase):
    """Semantic XML comparison, schema validation and round trips."""

    def assertXMLEqual(self, expected, observed):
        """Compare two XML values ignoring formatting and attribute order."""
        self.assertEqual(
            base.canonicalize(expected).decode("utf-8"),
            base.canonicalize(observed).decode("utf-8"),
        )

    def assertValid(self, xml_string, schema_name):
        """Validate against libvirt's ``<schema_name>.rng`` (skip if absent)."""
        if not schema.schemas_available():
            self.skipTest(schema.SKIP_REASON)
        schema.assert_valid(xml_string, schema_name)

    def assertRoundTrip(self, obj):
        """Serialise, parse back, and check the XML and values are unchanged.

        :returns: the parsed copy.
        """
        text = obj.to_xml()
        copy = type(obj).from_xml(text)
        self.assertXMLEqual(text, copy.to_xml())
        self.assertEqual(scalar_values(obj), scalar_values(copy))
        return copy
