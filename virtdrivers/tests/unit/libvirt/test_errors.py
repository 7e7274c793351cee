"""errors.translate against real libvirtErrors from the test driver.

``test:///default`` is libvirt's in-process test driver. Its state is shared
by every connection open at the same time in one process (and reset when the
last one closes), so each test defines domains with fresh names and uuids and
removes them again (:class:`TestDriverCase`).
"""

import contextlib
import gc
import uuid

import fixtures
import testtools

from virtdrivers import exception
from virtdrivers.libvirt import errors
from virtdrivers.libvirt.binding import libvirt

URI = "test:///default"


def domain_xml(name, domain_uuid):
    return (
        "<domain type='test'><name>%s</name><uuid>%s</uuid>"
        "<memory>65536</memory><vcpu>2</vcpu><os><type>hvm</type></os>"
        "</domain>" % (name, domain_uuid)
    )


def quiet_libvirt(test):
    """Keep libvirt's default handler from printing expected errors."""
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    test.addCleanup(libvirt.registerErrorHandler, None, None)


def remove_domain(conn, name):
    """Destroy and undefine ``name`` if it still exists (test cleanup)."""
    with contextlib.suppress(libvirt.libvirtError):
        domain = conn.lookupByName(name)
        if domain.isActive():
            domain.destroy()
        domain.undefineFlags(
            libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
            | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)


class TestDriverCase(testtools.TestCase):
    """A test with its own connection to test:///default and unique domains."""

    def setUp(self):
        super().setUp()
        # Runs last: a virDomain kept alive by a reference cycle (a caught
        # exception's traceback) keeps its connection, and so the shared
        # test:///default state, alive into the next test.
        self.addCleanup(gc.collect)
        quiet_libvirt(self)
        self.logger = self.useFixture(fixtures.FakeLogger(level="DEBUG"))
        self.conn = libvirt.open(URI)
        self.addCleanup(self.conn.close)

    def new_domain_xml(self):
        """Return (name, uuid, xml) of a domain no other test uses."""
        domain_uuid = str(uuid.uuid4())
        name = "vdtest-%s" % domain_uuid[:8]
        self.addCleanup(remove_domain, self.conn, name)
        return name, domain_uuid, domain_xml(name, domain_uuid)

    def define(self, start=False):
        """Define (and start) a fresh domain through our own connection."""
        _name, _uuid, xml = self.new_domain_xml()
        domain = self.conn.defineXML(xml)
        if start:
            domain.create()
        return domain

    def provoke(self, func, *args):
        """Return the real libvirtError ``func(*args)`` raises."""
        return self.assertRaises(libvirt.libvirtError, func, *args)


def fake_error(code, domain, message):
    """A libvirtError as the library builds it, for conditions the test
    driver cannot produce (a dead daemon, a missing guest agent)."""
    err = libvirt.libvirtError(message)
    err.err = (code, domain, message, libvirt.VIR_ERR_ERROR,
               message, None, None, -1, -1)
    return err


