"""``<video>``: the guest video adapter."""

from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLProperty


@register
class Video(DeviceXML):
    """One ``<video>``; memory sizes are in KiB, as libvirt writes them."""

    TAG = "video"
    CHILD_ORDER = ("driver", "model", *INFO_ORDER)

    model_type = XMLProperty("./model/@type")
    vram = XMLProperty("./model/@vram", is_int=True)
    ram = XMLProperty("./model/@ram", is_int=True)
    vgamem = XMLProperty("./model/@vgamem", is_int=True)
    heads = XMLProperty("./model/@heads", is_int=True)
    primary = XMLProperty("./model/@primary", is_yesno=True)
