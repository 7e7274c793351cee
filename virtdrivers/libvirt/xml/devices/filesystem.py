"""``<filesystem>``: a host directory or image exported to the guest.

Containers (Parallels ``exe``, LXC) get their root file system this way.
"""

from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLProperty


@register
class Filesystem(DeviceXML):
    """One ``<filesystem>``.

    ``type`` is ``mount`` (``source_dir``), ``file`` (``source_file``, e.g. a
    ploop image with ``driver_type='ploop'``), ``block``, ``ram``...
    """

    TAG = "filesystem"
    CHILD_ORDER = ("driver", "binary", "source", "target", "readonly", *INFO_ORDER)

    type = XMLProperty("@type")
    accessmode = XMLProperty("@accessmode")

    driver_type = XMLProperty("./driver/@type")
    driver_format = XMLProperty("./driver/@format")

    source_file = XMLProperty("./source/@file")
    source_dir = XMLProperty("./source/@dir")
    source_dev = XMLProperty("./source/@dev")

    target_dir = XMLProperty("./target/@dir")
    readonly = XMLProperty("./readonly", is_bool=True)
