"""``<cpu>`` of a domain: CPU model, topology and feature policy."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLProperty


class CPUFeature(XMLObject):
    """``<feature name=... policy=...>``; ``policy`` is one of ``force``,
    ``require``, ``optional``, ``disable``, ``forbid`` (absent on host CPUs)."""

    TAG = "feature"

    name = XMLProperty("@name")
    policy = XMLProperty("@policy")


class DomainCPU(XMLObject):
    """One guest ``<cpu>``.

    ``mode`` is ``custom`` (use ``model``), ``host-model``,
    ``host-passthrough`` or ``maximum``; topology numbers are per guest.
    """

    TAG = "cpu"
    # libvirt's virCPUDefFormatBuf order.
    CHILD_ORDER = (
        "model", "vendor", "topology", "cache", "maxphysaddr", "feature",
        "numa",
    )

    mode = XMLProperty("@mode")
    match = XMLProperty("@match")
    check = XMLProperty("@check")
    migratable = XMLProperty("@migratable", is_onoff=True)

    model = XMLProperty("./model")
    model_fallback = XMLProperty("./model/@fallback")
    vendor = XMLProperty("./vendor")

    sockets = XMLProperty("./topology/@sockets", is_int=True)
    dies = XMLProperty("./topology/@dies", is_int=True)
    cores = XMLProperty("./topology/@cores", is_int=True)
    threads = XMLProperty("./topology/@threads", is_int=True)

    features = XMLChildList(CPUFeature)
