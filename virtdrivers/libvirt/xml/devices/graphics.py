"""``<graphics>``: the guest display (VNC, SPICE...).

The ``passwd`` attribute is a secret: :meth:`XMLObject.redacted_xml` and
``repr()`` mask it; log only those, never :meth:`XMLObject.to_xml`.
"""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLProperty


class GraphicsListen(XMLObject):
    """``<listen>``: one listen address (``type`` ``address``, ``network``,
    ``socket`` or ``none``)."""

    TAG = "listen"

    type = XMLProperty("@type")
    address = XMLProperty("@address")
    network = XMLProperty("@network")
    socket = XMLProperty("@socket")


@register
class Graphics(DeviceXML):
    """One ``<graphics>``.

    ``listen`` is the legacy attribute; libvirt mirrors it into the first
    ``<listen type='address'>`` of ``listens`` when it parses the XML.
    """

    TAG = "graphics"
    CHILD_ORDER = ("listen", "channel", "image", "gl", *INFO_ORDER)

    type = XMLProperty("@type")
    port = XMLProperty("@port", is_int=True)
    tls_port = XMLProperty("@tlsPort", is_int=True)
    autoport = XMLProperty("@autoport", is_yesno=True)
    listen = XMLProperty("@listen")
    keymap = XMLProperty("@keymap")
    passwd = XMLProperty("@passwd", doc="Secret: never log it.")
    passwd_valid_to = XMLProperty("@passwdValidTo")
    listens = XMLChildList(GraphicsListen)
