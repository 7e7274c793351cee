"""``<input>``: a guest input device."""

from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLProperty


@register
class Input(DeviceXML):
    """One ``<input>``: ``type`` ``tablet``, ``mouse``, ``keyboard``...;
    ``bus`` ``usb``, ``ps2``, ``virtio``, ``xen``..."""

    TAG = "input"

    type = XMLProperty("@type")
    bus = XMLProperty("@bus")
