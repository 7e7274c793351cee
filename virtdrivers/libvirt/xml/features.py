"""``<features>``: hypervisor features turned on or off for a domain."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLProperty


class DomainFeatures(XMLObject):
    """One ``<features>``.

    Flag features (``acpi``, ``apic``, ``pae``, ``hap``...) are True when
    their element is present. Features with a ``state`` attribute are
    tri-state: None (absent: the hypervisor's default), True or False.
    """

    TAG = "features"
    # libvirt's virDomainFeature order.
    CHILD_ORDER = (
        "acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm",
        "pvspinlock", "capabilities", "pmu", "vmport", "gic", "smm", "ioapic",
        "hpt", "vmcoreinfo", "htm", "nested-hv", "msrs", "ccf-assist", "xen",
        "cfpc", "sbbc", "ibs", "tcg", "async-teardown",
    )

    acpi = XMLProperty("./acpi", is_bool=True)
    apic = XMLProperty("./apic", is_bool=True)
    pae = XMLProperty("./pae", is_bool=True)
    hap = XMLProperty("./hap", is_bool=True)
    viridian = XMLProperty("./viridian", is_bool=True)
    privnet = XMLProperty("./privnet", is_bool=True)
    vmcoreinfo = XMLProperty("./vmcoreinfo", is_bool=True)

    hyperv_relaxed = XMLProperty("./hyperv/relaxed/@state", is_onoff=True)
    hyperv_vapic = XMLProperty("./hyperv/vapic/@state", is_onoff=True)
    hyperv_spinlocks = XMLProperty("./hyperv/spinlocks/@state", is_onoff=True)
    hyperv_spinlocks_retries = XMLProperty(
        "./hyperv/spinlocks/@retries", is_int=True
    )
    kvm_hidden = XMLProperty("./kvm/hidden/@state", is_onoff=True)
    pvspinlock = XMLProperty("./pvspinlock/@state", is_onoff=True)
    pmu = XMLProperty("./pmu/@state", is_onoff=True)
    vmport = XMLProperty("./vmport/@state", is_onoff=True)
    smm = XMLProperty("./smm/@state", is_onoff=True)
    ioapic_driver = XMLProperty("./ioapic/@driver")
    gic_version = XMLProperty("./gic/@version")
