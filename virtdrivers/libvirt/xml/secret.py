"""``<secret>``: the definition of a libvirt secret.

Only the definition is XML; the value is set and read through the secret
API (``virSecretSetValue``), never written here.
"""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLProperty


class Secret(XMLObject):
    """``<secret>``: a libvirt secret (only its definition, never its
    value, is XML).

    ``private`` secrets cannot be read back through libvirt; ``usage_type``
    (``ceph``, ``volume``, ``iscsi``, ``tls``, ``vtpm``) says what
    ``usage_name`` names (a Ceph secret's name, for ``ceph``).
    """

    TAG = "secret"
    CHILD_ORDER = ("description", "uuid", "usage")

    ephemeral = XMLProperty("@ephemeral", is_yesno=True)
    private = XMLProperty("@private", is_yesno=True)
    description = XMLProperty("./description")
    uuid = XMLProperty("./uuid")
    usage_type = XMLProperty("./usage/@type")
    usage_name = XMLProperty("./usage/name")
