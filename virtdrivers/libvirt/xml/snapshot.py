"""``<domainsnapshot>``: a snapshot request, or one libvirt reports."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLProperty


class SnapshotDisk(XMLObject):
    """``<disk name='vda' snapshot='external'>`` of a snapshot.

    ``snapshot`` is ``no``, ``internal``, ``external`` or ``manual``; an
    external one names its overlay in ``source_file`` and ``driver_type``.
    """

    TAG = "disk"
    CHILD_ORDER = ("driver", "source")

    name = XMLProperty("@name")
    snapshot = XMLProperty("@snapshot")
    type = XMLProperty("@type")
    driver_type = XMLProperty("./driver/@type")
    source_file = XMLProperty("./source/@file")
    source_dev = XMLProperty("./source/@dev")


class DomainSnapshot(XMLObject):
    """One ``<domainsnapshot>``.

    ``memory_snapshot`` is ``no``, ``internal`` or ``external`` (then
    ``memory_file``). A snapshot read back from libvirt also carries the
    ``<domain>`` it was taken of; it is kept, not modelled.
    """

    TAG = "domainsnapshot"
    # libvirt's virDomainSnapshotDefFormatInternal order.
    CHILD_ORDER = (
        "name", "description", "state", "parent", "creationTime", "memory",
        "disks", "domain", "inactiveDomain", "cookie", "active",
    )

    name = XMLProperty("./name")
    description = XMLProperty("./description")
    state = XMLProperty("./state")
    parent = XMLProperty("./parent/name")
    creation_time = XMLProperty("./creationTime", is_int=True)
    memory_snapshot = XMLProperty("./memory/@snapshot")
    memory_file = XMLProperty("./memory/@file")
    disks = XMLChildList(SnapshotDisk, "./disks/disk")
    domain_name = XMLProperty("./domain/name")
