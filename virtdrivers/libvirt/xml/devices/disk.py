"""``<disk>``: a block device of the guest (disk, cdrom, floppy, lun)."""

from virtdrivers.libvirt.xml.common import Auth
from virtdrivers.libvirt.xml.common import SourceHost
from virtdrivers.libvirt.xml.devices.base import INFO_ORDER
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.properties import XMLChild
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLProperty


@register
class Disk(DeviceXML):
    """One ``<disk>``.

    ``type`` says where the data is (``file``, ``block``, ``network``,
    ``volume``) and so which ``source_*`` properties apply: ``source_file``,
    ``source_dev``, ``source_protocol`` + ``source_name`` + ``source_hosts``,
    or ``source_pool`` + ``source_volume``.
    """

    TAG = "disk"
    # libvirt's virDomainDiskDefFormat order.
    CHILD_ORDER = (
        "driver", "auth", "source", "source/host", "source/auth",
        "backingStore", "backenddomain", "geometry", "blockio", "mirror",
        "target", "iotune", "readonly", "shareable", "transient", "serial",
        "wwn", "vendor", "product", "encryption", *INFO_ORDER,
    )

    type = XMLProperty("@type")
    device = XMLProperty("@device")
    snapshot = XMLProperty("@snapshot")

    driver_name = XMLProperty("./driver/@name")
    driver_type = XMLProperty("./driver/@type")
    driver_cache = XMLProperty("./driver/@cache")
    driver_discard = XMLProperty("./driver/@discard")
    driver_io = XMLProperty("./driver/@io")

    auth = XMLChild(Auth, doc="Disk-level ``<auth>`` (rbd, iscsi).")

    source_file = XMLProperty("./source/@file")
    source_dev = XMLProperty("./source/@dev")
    source_dir = XMLProperty("./source/@dir")
    source_pool = XMLProperty("./source/@pool")
    source_volume = XMLProperty("./source/@volume")
    source_protocol = XMLProperty("./source/@protocol")
    source_name = XMLProperty("./source/@name")
    source_hosts = XMLChildList(SourceHost, "./source/host")

    target_dev = XMLProperty("./target/@dev")
    target_bus = XMLProperty("./target/@bus")

    readonly = XMLProperty("./readonly", is_bool=True)
    shareable = XMLProperty("./shareable", is_bool=True)
    serial = XMLProperty("./serial")
    boot_order = XMLProperty("./boot/@order", is_int=True)
