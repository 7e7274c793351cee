"""``<rng>``: a virtual random number generator."""

from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLProperty


@register
class Rng(DeviceXML):
    """One ``<rng>``.

    ``backend_model`` ``random`` reads ``backend_path`` (the element text,
    e.g. ``/dev/urandom``); ``rate_bytes`` per ``rate_period`` ms limits it.
    """

    TAG = "rng"
    # libvirt formats <rate> before <backend>.
    CHILD_ORDER = ("driver", "rate", "backend", *INFO_ORDER)

    model = XMLProperty("@model")
    backend_model = XMLProperty("./backend/@model")
    backend_path = XMLProperty("./backend")
    rate_bytes = XMLProperty("./rate/@bytes", is_int=True)
    rate_period = XMLProperty("./rate/@period", is_int=True)
