"""``<sysinfo>``: SMBIOS values the guest firmware reports."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLListProperty
from virtdrivers.libvirt.xml.properties import XMLProperty


class SysinfoEntry(XMLObject):
    """``<entry name='manufacturer'>value</entry>``."""

    TAG = "entry"

    name = XMLProperty("@name")
    value = XMLProperty(".")


class DomainSysinfo(XMLObject):
    """One ``<sysinfo type='smbios'>``, section by section."""

    TAG = "sysinfo"
    CHILD_ORDER = ("bios", "system", "baseBoard", "chassis", "oemStrings")

    type = XMLProperty("@type")
    bios_entries = XMLChildList(SysinfoEntry, "./bios/entry")
    system_entries = XMLChildList(SysinfoEntry, "./system/entry")
    chassis_entries = XMLChildList(SysinfoEntry, "./chassis/entry")
    oem_strings = XMLListProperty("./oemStrings/entry")

    def system(self, name):
        """Return the value of system entry ``name``, or None."""
        return next(
            (e.value for e in self.system_entries if e.name == name), None
        )
