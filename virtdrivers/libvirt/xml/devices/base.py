"""What every device element has: an alias and an address.

Device classes register themselves by tag, so that parsing ``<devices>``
gives a :class:`~virtdrivers.libvirt.xml.devices.disk.Disk` for a ``<disk>``;
a tag nobody registered (``<tpm>``, ``<watchdog>``...) is wrapped in a plain
:class:`DeviceXML` and kept as it is.
"""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLChild
from virtdrivers.libvirt.xml.properties import XMLProperty

_REGISTRY = {}


def register(cls):
    """Class decorator: make ``cls`` the class used for ``<cls.TAG>``."""
    _REGISTRY[cls.TAG] = cls
    return cls


def device_class_for(tag):
    """Return the registered class for a device tag, else :class:`DeviceXML`."""
    return _REGISTRY.get(tag, DeviceXML)


class DeviceAddress(XMLObject):
    """``<address>``: where a device sits on its bus (pci, drive, usb...).

    Numeric fields are kept as libvirt writes them (``'0x01'``), because their
    base differs between address types.
    """

    TAG = "address"

    type = XMLProperty("@type")
    domain = XMLProperty("@domain")
    bus = XMLProperty("@bus")
    slot = XMLProperty("@slot")
    function = XMLProperty("@function")
    multifunction = XMLProperty("@multifunction", is_onoff=True)
    controller = XMLProperty("@controller")
    target = XMLProperty("@target")
    unit = XMLProperty("@unit")
    port = XMLProperty("@port")
    reg = XMLProperty("@reg")


# Every device element ends with these children, in this order; device
# classes list their own children first: CHILD_ORDER = (..., *INFO_ORDER).
INFO_ORDER = ("boot", "alias", "address")


class DeviceXML(XMLObject):
    """Any device element; the base class of the modelled devices.

    Wrapping requires an element unless the subclass has a ``TAG``.
    """

    CHILD_ORDER = INFO_ORDER

    alias = XMLProperty("./alias/@name")
    address = XMLChild(DeviceAddress)

    @property
    def tag(self):
        """The element name: ``'disk'``, ``'tpm'``..."""
        return self.element.tag
