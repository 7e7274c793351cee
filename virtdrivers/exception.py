"""The one exception tree of virtdrivers.

Every error a driver lets out is a :class:`VirtDriverError`. A subclass sets
``msg_fmt``, a ``%``-format string filled from the keyword arguments given to
the constructor, so the message always names the bad value::

    raise InstanceNotFound(instance_id=instance.uuid)

Backends translate their library's errors into this tree in one module each
(``libvirt/errors.py``, ...) and always chain the original (``raise ... from``).
"""


class VirtDriverError(Exception):
    """Base of every virtdrivers error.

    :param message: a ready message; when omitted, ``msg_fmt % kwargs``.
    :param kwargs: the values named in ``msg_fmt``; kept in ``self.kwargs``.
    """

    msg_fmt = "An unknown error occurred."

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                # A wrong call site must not hide the error being raised:
                # keep the format and show what we were given.
                message = "%s (%s)" % (self.msg_fmt, ", ".join(
                    "%s=%r" % item for item in sorted(kwargs.items())))
        self.message = str(message)
        super().__init__(self.message)

    def __str__(self):
        return self.message


class NotFound(VirtDriverError):
    msg_fmt = "Resource could not be found."


class Invalid(VirtDriverError):
    msg_fmt = "Invalid value."


class InvalidInput(Invalid):
    msg_fmt = "Invalid input received: %(reason)s"


class InstanceNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s could not be found."


class InstanceExists(Invalid):
    msg_fmt = "Instance %(name)s already exists."


class InstanceInvalidState(Invalid):
    msg_fmt = ("Instance %(instance_uuid)s in %(attr)s %(state)s. Cannot "
               "%(method)s while the instance is in this state.")


class NotSupported(VirtDriverError, NotImplementedError):
    """The driver (or this instance's kind) does not support the operation.

    It is also a ``NotImplementedError`` so that a Nova compute manager,
    which catches that for optional operations, handles it unchanged.
    """

    msg_fmt = "%(operation)s is not supported: %(reason)s"

    def __init__(self, message=None, operation=None, reason=None, **kwargs):
        super().__init__(message, operation=operation,
                         reason=reason or "not supported by this driver",
                         **kwargs)
        self.operation = operation


class ConfigurationError(VirtDriverError):
    msg_fmt = "Configuration error: %(reason)s"


class HypervisorUnavailable(VirtDriverError):
    msg_fmt = "Connection to the hypervisor is broken on host %(host)s"


class HypervisorError(VirtDriverError):
    msg_fmt = "Hypervisor error: %(reason)s"


class InvalidImage(Invalid):
    msg_fmt = "Image %(image_id)s is unacceptable: %(reason)s"


class ImageNotFound(NotFound):
    msg_fmt = "Image %(image_id)s could not be found."


class ImageDownloadError(VirtDriverError):
    msg_fmt = "Download of image %(image_id)s failed: %(reason)s"


class ImageBackendError(VirtDriverError):
    msg_fmt = "Image backend %(backend)s failed: %(reason)s"


class InsufficientStorage(ImageBackendError):
    msg_fmt = "Not enough space for %(what)s at %(path)s: %(reason)s"


class VolumeError(VirtDriverError):
    msg_fmt = "Volume %(volume_id)s: %(reason)s"


class MigrationError(VirtDriverError):
    msg_fmt = "Migration error: %(reason)s"


class MigrationPreCheckError(MigrationError):
    msg_fmt = "Migration pre-check error: %(reason)s"


class ConsoleNotAvailable(NotFound):
    msg_fmt = "Console of instance %(instance_id)s is not available: %(reason)s"


class InstancePowerOffFailure(HypervisorError):
    msg_fmt = "Failed to power off instance %(instance_id)s: %(reason)s"


class InstanceRebootFailure(HypervisorError):
    msg_fmt = "Failed to reboot instance %(instance_id)s: %(reason)s"


class SpawnError(VirtDriverError):
    msg_fmt = "Failed to spawn instance %(instance_id)s: %(reason)s"


class InstanceEventTimeout(VirtDriverError, TimeoutError):
    msg_fmt = ("Timed out after %(timeout)ss waiting for %(events)s of "
               "instance %(instance_id)s")
