"""Validate XML against libvirt's own RelaxNG schemas.

Other test packages import :func:`assert_valid` to check what they generate::

    from virtdrivers.tests.unit.libvirt.xml import schema
    schema.assert_valid(domain.to_xml(), "domain")

When the schemas are not installed the calling test is skipped (not
passed): unittest turns the raised ``SkipTest`` into a skip.
"""

import functools
import os
import shutil
import subprocess
import tempfile
import unittest

from lxml import etree

SCHEMA_DIR = "/usr/share/libvirt/schemas"
SKIP_REASON = "libvirt RelaxNG schemas not installed (Debian package libvirt0)"


def schemas_available():
    """Return True when libvirt's schema directory is present."""
    return os.path.isdir(SCHEMA_DIR)


@functools.cache
def _relaxng(schema_name):
    """Compile a schema with lxml, or return None when lxml cannot."""
    path = os.path.join(SCHEMA_DIR, schema_name + ".rng")
    try:
        return etree.RelaxNG(etree.parse(path))
    except etree.RelaxNGParseError:
        return None


def _xmllint_errors(xml_string, schema_name):
    if shutil.which("xmllint") is None:
        raise unittest.SkipTest(
            "lxml cannot compile %s.rng and xmllint is not installed" % schema_name
        )
    path = os.path.join(SCHEMA_DIR, schema_name + ".rng")
    with tempfile.NamedTemporaryFile("w", suffix=".xml") as doc:
        doc.write(xml_string)
        doc.flush()
        result = subprocess.run(
            ["xmllint", "--noout", "--relaxng", path, doc.name],
            capture_output=True, text=True, check=False,
        )
    return None if result.returncode == 0 else result.stderr


def validation_errors(xml_string, schema_name):
    """Return None when ``xml_string`` is valid, else the error text.

    :param schema_name: a schema file name without ``.rng``: ``domain``,
        ``capability``, ``domaincaps``, ``storagepool``, ``storagevol``,
        ``domainsnapshot``...
    :raises unittest.SkipTest: when the schemas are not installed.
    """
    if not schemas_available():
        raise unittest.SkipTest(SKIP_REASON)
    relaxng = _relaxng(schema_name)
    if relaxng is None:
        return _xmllint_errors(xml_string, schema_name)
    document = etree.fromstring(xml_string.encode("utf-8"))
    if relaxng.validate(document):
        return None
    return str(relaxng.error_log)


def assert_valid(xml_string, schema_name):
    """Fail with libvirt's validation errors unless the XML is valid.

    :raises AssertionError: with the errors and the document.
    :raises unittest.SkipTest: when the schemas are not installed.
    """
    errors = validation_errors(xml_string, schema_name)
    if errors is not None:
        raise AssertionError(
            "XML does not validate against %s.rng:\n%s\n%s"
            % (schema_name, errors, xml_string)
        )
