"""Storage pools and volumes: ``<pool>`` and ``<volume>``.

Sizes are in bytes whatever unit the XML uses.
"""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.common import Auth
from virtdrivers.libvirt.xml.common import SourceHost
from virtdrivers.libvirt.xml.properties import XMLChild
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLListProperty
from virtdrivers.libvirt.xml.properties import XMLProperty
from virtdrivers.libvirt.xml.properties import XMLSizeProperty


class Permissions(XMLObject):
    """``<permissions>`` of a pool or volume target: ``mode`` is the octal
    string as written (``'0644'``); ``owner``/``group`` are numeric ids."""

    TAG = "permissions"
    CHILD_ORDER = ("mode", "owner", "group", "label")

    mode = XMLProperty("./mode")
    owner = XMLProperty("./owner", is_int=True)
    group = XMLProperty("./group", is_int=True)
    label = XMLProperty("./label")


class PoolSource(XMLObject):
    """A pool's ``<source>``: devices, hosts, directory, name, format, auth."""

    TAG = "source"
    # libvirt's virStoragePoolSourceFormat order.
    CHILD_ORDER = (
        "host", "device", "dir", "adapter", "name", "format", "auth",
        "vendor", "product",
    )

    hosts = XMLChildList(SourceHost)
    device_paths = XMLListProperty("./device/@path")
    dir = XMLProperty("./dir/@path")
    name = XMLProperty("./name")
    format = XMLProperty("./format/@type")
    auth = XMLChild(Auth)


class StoragePool(XMLObject):
    """One ``<pool>``: ``type`` is ``dir``, ``logical``, ``rbd``, ``netfs``..."""

    TAG = "pool"
    CHILD_ORDER = (
        "name", "uuid", "capacity", "allocation", "available", "features",
        "source", "target", "target/path", "target/permissions",
    )

    type = XMLProperty("@type")
    name = XMLProperty("./name")
    uuid = XMLProperty("./uuid")
    capacity = XMLSizeProperty("./capacity", "bytes")
    allocation = XMLSizeProperty("./allocation", "bytes")
    available = XMLSizeProperty("./available", "bytes")
    source = XMLChild(PoolSource)
    target_path = XMLProperty("./target/path")
    target_permissions = XMLChild(Permissions, "./target/permissions")


class StorageVolume(XMLObject):
    """One ``<volume>``.

    ``format`` is the target format (``raw``, ``qcow2``...);
    ``backing_path``/``backing_format`` describe a copy-on-write backing
    file (``<backingStore>``).
    """

    TAG = "volume"
    # libvirt's virStorageVolDefFormat order.
    CHILD_ORDER = (
        "name", "key", "source", "capacity", "allocation", "physical",
        "target", "backingStore",
        "target/path", "target/format", "target/permissions",
        "backingStore/path", "backingStore/format", "backingStore/permissions",
    )

    type = XMLProperty("@type")
    name = XMLProperty("./name")
    key = XMLProperty("./key")
    capacity = XMLSizeProperty("./capacity", "bytes")
    allocation = XMLSizeProperty("./allocation", "bytes")
    physical = XMLSizeProperty("./physical", "bytes")
    path = XMLProperty("./target/path")
    format = XMLProperty("./target/format/@type")
    permissions = XMLChild(Permissions, "./target/permissions")
    backing_path = XMLProperty("./backingStore/path")
    backing_format = XMLProperty("./backingStore/format/@type")