class TestTranslateRealErrors(TestDriverCase):

    def test_missing_uuid_is_instance_not_found(self):
        missing = str(uuid.uuid4())
        err = self.provoke(self.conn.lookupByUUIDString, missing)
        result = errors.translate(err, instance_id=missing)
        self.assertIsInstance(result, exception.InstanceNotFound)
        self.assertEqual("Instance %s could not be found." % missing, str(result))

    def test_missing_name_without_instance_id_keeps_libvirt_text(self):
        err = self.provoke(self.conn.lookupByName, "vdtest-no-such-domain")
        result = errors.translate(err)
        self.assertIsInstance(result, exception.InstanceNotFound)
        self.assertIn("Domain not found", str(result))

    def test_pausing_a_shut_off_domain_is_invalid_state(self):
        domain = self.define()
        err = self.provoke(domain.suspend)
        result = errors.translate(err, instance_id=domain.UUIDString(),
                                  operation="pause")
        self.assertIsInstance(result, exception.InstanceInvalidState)
        self.assertIn(domain.UUIDString(), str(result))
        self.assertIn("not running", str(result))
        self.assertIn("Cannot pause", str(result))

    def test_operation_invalid_is_invalid_state(self):
        # destroy of a shut-off domain: VIR_ERR_OPERATION_INVALID, as QEMU
        # reports most state errors.
        domain = self.define()
        err = self.provoke(domain.destroy)
        result = errors.translate(err, instance_id=domain.UUIDString(),
                                  operation="power off")
        self.assertIsInstance(result, exception.InstanceInvalidState)
        self.assertIn("domain is not running", str(result))

    def test_duplicate_definition_is_instance_exists(self):
        name, _uuid, xml = self.new_domain_xml()
        self.conn.defineXML(xml)
        other = domain_xml(name, str(uuid.uuid4()))
        err = self.provoke(self.conn.defineXML, other)
        result = errors.translate(err)
        self.assertIsInstance(result, exception.InstanceExists)
        self.assertEqual("Instance %s already exists." % name, str(result))

    def test_same_uuid_other_name_is_instance_exists(self):
        _name, domain_uuid, xml = self.new_domain_xml()
        self.conn.defineXML(xml)
        self.addCleanup(remove_domain, self.conn, "vdtest-renamed")
        err = self.provoke(self.conn.defineXML,
                           domain_xml("vdtest-renamed", domain_uuid))
        self.assertIsInstance(errors.translate(err), exception.InstanceExists)

    def test_unsupported_call_is_not_supported(self):
        err = self.provoke(self.conn.getDomainCapabilities)
        result = errors.translate(err, operation="get domain capabilities")
        self.assertIsInstance(result, exception.NotSupported)
        self.assertIsInstance(result, NotImplementedError)
        self.assertEqual("get domain capabilities", result.operation)
        self.assertIn("virConnectGetDomainCapabilities", str(result))

    def test_unsupported_flags_are_not_supported(self):
        domain = self.define()
        err = self.provoke(domain.XMLDesc, 1 << 20)
        result = errors.translate(err, operation="get XML")
        self.assertIsInstance(result, exception.NotSupported)
        self.assertIn("unsupported flags", str(result))

    def test_missing_pool_and_volume_are_not_found(self):
        pool_err = self.provoke(self.conn.storagePoolLookupByName, "vdtest-none")
        pool = self.conn.storagePoolLookupByName("default-pool")
        vol_err = self.provoke(pool.storageVolLookupByName, "vdtest-none")
        for err in (pool_err, vol_err):
            result = errors.translate(err)
            self.assertIs(exception.NotFound, type(result))
            self.assertIn("vdtest-none", str(result))

    def test_bad_xml_is_hypervisor_error_with_libvirt_message(self):
        err = self.provoke(self.conn.defineXML, "<domain")
        result = errors.translate(err)
        self.assertIs(exception.HypervisorError, type(result))
        self.assertIn("Couldn't find end of Start Tag", str(result))

    def test_missing_name_in_xml_is_hypervisor_error(self):
        err = self.provoke(self.conn.defineXML,
                           "<domain type='test'><memory>1</memory></domain>")
        result = errors.translate(err)
        self.assertEqual("Hypervisor error: missing name information", str(result))

    def test_closed_connection_is_hypervisor_unavailable(self):
        conn = libvirt.open(URI)
        conn.close()
        err = self.provoke(conn.listAllDomains)
        self.assertTrue(errors.is_connection_error(err))
        result = errors.translate(err, host="test:///default")
        self.assertIsInstance(result, exception.HypervisorUnavailable)
        self.assertIn("test:///default", str(result))

    def test_ordinary_errors_are_not_connection_errors(self):
        err = self.provoke(self.conn.lookupByName, "vdtest-no-such-domain")
        self.assertFalse(errors.is_connection_error(err))
        self.assertFalse(errors.is_connection_error(ValueError("x")))


