"""``<memballoon>``: the memory balloon device."""

from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLProperty


@register
class MemBalloon(DeviceXML):
    """One ``<memballoon>``: ``model`` ``virtio``, ``xen`` or ``none``;
    ``stats_period`` in seconds (0 disables statistics)."""

    TAG = "memballoon"
    # libvirt formats <stats>, then alias and address, then <driver>.
    CHILD_ORDER = ("stats", *INFO_ORDER, "driver")

    model = XMLProperty("@model")
    autodeflate = XMLProperty("@autodeflate", is_onoff=True)
    stats_period = XMLProperty("./stats/@period", is_int=True)
