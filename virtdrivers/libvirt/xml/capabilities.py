"""``<capabilities>``: the host and the guests it can run.

This is ``virConnectGetCapabilities``: host CPU and NUMA topology, and one
``<guest>`` per (os type, architecture) with its emulator, machines and
domain types. Data access only; what to do with it is the caller's choice.
"""

from virtdrivers.libvirt.xml import xpath
from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLChild
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLListProperty
from virtdrivers.libvirt.xml.properties import XMLProperty
from virtdrivers.libvirt.xml.properties import XMLSizeProperty


class HostCPU(XMLObject):
    """The host ``<cpu>``: ``features`` are names; ``page_sizes`` in KiB."""

    TAG = "cpu"
    CHILD_ORDER = (
        "arch", "model", "vendor", "microcode", "signature", "counter",
        "topology", "maxphysaddr", "feature", "features", "pages",
    )

    arch = XMLProperty("./arch")
    model = XMLProperty("./model")
    vendor = XMLProperty("./vendor")
    sockets = XMLProperty("./topology/@sockets", is_int=True)
    dies = XMLProperty("./topology/@dies", is_int=True)
    cores = XMLProperty("./topology/@cores", is_int=True)
    threads = XMLProperty("./topology/@threads", is_int=True)
    features = XMLListProperty("./feature/@name")
    page_sizes = XMLListProperty("./pages/@size", is_int=True)

    @property
    def feature_flags(self):
        """The tags under ``<features>`` (``pae``, ``vmx``...), which some
        drivers report instead of ``<feature name=...>``."""
        return [n.tag for n in self._find_all(xpath.parse("./features/*"))]


class CellCPU(XMLObject):
    """``<cpu id=... socket_id=... core_id=... siblings=...>`` of a cell."""

    TAG = "cpu"

    id = XMLProperty("@id", is_int=True)
    socket_id = XMLProperty("@socket_id", is_int=True)
    die_id = XMLProperty("@die_id", is_int=True)
    core_id = XMLProperty("@core_id", is_int=True)
    siblings = XMLProperty("@siblings")


class NUMACell(XMLObject):
    """A NUMA ``<cell>``: ``memory`` in KiB and its ``cpus``.

    ``cpus_num`` is the ``num`` attribute as written; it is not kept in step
    with ``cpus`` automatically.
    """

    TAG = "cell"
    CHILD_ORDER = ("memory", "pages", "distances", "cpus")

    id = XMLProperty("@id", is_int=True)
    memory = XMLSizeProperty("./memory", "KiB")
    cpus_num = XMLProperty("./cpus/@num", is_int=True)
    cpus = XMLChildList(CellCPU, "./cpus/cpu")

    @property
    def cpu_ids(self):
        """The ids of this cell's CPUs."""
        return [cpu.id for cpu in self.cpus]


class HostCapabilities(XMLObject):
    """The ``<host>`` part: uuid, CPU, NUMA cells, security models."""

    TAG = "host"
    CHILD_ORDER = (
        "uuid", "cpu", "power_management", "iommu", "migration_features",
        "topology", "cache", "memory_bandwidth", "secmodel",
    )

    uuid = XMLProperty("./uuid")
    cpu = XMLChild(HostCPU)
    iommu = XMLProperty("./iommu/@support", is_yesno=True)
    live_migration = XMLProperty("./migration_features/live", is_bool=True)
    uri_transports = XMLListProperty(
        "./migration_features/uri_transports/uri_transport"
    )
    cells_num = XMLProperty("./topology/cells/@num", is_int=True)
    cells = XMLChildList(NUMACell, "./topology/cells/cell")
    secmodels = XMLListProperty("./secmodel/model")


class GuestMachine(XMLObject):
    """``<machine canonical=... maxCpus=...>name</machine>``."""

    TAG = "machine"

    name = XMLProperty(".")
    canonical = XMLProperty("@canonical")
    max_cpus = XMLProperty("@maxCpus", is_int=True)
    deprecated = XMLProperty("@deprecated", is_yesno=True)


class GuestDomain(XMLObject):
    """``<domain type='kvm'>``, optionally with its own emulator/machines."""

    TAG = "domain"
    CHILD_ORDER = ("emulator", "machine")

    type = XMLProperty("@type")
    emulator = XMLProperty("./emulator")
    machines = XMLChildList(GuestMachine)


class GuestCapabilities(XMLObject):
    """One ``<guest>``: an os type on an architecture.

    ``feature_names`` lists the ``<features>`` children (``pae``, ``acpi``,
    ``disksnapshot``...).
    """

    TAG = "guest"
    CHILD_ORDER = (
        "os_type", "arch", "features",
        "arch/wordsize", "arch/emulator", "arch/loader", "arch/machine",
        "arch/domain",
    )

    os_type = XMLProperty("./os_type")
    arch = XMLProperty("./arch/@name")
    wordsize = XMLProperty("./arch/wordsize", is_int=True)
    emulator = XMLProperty("./arch/emulator")
    loader = XMLProperty("./arch/loader")
    machines = XMLChildList(GuestMachine, "./arch/machine")
    domains = XMLChildList(GuestDomain, "./arch/domain")

    @property
    def domain_types(self):
        """The domain types (``qemu``, ``kvm``, ``xen``...) offered."""
        return [domain.type for domain in self.domains]

    @property
    def machine_names(self):
        """The machine type names offered by the default emulator."""
        return [machine.name for machine in self.machines]

    @property
    def feature_names(self):
        """The tags of the ``<features>`` children."""
        return [n.tag for n in self._find_all(xpath.parse("./features/*"))]


class Capabilities(XMLObject):
    """One ``<capabilities>`` document."""

    TAG = "capabilities"
    CHILD_ORDER = ("host", "guest")

    host = XMLChild(HostCapabilities)
    guests = XMLChildList(GuestCapabilities)

    def guests_for(self, os_type, arch=None):
        """Return the guests with ``os_type`` (and ``arch``, when given)."""
        return [
            guest for guest in self.guests
            if guest.os_type == os_type and arch in (None, guest.arch)
        ]
