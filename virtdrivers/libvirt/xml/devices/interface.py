"""``<interface>``: a guest network interface."""

from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLProperty


@register
class Interface(DeviceXML):
    """One ``<interface>``.

    ``type`` (``bridge``, ``network``, ``ethernet``, ``direct``,
    ``vhostuser``...) says which ``source_*`` properties apply.
    """

    TAG = "interface"
    # libvirt's virDomainNetDefFormat order.
    CHILD_ORDER = (
        "mac", "source", "virtualport", "ip", "route", "script", "downscript",
        "backenddomain", "target", "guest", "model", "driver", "backend",
        "filterref", "tune", "teaming", "link", "mtu", "coalesce", *INFO_ORDER,
    )

    type = XMLProperty("@type")
    mac = XMLProperty("./mac/@address")

    source_bridge = XMLProperty("./source/@bridge")
    source_network = XMLProperty("./source/@network")
    source_dev = XMLProperty("./source/@dev")
    source_mode = XMLProperty("./source/@mode")
    # vhostuser: <source type='unix' path='...' mode='server|client'/>
    source_type = XMLProperty("./source/@type")
    source_path = XMLProperty("./source/@path")

    script = XMLProperty("./script/@path")
    target_dev = XMLProperty("./target/@dev")
    model = XMLProperty("./model/@type")
    driver_name = XMLProperty("./driver/@name")
    driver_queues = XMLProperty("./driver/@queues", is_int=True)
    filterref = XMLProperty("./filterref/@filter")
    link_state = XMLProperty("./link/@state")
    mtu = XMLProperty("./mtu/@size", is_int=True)
    boot_order = XMLProperty("./boot/@order", is_int=True)
