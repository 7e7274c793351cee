"""``<clock>``: the guest clock and its timers."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLProperty


class ClockTimer(XMLObject):
    """``<timer>``: ``name`` (``rtc``, ``pit``, ``hpet``, ``kvmclock``...),
    whether it is ``present``, and its ``tickpolicy``."""

    TAG = "timer"

    name = XMLProperty("@name")
    present = XMLProperty("@present", is_yesno=True)
    tickpolicy = XMLProperty("@tickpolicy")
    track = XMLProperty("@track")


class DomainClock(XMLObject):
    """One ``<clock>``: ``offset`` is ``utc``, ``localtime``, ``timezone``
    (with ``timezone``) or ``variable`` (with ``adjustment``)."""

    TAG = "clock"

    offset = XMLProperty("@offset")
    timezone = XMLProperty("@timezone")
    adjustment = XMLProperty("@adjustment")
    basis = XMLProperty("@basis")
    timers = XMLChildList(ClockTimer)
