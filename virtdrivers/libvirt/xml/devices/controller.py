"""``<controller>``: a bus controller (pci, usb, scsi, virtio-serial...)."""

from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLProperty


@register
class Controller(DeviceXML):
    """One ``<controller>``, identified by ``type`` and ``index``."""

    TAG = "controller"
    CHILD_ORDER = ("model", "driver", "target", *INFO_ORDER)

    type = XMLProperty("@type")
    index = XMLProperty("@index", is_int=True)
    model = XMLProperty("@model")
    ports = XMLProperty("@ports", is_int=True)
    vectors = XMLProperty("@vectors", is_int=True)
    driver_queues = XMLProperty("./driver/@queues", is_int=True)
