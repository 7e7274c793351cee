"""``<domain>``: a guest definition, as libvirt defines and reports it."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.clock import DomainClock
from virtdrivers.libvirt.xml.cpu import DomainCPU
from virtdrivers.libvirt.xml.devices import Devices
from virtdrivers.libvirt.xml.domain_os import DomainOS
from virtdrivers.libvirt.xml.features import DomainFeatures
from virtdrivers.libvirt.xml.metadata import DomainMetadata
from virtdrivers.libvirt.xml.properties import XMLChild
from virtdrivers.libvirt.xml.properties import XMLProperty
from virtdrivers.libvirt.xml.properties import XMLSizeProperty
from virtdrivers.libvirt.xml.sysinfo import DomainSysinfo


class Domain(XMLObject):
    """One ``<domain>``.

    Memory sizes are in KiB whatever unit the XML uses. Nested elements are
    objects (``os``, ``features``, ``cpu``, ``clock``, ``metadata``,
    ``sysinfo``, ``devices``); reading an absent one gives a pending object
    that its first write creates, at libvirt's position::

        dom = Domain.new(type='kvm', name='vm1', memory=2097152, vcpu=2)
        dom.os.os_type = 'hvm'
        dom.devices.append(Disk.new(type='file', device='disk', ...))
    """

    TAG = "domain"
    # libvirt's virDomainDefFormatInternal order.
    CHILD_ORDER = (
        "name", "uuid", "genid", "title", "description", "metadata",
        "maxMemory", "memory", "currentMemory", "blkiotune", "memoryBacking",
        "vcpu", "vcpus", "iothreads", "iothreadids", "defaultiothread",
        "cputune", "numatune", "resource", "sysinfo", "bootloader",
        "bootloader_args", "os", "idmap", "features", "cpu", "clock",
        "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "pm", "perf",
        "devices", "seclabel", "keywrap", "launchSecurity",
    )

    type = XMLProperty("@type")
    id = XMLProperty("@id", is_int=True, doc="Set by libvirt on running domains.")
    name = XMLProperty("./name")
    uuid = XMLProperty("./uuid")
    title = XMLProperty("./title")
    description = XMLProperty("./description")
    metadata = XMLChild(DomainMetadata)

    max_memory = XMLSizeProperty("./maxMemory", "KiB")
    max_memory_slots = XMLProperty("./maxMemory/@slots", is_int=True)
    memory = XMLSizeProperty("./memory", "KiB")
    current_memory = XMLSizeProperty("./currentMemory", "KiB")

    vcpu = XMLProperty("./vcpu", is_int=True)
    vcpu_placement = XMLProperty("./vcpu/@placement")
    vcpu_cpuset = XMLProperty("./vcpu/@cpuset")
    vcpu_current = XMLProperty("./vcpu/@current", is_int=True)

    sysinfo = XMLChild(DomainSysinfo)
    bootloader = XMLProperty("./bootloader")
    bootloader_args = XMLProperty("./bootloader_args")
    os = XMLChild(DomainOS)
    features = XMLChild(DomainFeatures)
    cpu = XMLChild(DomainCPU)
    clock = XMLChild(DomainClock)

    on_poweroff = XMLProperty("./on_poweroff")
    on_reboot = XMLProperty("./on_reboot")
    on_crash = XMLProperty("./on_crash")

    devices = XMLChild(Devices)
