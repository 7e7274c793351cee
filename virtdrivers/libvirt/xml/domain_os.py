"""``<os>``: how a domain boots (firmware, kernel, boot devices, init)."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.properties import XMLListProperty
from virtdrivers.libvirt.xml.properties import XMLProperty


class DomainOS(XMLObject):
    """One ``<os>``.

    ``os_type`` is ``hvm`` (full virtualisation), ``xen``/``linux`` (Xen PV)
    or ``exe`` (containers, which boot ``init`` instead of a kernel).
    ``boot_devs`` is the ordered list of ``<boot dev=...>`` values.
    """

    TAG = "os"
    # libvirt's order for the children of <os>.
    CHILD_ORDER = (
        "type", "firmware", "init", "initarg", "initenv", "initdir",
        "inituser", "initgroup", "loader", "nvram", "kernel", "initrd",
        "cmdline", "shim", "dtb", "acpi", "boot", "bootmenu", "bios", "smbios",
    )

    firmware = XMLProperty("@firmware")
    os_type = XMLProperty("./type")
    arch = XMLProperty("./type/@arch")
    machine = XMLProperty("./type/@machine")

    init = XMLProperty("./init")
    init_args = XMLListProperty("./initarg")

    loader = XMLProperty("./loader")
    loader_type = XMLProperty("./loader/@type")
    loader_readonly = XMLProperty("./loader/@readonly", is_yesno=True)
    loader_secure = XMLProperty("./loader/@secure", is_yesno=True)
    nvram = XMLProperty("./nvram")
    nvram_template = XMLProperty("./nvram/@template")

    kernel = XMLProperty("./kernel")
    initrd = XMLProperty("./initrd")
    cmdline = XMLProperty("./cmdline")

    boot_devs = XMLListProperty("./boot/@dev")
    bootmenu_enable = XMLProperty("./bootmenu/@enable", is_yesno=True)
    bootmenu_timeout = XMLProperty("./bootmenu/@timeout", is_int=True)
    bios_useserial = XMLProperty("./bios/@useserial", is_yesno=True)
    bios_reboot_timeout = XMLProperty("./bios/@rebootTimeout", is_int=True)
    smbios_mode = XMLProperty("./smbios/@mode")
