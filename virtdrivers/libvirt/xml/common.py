"""Elements shared by domain and storage XML: ``<host>`` and ``<auth>``."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLProperty


class SourceHost(XMLObject):
    """``<host>`` of a network disk or storage pool source (a Ceph monitor,
    an iSCSI portal, an NFS server...)."""

    TAG = "host"

    name = XMLProperty("@name")
    port = XMLProperty("@port", is_int=True)
    transport = XMLProperty("@transport")
    socket = XMLProperty("@socket")


class Auth(XMLObject):
    """``<auth>``: credentials by reference to a libvirt secret.

    ``type`` is used by storage pools (``chap``, ``ceph``); disks name the
    secret's usage type in ``secret_type`` instead. The secret value itself
    never appears in the XML.
    """

    TAG = "auth"

    type = XMLProperty("@type")
    username = XMLProperty("@username")
    secret_type = XMLProperty("./secret/@type")
    secret_uuid = XMLProperty("./secret/@uuid")
    secret_usage = XMLProperty("./secret/@usage")
