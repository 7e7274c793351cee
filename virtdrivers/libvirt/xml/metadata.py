"""Our own domain metadata, kept in the domain's ``<metadata>``.

libvirt stores whatever namespaced XML an application puts in
``<metadata>`` and gives it back unchanged; we record which instance a domain
belongs to there, much like Nova's ``nova:instance`` element, but in our own
namespace::

    <metadata>
      <vd:instance xmlns:vd="http://virtdrivers.org/xmlns/libvirt/instance/1.0">
        <vd:package version="1.0.0"/>
        <vd:name>web-1</vd:name>
        <vd:creationTime>2026-01-01 10:00:00</vd:creationTime>
        <vd:flavor name="m1.small">
          <vd:memory>2048</vd:memory> ... <vd:vcpus>1</vd:vcpus>
        </vd:flavor>
        <vd:owner>
          <vd:user uuid="...">alice</vd:user>
          <vd:project uuid="...">web</vd:project>
        </vd:owner>
        <vd:root type="image" uuid="..."/>
      </vd:instance>
    </metadata>

Other applications' metadata elements stay untouched beside ours.
"""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLChild
from virtdrivers.libvirt.xml.properties import XMLProperty

NAMESPACE = "http://virtdrivers.org/xmlns/libvirt/instance/1.0"
PREFIX = "vd"
_NSMAP = {PREFIX: NAMESPACE}


class FlavorMetadata(XMLObject):
    """``<vd:flavor>``: the flavor the instance was built from.

    ``memory`` is in MiB, ``disk``/``swap``/``ephemeral`` in GiB (swap in
    MiB), as in Nova's flavors.
    """

    TAG = "{%s}flavor" % NAMESPACE
    NSMAP = _NSMAP

    name = XMLProperty("@name")
    memory = XMLProperty("./vd:memory", is_int=True)
    disk = XMLProperty("./vd:disk", is_int=True)
    swap = XMLProperty("./vd:swap", is_int=True)
    ephemeral = XMLProperty("./vd:ephemeral", is_int=True)
    vcpus = XMLProperty("./vd:vcpus", is_int=True)


class InstanceMetadata(XMLObject):
    """``<vd:instance>``: who owns the domain and what it was made from.

    ``root_type`` is ``image`` or ``volume``; ``root_uuid`` is the image or
    volume id.
    """

    TAG = "{%s}instance" % NAMESPACE
    NSMAP = _NSMAP
    CHILD_ORDER = (
        "vd:package", "vd:name", "vd:creationTime", "vd:flavor", "vd:owner",
        "vd:root",
    )

    package_version = XMLProperty("./vd:package/@version")
    name = XMLProperty("./vd:name")
    creation_time = XMLProperty("./vd:creationTime")
    flavor = XMLChild(FlavorMetadata)
    user_uuid = XMLProperty("./vd:owner/vd:user/@uuid")
    user_name = XMLProperty("./vd:owner/vd:user")
    project_uuid = XMLProperty("./vd:owner/vd:project/@uuid")
    project_name = XMLProperty("./vd:owner/vd:project")
    root_type = XMLProperty("./vd:root/@type")
    root_uuid = XMLProperty("./vd:root/@uuid")


class DomainMetadata(XMLObject):
    """A domain's ``<metadata>``: ours in ``instance``, others kept as-is."""

    TAG = "metadata"

    instance = XMLChild(InstanceMetadata)
