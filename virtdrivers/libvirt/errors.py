"""libvirtError in, one :class:`~virtdrivers.exception.VirtDriverError` out.

This is the only module that reads ``libvirtError.get_error_code()`` and
``get_error_domain()``. Everything else wraps its libvirt calls in
:func:`translated` (or calls :func:`translate`) and sees our exception tree::

    with errors.translated(instance_id=guest.uuid, operation="pause"):
        domain.suspend()

The original error is always chained (``raise ... from err``), so a traceback
still shows what libvirt said.
"""

import contextlib
import re

from virtdrivers import exception
from virtdrivers.libvirt.binding import libvirt


def _codes(*names):
    # getattr: an older libvirt-python may lack a newer constant; a missing
    # code can never be raised by that library anyway.
    return frozenset(
        getattr(libvirt, name) for name in names if hasattr(libvirt, name)
    )


_CONNECTION_CODES = _codes("VIR_ERR_NO_CONNECT", "VIR_ERR_INVALID_CONN")
# System and internal errors are connection problems only when they come
# from the RPC layer (a daemon that went away, a broken socket).
_RPC_CODES = _codes("VIR_ERR_SYSTEM_ERROR", "VIR_ERR_INTERNAL_ERROR")
_RPC_DOMAINS = _codes("VIR_FROM_REMOTE", "VIR_FROM_RPC")
_CONNECTION_MESSAGES = (
    "connection closed",
    "cannot recv data",
    "end of file while reading data",
)

_NO_DOMAIN = _codes("VIR_ERR_NO_DOMAIN")
_DOMAIN_EXISTS = _codes("VIR_ERR_DOM_EXIST")
_OPERATION_FAILED = _codes("VIR_ERR_OPERATION_FAILED")
_INVALID_STATE = _codes("VIR_ERR_OPERATION_INVALID")
_INTERNAL = _codes("VIR_ERR_INTERNAL_ERROR")
_AGENT = _codes("VIR_ERR_AGENT_UNRESPONSIVE", "VIR_ERR_AGENT_UNSYNCED")
_UNSUPPORTED = _codes(
    "VIR_ERR_NO_SUPPORT",
    "VIR_ERR_ARGUMENT_UNSUPPORTED",
    "VIR_ERR_OPERATION_UNSUPPORTED",
)
_INVALID_ARG = _codes("VIR_ERR_INVALID_ARG")
_NOT_FOUND = _codes(
    "VIR_ERR_NO_STORAGE_POOL",
    "VIR_ERR_NO_STORAGE_VOL",
    "VIR_ERR_NO_DOMAIN_SNAPSHOT",
    "VIR_ERR_NO_DOMAIN_CHECKPOINT",
    "VIR_ERR_NO_NETWORK",
    "VIR_ERR_NO_NETWORK_PORT",
    "VIR_ERR_NO_SECRET",
    "VIR_ERR_NO_NODE_DEVICE",
    "VIR_ERR_NO_INTERFACE",
    "VIR_ERR_NO_NWFILTER",
    "VIR_ERR_NO_NWFILTER_BINDING",
    "VIR_ERR_NO_DOMAIN_METADATA",
)

# libvirt reports a second definition with an existing name or uuid as
# VIR_ERR_OPERATION_FAILED ("domain 'x' already exists with uuid ...",
# "domain 'x' is already defined with uuid ..."), not VIR_ERR_DOM_EXIST.
_EXISTS_RE = re.compile(r"domain '(?P<name>[^']*)' (already exists|is already defined)")
# The test driver (test:///) reports state errors as internal errors
# ("domain 'x' not running"), where QEMU says VIR_ERR_OPERATION_INVALID.
_TEST_STATE_RE = re.compile(
    r"domain '[^']*' (is )?(not running|not paused|already running)", re.IGNORECASE
)
# virCheckFlags: a flag this driver or version does not know.
_FLAGS_RE = re.compile(r"unsupported flags")
_AGENT_RE = re.compile(r"guest agent", re.IGNORECASE)


def _message(err):
    return err.get_error_message() or str(err)


def is_connection_error(err):
    """Return True when ``err`` means the connection itself is unusable.

    A libvirtd restart, a broken socket or a closed connection object all
    qualify; the caller should drop the connection and open a new one.
    """
    if not isinstance(err, libvirt.libvirtError):
        return False
    code, domain = err.get_error_code(), err.get_error_domain()
    if code in _CONNECTION_CODES:
        return True
    if code in _RPC_CODES and domain in _RPC_DOMAINS:
        return True
    text = _message(err).lower()
    return any(fragment in text for fragment in _CONNECTION_MESSAGES)


