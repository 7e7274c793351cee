"""libvirt XML as Python objects.

Each class wraps one live lxml element; properties are declared as paths
under it, so XML we do not model survives a parse/format round trip, and new
elements are inserted in libvirt's order. There is no policy here: these
classes say nothing about what a guest should get (that is
``virtdrivers.libvirt.builder``), only how libvirt spells it.

Parse with ``Domain.from_xml(text)``, build with ``Domain.new(**props)``,
serialise with ``obj.to_xml()``; log ``obj.redacted_xml()`` or ``repr(obj)``.
"""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.base import canonicalize
from virtdrivers.libvirt.xml.base import parse_xml
from virtdrivers.libvirt.xml.base import xml_equal
from virtdrivers.libvirt.xml.capabilities import Capabilities
from virtdrivers.libvirt.xml.capabilities import CellCPU
from virtdrivers.libvirt.xml.capabilities import GuestCapabilities
from virtdrivers.libvirt.xml.capabilities import GuestDomain
from virtdrivers.libvirt.xml.capabilities import GuestMachine
from virtdrivers.libvirt.xml.capabilities import HostCapabilities
from virtdrivers.libvirt.xml.capabilities import HostCPU
from virtdrivers.libvirt.xml.capabilities import NUMACell
from virtdrivers.libvirt.xml.clock import ClockTimer
from virtdrivers.libvirt.xml.clock import DomainClock
from virtdrivers.libvirt.xml.common import Auth
from virtdrivers.libvirt.xml.common import SourceHost
from virtdrivers.libvirt.xml.cpu import CPUFeature
from virtdrivers.libvirt.xml.cpu import DomainCPU
from virtdrivers.libvirt.xml.devices import Channel
from virtdrivers.libvirt.xml.devices import CharDevice
from virtdrivers.libvirt.xml.devices import Console
from virtdrivers.libvirt.xml.devices import Controller
from virtdrivers.libvirt.xml.devices import DeviceAddress
from virtdrivers.libvirt.xml.devices import Devices
from virtdrivers.libvirt.xml.devices import DeviceXML
from virtdrivers.libvirt.xml.devices import Disk
from virtdrivers.libvirt.xml.devices import Filesystem
from virtdrivers.libvirt.xml.devices import Graphics
from virtdrivers.libvirt.xml.devices import GraphicsListen
from virtdrivers.libvirt.xml.devices import Input
from virtdrivers.libvirt.xml.devices import Interface
from virtdrivers.libvirt.xml.devices import MemBalloon
from virtdrivers.libvirt.xml.devices import Rng
from virtdrivers.libvirt.xml.devices import Serial
from virtdrivers.libvirt.xml.devices import Video
from virtdrivers.libvirt.xml.domain import Domain
from virtdrivers.libvirt.xml.domain_os import DomainOS
from virtdrivers.libvirt.xml.domaincaps import CPUModelCaps
from virtdrivers.libvirt.xml.domaincaps import DomainCapabilities
from virtdrivers.libvirt.xml.domaincaps import DomainCapsItem
from virtdrivers.libvirt.xml.features import DomainFeatures
from virtdrivers.libvirt.xml.metadata import NAMESPACE as METADATA_NAMESPACE
from virtdrivers.libvirt.xml.metadata import DomainMetadata
from virtdrivers.libvirt.xml.metadata import FlavorMetadata
from virtdrivers.libvirt.xml.metadata import InstanceMetadata
from virtdrivers.libvirt.xml.properties import XMLChild
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLListProperty
from virtdrivers.libvirt.xml.properties import XMLProperty
from virtdrivers.libvirt.xml.properties import XMLSizeProperty
from virtdrivers.libvirt.xml.secret import Secret
from virtdrivers.libvirt.xml.snapshot import DomainSnapshot
from virtdrivers.libvirt.xml.snapshot import SnapshotDisk
from virtdrivers.libvirt.xml.storage import Permissions
from virtdrivers.libvirt.xml.storage import PoolSource
from virtdrivers.libvirt.xml.storage import StoragePool
from virtdrivers.libvirt.xml.storage import StorageVolume
from virtdrivers.libvirt.xml.sysinfo import DomainSysinfo
from virtdrivers.libvirt.xml.sysinfo import SysinfoEntry

__all__ = [
    "METADATA_NAMESPACE",
    "Auth",
    "CPUFeature",
    "CPUModelCaps",
    "Capabilities",
    "CellCPU",
    "Channel",
    "CharDevice",
    "ClockTimer",
    "Console",
    "Controller",
    "DeviceAddress",
    "DeviceXML",
    "Devices",
    "Disk",
    "Domain",
    "DomainCPU",
    "DomainCapabilities",
    "DomainCapsItem",
    "DomainClock",
    "DomainFeatures",
    "DomainMetadata",
    "DomainOS",
    "DomainSnapshot",
    "DomainSysinfo",
    "Filesystem",
    "FlavorMetadata",
    "Graphics",
    "GraphicsListen",
    "GuestCapabilities",
    "GuestDomain",
    "GuestMachine",
    "HostCPU",
    "HostCapabilities",
    "Input",
    "InstanceMetadata",
    "Interface",
    "MemBalloon",
    "NUMACell",
    "Permissions",
    "PoolSource",
    "Rng",
    "Secret",
    "Serial",
    "SnapshotDisk",
    "SourceHost",
    "StoragePool",
    "StorageVolume",
    "SysinfoEntry",
    "Video",
    "XMLChild",
    "XMLChildList",
    "XMLListProperty",
    "XMLObject",
    "XMLProperty",
    "XMLSizeProperty",
    "canonicalize",
    "parse_xml",
    "xml_equal",
]