class TestTranslated(TestDriverCase):

    def test_raises_translation_chained_to_libvirt_error(self):
        missing = str(uuid.uuid4())
        with testtools.ExpectedException(exception.InstanceNotFound):
            try:
                with errors.translated(instance_id=missing, operation="look up"):
                    self.conn.lookupByUUIDString(missing)
            except exception.InstanceNotFound as err:
                self.assertIsInstance(err.__cause__, libvirt.libvirtError)
                self.assertIn(missing, str(err))
                raise

    def test_other_exceptions_pass_through(self):
        def body():
            with errors.translated():
                raise KeyError("not libvirt")
        self.assertRaises(KeyError, body)

    def test_returns_normally_without_error(self):
        with errors.translated():
            name = self.conn.getType()
        self.assertEqual("TEST", name)


class TestTranslateConditionsTheTestDriverLacks(testtools.TestCase):
    """Conditions only a daemon or a guest agent produce."""

    def assertTranslates(self, expected, err, **kwargs):
        result = errors.translate(err, **kwargs)
        self.assertIs(expected, type(result), result)
        return result

    def test_rpc_system_error_is_connection_error(self):
        err = fake_error(libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_RPC,
                         "Cannot write data: Broken pipe")
        self.assertTrue(errors.is_connection_error(err))
        result = self.assertTranslates(exception.HypervisorUnavailable, err,
                                       host="qemu:///system")
        self.assertIn("qemu:///system", str(result))

    def test_remote_internal_error_is_connection_error(self):
        err = fake_error(libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_REMOTE,
                         "client socket is closed")
        self.assertTrue(errors.is_connection_error(err))

    def test_internal_error_elsewhere_is_not(self):
        err = fake_error(libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_QEMU,
                         "internal error: qemu unexpectedly closed the monitor")
        self.assertFalse(errors.is_connection_error(err))
        self.assertTranslates(exception.HypervisorError, err)

    def test_connection_messages_whatever_the_code(self):
        for message in ("internal error: connection closed due to keepalive",
                        "Cannot recv data: Connection reset by peer",
                        "End of file while reading data: Input/output error"):
            err = fake_error(libvirt.VIR_ERR_OPERATION_FAILED,
                             libvirt.VIR_FROM_QEMU, message)
            self.assertTrue(errors.is_connection_error(err), message)

    def test_no_connect_is_connection_error(self):
        err = fake_error(libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_FROM_NONE,
                         "no connection driver available for bogus:///")
        self.assertTranslates(exception.HypervisorUnavailable, err)

    def test_agent_unresponsive_is_not_supported_naming_the_agent(self):
        err = fake_error(libvirt.VIR_ERR_AGENT_UNRESPONSIVE, libvirt.VIR_FROM_QEMU,
                         "Guest agent is not responding: timeout")
        result = self.assertTranslates(exception.NotSupported, err,
                                       operation="set admin password")
        self.assertEqual("set admin password", result.operation)
        self.assertIn("guest agent:", str(result))

    def test_agent_not_configured_is_not_supported(self):
        err = fake_error(libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, libvirt.VIR_FROM_QEMU,
                         "argument unsupported: QEMU guest agent is not configured")
        result = self.assertTranslates(exception.NotSupported, err,
                                       operation="quiesce")
        self.assertIn("guest agent: ", str(result))

    def test_operation_unsupported(self):
        err = fake_error(libvirt.VIR_ERR_OPERATION_UNSUPPORTED,
                         libvirt.VIR_FROM_QEMU, "Operation not supported: NMI")
        self.assertTranslates(exception.NotSupported, err)

    def test_dom_exist(self):
        err = fake_error(libvirt.VIR_ERR_DOM_EXIST, libvirt.VIR_FROM_DOMAIN,
                         "domain exists")
        result = self.assertTranslates(exception.InstanceExists, err,
                                       instance_id="abc")
        self.assertIn("abc", str(result))

    def test_config_unsupported_is_hypervisor_error(self):
        err = fake_error(libvirt.VIR_ERR_CONFIG_UNSUPPORTED, libvirt.VIR_FROM_QEMU,
                         "unsupported configuration: bad bus")
        result = self.assertTranslates(exception.HypervisorError, err)
        self.assertEqual("Hypervisor error: unsupported configuration: bad bus",
                         str(result))

    def test_non_libvirt_error(self):
        result = errors.translate(RuntimeError("odd"))
        self.assertEqual("Hypervisor error: odd", str(result))
