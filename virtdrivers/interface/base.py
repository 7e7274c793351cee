"""What every interface mixin relies on."""

import abc

from virtdrivers import capabilities as caps
from virtdrivers import exception


class InterfaceBase(metaclass=abc.ABCMeta):  # noqa: B024 - mixins add them
    """Provides :meth:`_unsupported`, used by every optional method."""

    def _unsupported(self, method, reason=None):
        """Raise ``NotSupported`` for *method*, naming its operation."""
        operation = caps.OPERATION_BY_METHOD.get(method, method)
        raise exception.NotSupported(
            operation=operation,
            reason=reason or '%s (%s) does not implement %s' % (
                getattr(self, 'driver_name', type(self).__name__),
                type(self).__name__, method))