def _exists(code, text, instance_id):
    if code in _DOMAIN_EXISTS:
        return exception.InstanceExists(name=instance_id or text)
    match = _EXISTS_RE.search(text) if code in _OPERATION_FAILED else None
    if match:
        return exception.InstanceExists(name=match.group("name"))
    return None


def _invalid_state(code, text, instance_id, operation):
    if code in _INVALID_STATE or (code in _INTERNAL and _TEST_STATE_RE.search(text)):
        return exception.InstanceInvalidState(
            instance_uuid=instance_id or "(unknown)",
            attr="state",
            state="(libvirt: %s)" % text,
            method=operation or "perform this operation",
        )
    return None


def _unsupported(code, text, operation):
    operation = operation or "this operation"
    if code in _AGENT or (code in _UNSUPPORTED and _AGENT_RE.search(text)):
        return exception.NotSupported(
            operation=operation, reason="guest agent: %s" % text
        )
    if code in _UNSUPPORTED or (code in _INVALID_ARG and _FLAGS_RE.search(text)):
        return exception.NotSupported(operation=operation, reason=text)
    return None


def translate(err, instance_id=None, operation=None, host=None):
    """Return the :class:`~virtdrivers.exception.VirtDriverError` for ``err``.

    :param err: a ``libvirt.libvirtError`` (anything else becomes a
        :class:`~virtdrivers.exception.HypervisorError` with its text).
    :param instance_id: the uuid of the instance concerned, if any.
    :param operation: what was being done ("pause", "attach device"...),
        named in NotSupported and InstanceInvalidState messages.
    :param host: the hypervisor (URI or host name) for
        :class:`~virtdrivers.exception.HypervisorUnavailable`.
    :returns: an exception to raise (``raise translate(err) from err``):
        HypervisorUnavailable, InstanceNotFound, InstanceExists,
        InstanceInvalidState, NotSupported, NotFound or HypervisorError.
    """
    if not isinstance(err, libvirt.libvirtError):
        return exception.HypervisorError(reason=str(err))
    text = _message(err)
    code = err.get_error_code()
    if is_connection_error(err):
        return exception.HypervisorUnavailable(host=host or "(unknown)")
    if code in _NO_DOMAIN:
        if instance_id:
            return exception.InstanceNotFound(instance_id=instance_id)
        return exception.InstanceNotFound(text, instance_id=None)
    translated_err = (
        _exists(code, text, instance_id)
        or _invalid_state(code, text, instance_id, operation)
        or _unsupported(code, text, operation)
    )
    if translated_err is not None:
        return translated_err
    if code in _NOT_FOUND:
        return exception.NotFound(text)
    # XML and configuration errors (VIR_ERR_XML_ERROR, _XML_DETAIL,
    # _CONFIG_UNSUPPORTED, _INVALID_ARG...) and anything else.
    return exception.HypervisorError(reason=text)


@contextlib.contextmanager
def translated(instance_id=None, operation=None, host=None):
    """Run the ``with`` body; re-raise a libvirtError as :func:`translate` says.

    Other exceptions pass through untouched.
    """
    try:
        yield
    except libvirt.libvirtError as err:
        raise translate(
            err, instance_id=instance_id, operation=operation, host=host
        ) from err


_ABORTED = _codes("VIR_ERR_OPERATION_ABORTED")


def translate_migration(err, instance_id, dest):
    """The error of a failed live migration of *instance_id* to *dest*.

    Unlike :func:`translate`, a connection error here is the source's
    libvirtd failing to reach the destination, not this host's hypervisor
    going away: it names *dest*.

    :returns: InstanceNotFound (the guest vanished), or MigrationError
        saying whether it was aborted and what libvirt said.
    """
    if not isinstance(err, libvirt.libvirtError):
        return exception.MigrationError(reason=str(err))
    code = err.get_error_code()
    if code in _NO_DOMAIN:
        return exception.InstanceNotFound(instance_id=instance_id)
    what = "was aborted" if code in _ABORTED else "failed"
    return exception.MigrationError(
        reason="live migration of instance %s to %s %s: %s"
        % (instance_id, dest, what, _message(err)))
