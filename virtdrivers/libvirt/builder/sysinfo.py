"""SMBIOS system information the guest firmware reports.

cloud-init recognises an OpenStack guest by the DMI product name ("OpenStack
Nova" or "OpenStack Compute") before it looks for a metadata service, so we
report what Nova reports.
"""

from virtdrivers.libvirt import xml as vxml

MANUFACTURER = "OpenStack Foundation"
PRODUCT = "OpenStack Nova"
FAMILY = "Virtual Machine"


def configure(ctx, domain):
    """Add ``<sysinfo type='smbios'>`` when the profile's firmware has one."""
    if not ctx.profile.smbios:
        return
    domain.sysinfo.type = "smbios"
    entries = (
        ("manufacturer", MANUFACTURER),
        ("product", PRODUCT),
        ("version", ctx.package_version),
        ("serial", ctx.instance.uuid),
        ("uuid", ctx.instance.uuid),
        ("family", FAMILY),
    )
    for name, value in entries:
        domain.sysinfo.system_entries.append(
            vxml.SysinfoEntry.new(name=name, value=value))
    domain.os.smbios_mode = "sysinfo"
