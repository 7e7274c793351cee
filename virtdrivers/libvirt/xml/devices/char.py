"""Character devices: ``<serial>``, ``<console>`` and ``<channel>``.

They share one source/target layout; only the target differs in meaning.
"""

from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLProperty


class CharDevice(DeviceXML):
    """Common part of the character devices.

    ``type`` is the host side (``pty``, ``file``, ``tcp``, ``unix``,
    ``spicevmc``...): ``file`` uses ``source_path``; ``tcp`` uses
    ``source_mode`` + ``source_host`` + ``source_service`` (+
    ``protocol_type``); ``unix`` uses ``source_mode`` + ``source_path``.
    """

    # libvirt's virDomainChrDefFormat order.
    CHILD_ORDER = ("source", "protocol", "log", "target", *INFO_ORDER)

    type = XMLProperty("@type")

    source_path = XMLProperty("./source/@path")
    source_mode = XMLProperty("./source/@mode")
    source_host = XMLProperty("./source/@host")
    source_service = XMLProperty("./source/@service")
    protocol_type = XMLProperty("./protocol/@type")

    log_file = XMLProperty("./log/@file")
    log_append = XMLProperty("./log/@append", is_onoff=True)

    target_type = XMLProperty("./target/@type")
    target_port = XMLProperty("./target/@port", is_int=True)


@register
class Serial(CharDevice):
    """``<serial>``: a guest serial port (``target_type`` e.g. ``isa-serial``)."""

    TAG = "serial"


@register
class Console(CharDevice):
    """``<console>``: a guest console (``target_type`` ``serial``, ``xen``,
    ``virtio``...)."""

    TAG = "console"


@register
class Channel(CharDevice):
    """``<channel>``: a host/guest channel (``target_type`` ``virtio`` with
    ``target_name`` ``org.qemu.guest_agent.0``, or ``xen``)."""

    TAG = "channel"

    target_name = XMLProperty("./target/@name")
    target_state = XMLProperty("./target/@state")
