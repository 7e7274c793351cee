"""``<domainCapabilities>``: what one emulator/machine/arch/virt-type offers.

This is ``virConnectGetDomainCapabilities``. Most of it is ``supported``
flags and ``<enum name=...><value>...</value></enum>`` lists, exposed here as
bools and lists of strings. Choosing among them is the builder's job.
"""

from virtdrivers.libvirt.xml import xpath
from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLChild
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLListProperty
from virtdrivers.libvirt.xml.properties import XMLProperty


def _quote(value):
    # Names come from our own code or libvirt; refuse anything that would
    # break out of the predicate rather than escape it.
    if "'" in value:
        raise ValueError("unsupported enum name %r" % value)
    return "'%s'" % value


class DomainCapsItem(XMLObject):
    """An element with ``supported='yes|no'`` and named enums.

    ``disk.enum('bus')`` gives ``['ide', 'scsi', 'virtio', ...]``.
    """

    CHILD_ORDER = ("value", "enum")

    supported = XMLProperty("@supported", is_yesno=True)

    def enum(self, name):
        """Return the values of ``<enum name=name>`` (empty when absent)."""
        return self._enum(name).__get__(self)

    def set_enum(self, name, values):
        """Replace the values of ``<enum name=name>`` (keeps the empty enum)."""
        prop = self._enum(name)
        prop.__set__(self, values)
        if not values:
            self._make(xpath.parse("./enum[@name=%s]" % _quote(name)))

    def enum_names(self):
        """Return the names of the enums present, in document order."""
        return [node.get("name") for node in self._find_all(xpath.parse("./enum"))]

    @classmethod
    def _enum(cls, name):
        prop = XMLListProperty("./enum[@name=%s]/value" % _quote(name))
        prop.__set_name__(cls, "enum")
        return prop


class CPUModelCaps(XMLObject):
    """``<model usable='yes' vendor='Intel'>Haswell</model>`` of custom mode."""

    TAG = "model"

    name = XMLProperty(".")
    usable = XMLProperty("@usable", doc="'yes', 'no' or 'unknown'.")
    vendor = XMLProperty("@vendor")
    deprecated = XMLProperty("@deprecated", is_yesno=True)


_HOST_MODEL = "./cpu/mode[@name='host-model']"
_CUSTOM = "./cpu/mode[@name='custom']"


class DomainCapabilities(XMLObject):
    """One ``<domainCapabilities>``.

    Device and feature entries are :class:`DomainCapsItem`; for example
    ``caps.disk.enum('diskDevice')``, ``caps.video.enum('modelType')``,
    ``caps.feature('sev').supported``.
    """

    TAG = "domainCapabilities"
    CHILD_ORDER = (
        "path", "domain", "machine", "arch", "vcpu", "iothreads", "os", "cpu",
        "memoryBacking", "devices", "features",
        "os/enum", "os/loader",
        "devices/disk", "devices/graphics", "devices/video", "devices/hostdev",
        "devices/rng", "devices/filesystem", "devices/tpm", "devices/redirdev",
        "devices/channel", "devices/crypto",
    )

    path = XMLProperty("./path")
    domain_type = XMLProperty("./domain")
    machine = XMLProperty("./machine")
    arch = XMLProperty("./arch")
    vcpu_max = XMLProperty("./vcpu/@max", is_int=True)
    iothreads = XMLProperty("./iothreads/@supported", is_yesno=True)

    os = XMLChild(DomainCapsItem, "./os", doc="enum 'firmware'.")
    loader = XMLChild(
        DomainCapsItem, "./os/loader", doc="enums 'type', 'readonly', 'secure'."
    )
    loader_values = XMLListProperty("./os/loader/value")

    host_passthrough = XMLProperty(
        "./cpu/mode[@name='host-passthrough']/@supported", is_yesno=True
    )
    maximum = XMLProperty("./cpu/mode[@name='maximum']/@supported", is_yesno=True)
    host_model = XMLProperty(_HOST_MODEL + "/@supported", is_yesno=True)
    host_model_name = XMLProperty(_HOST_MODEL + "/model")
    host_model_vendor = XMLProperty(_HOST_MODEL + "/vendor")
    custom = XMLProperty(_CUSTOM + "/@supported", is_yesno=True)
    custom_models = XMLChildList(CPUModelCaps, _CUSTOM + "/model")

    memory_backing = XMLChild(DomainCapsItem, "./memoryBacking")

    disk = XMLChild(DomainCapsItem, "./devices/disk")
    graphics = XMLChild(DomainCapsItem, "./devices/graphics")
    video = XMLChild(DomainCapsItem, "./devices/video")
    hostdev = XMLChild(DomainCapsItem, "./devices/hostdev")
    rng = XMLChild(DomainCapsItem, "./devices/rng")
    filesystem = XMLChild(DomainCapsItem, "./devices/filesystem")
    tpm = XMLChild(DomainCapsItem, "./devices/tpm")
    redirdev = XMLChild(DomainCapsItem, "./devices/redirdev")
    channel = XMLChild(DomainCapsItem, "./devices/channel")

    def feature(self, name):
        """Return ``<features><name .../></features>`` as a DomainCapsItem.

        Absent features come back pending: ``supported`` is None.
        """
        path = xpath.parse("./features/" + name)
        node = self._find(path)
        if node is None:
            return DomainCapsItem._pending(self, path)
        return DomainCapsItem(node)

    def feature_names(self):
        """Return the names of the features listed, in document order."""
        return [n.tag for n in self._find_all(xpath.parse("./features/*"))]

    def usable_models(self):
        """Return the custom-mode CPU models libvirt marks ``usable='yes'``."""
        return [m.name for m in self.custom_models if m.usable == "yes"]
