"""The schema helper itself: it must be able to fail, and to skip."""

import shutil
import unittest

import fixtures

from virtdrivers.tests.unit.libvirt.xml import schema
from virtdrivers.tests.unit.libvirt.xml import xmltest

VALID = ("<domain type='kvm'><name>v</name><memory>1024</memory>"
         "<os><type>hvm</type></os></domain>")
# libvirt knows no such hypervisor type.
INVALID = VALID.replace("'kvm'", "'no-such-hypervisor'")


class TestSchemaHelper(xmltest.XMLTestCase):

    def setUp(self):
        super().setUp()
        if not schema.schemas_available():
            self.skipTest(schema.SKIP_REASON)

    def test_valid_document_passes(self):
        schema.assert_valid(VALID, "domain")

    def test_invalid_document_fails_with_libvirts_reason(self):
        err = self.assertRaises(AssertionError, schema.assert_valid,
                                INVALID, "domain")
        self.assertIn("domain.rng", str(err))
        self.assertIn(INVALID, str(err))

    def test_xmllint_fallback(self):
        if shutil.which("xmllint") is None:
            self.skipTest("xmllint is not installed (Debian package libxml2-utils)")
        # As if lxml could not compile the schema.
        self.useFixture(fixtures.MockPatchObject(
            schema, "_relaxng", lambda _name: None))
        self.assertIsNone(schema.validation_errors(VALID, "domain"))
        self.assertIn("fails to validate",
                      schema.validation_errors(INVALID, "domain"))

    def test_missing_schemas_skip_rather_than_pass(self):
        self.useFixture(fixtures.MonkeyPatch(
            "virtdrivers.tests.unit.libvirt.xml.schema.SCHEMA_DIR",
            "/nonexistent/libvirt/schemas"))
        err = self.assertRaises(unittest.SkipTest, schema.assert_valid,
                                VALID, "domain")
        self.assertEqual(schema.SKIP_REASON, str(err))
