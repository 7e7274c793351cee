"""How the guest boots: OS type, architecture, machine, boot devices or an
external kernel.

A rescue boots the same way; ``blockinfo`` has put the rescue disk first
(``vda``) so it is both the first hard disk and the kernel's root, and the
driver passes the rescue image's kernel and ramdisk when it has them.
"""

from virtdrivers.libvirt.builder import blockinfo

# <boot dev=...> for each disk device type.
_BOOT_DEV = {"disk": "hd", "cdrom": "cdrom"}


def configure(ctx, domain):
    """Set ``<os>``: type, arch, machine, and kernel or boot devices."""
    os_ = domain.os
    os_.os_type = ctx.profile.os_type
    os_.arch = ctx.arch
    if ctx.machine_type:
        os_.machine = ctx.machine_type
    mapping = ctx.disk_mapping
    boot = blockinfo.boot_disk(mapping)
    if ctx.kernel_path:
        os_.kernel = ctx.kernel_path
        os_.initrd = ctx.initrd_path
        os_.cmdline = kernel_cmdline(ctx, boot)
    elif not any(info.boot_order for info in mapping):
        # libvirt refuses <os><boot> together with per-device boot orders.
        os_.boot_devs = boot_devices(mapping, boot)
    if ctx.props.get("hw_boot_menu"):
        os_.bootmenu_enable = True


def boot_devices(mapping, boot):
    """``['hd']``, or ``['cdrom', 'hd']`` when the guest boots a CD-ROM
    (an ISO image) and has hard disks to install onto."""
    if boot is None:
        return ["hd"]
    devs = [_BOOT_DEV[boot.device]]
    others = (info for info in mapping
              if info is not boot and not info.spec.is_config_drive)
    for info in others:
        dev = _BOOT_DEV[info.device]
        if dev not in devs:
            devs.append(dev)
    return devs


def kernel_cmdline(ctx, boot):
    """The image's ``os_command_line``, else the profile's, naming the root
    disk; None when there is neither."""
    cmdline = ctx.props.get("os_command_line")
    if cmdline:
        return cmdline
    if ctx.profile.kernel_cmdline is None or boot is None:
        return None
    return ctx.profile.kernel_cmdline % {"root": "/dev/" + boot.dev}
