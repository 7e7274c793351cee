"""How the guest boots: OS type, architecture, machine, and what it starts.

Asked of the profile, in this order:

* a container (``init_path``) runs init: no kernel, no boot devices;
* with a kernel (Nova's kernel_id/ramdisk_id, fetched by the driver) the
  guest boots it directly, whatever the profile, as Nova decided;
* otherwise a PV guest (``bootloader``) starts the host's PV bootloader
  (pygrub), which boots the kernel in the image's own ``/boot``; firmware
  guests boot their disks (``<boot dev>`` or per-device boot orders).

A rescue boots the same way; ``blockinfo`` has put the rescue disk first
(``vda``) so it is both the first hard disk and the kernel's root, and the
driver passes the rescue image's kernel and ramdisk when it has them.
"""

from virtdrivers import exception
from virtdrivers.libvirt.builder import blockinfo

# <boot dev=...> for each disk device type.
_BOOT_DEV = {"disk": "hd", "cdrom": "cdrom"}


def configure(ctx, domain):
    """Set ``<os>`` (and ``<bootloader>``): type, arch, machine, and init,
    kernel, bootloader or boot devices.

    :raises InvalidImage: for a kernel the profile cannot boot directly.
    """
    profile = ctx.profile
    os_ = domain.os
    os_.os_type = profile.os_type
    os_.arch = ctx.arch
    if ctx.machine_type and profile.machine_types:
        os_.machine = ctx.machine_type
    if profile.init_path:
        os_.init = profile.init_path
        return
    if profile.hvm_loader and ctx.settings.hvm_loader_path:
        os_.loader = ctx.settings.hvm_loader_path
    mapping = ctx.disk_mapping
    boot = blockinfo.boot_disk(mapping)
    if ctx.kernel_path:
        _kernel(ctx, os_, boot)
    elif profile.bootloader:
        # None leaves it to libvirt: libxl then runs its own pygrub.
        domain.bootloader = ctx.settings.bootloader_path
    else:
        if not any(info.boot_order for info in mapping):
            # libvirt refuses <os><boot> together with per-device orders.
            os_.boot_devs = boot_devices(mapping, boot)
        if ctx.props.get("hw_boot_menu"):
            os_.bootmenu_enable = True


def _kernel(ctx, os_, boot):
    if not ctx.profile.direct_kernel_boot:
        raise exception.InvalidImage(
            image_id=ctx.image_meta.id or "(no id)",
            reason="%s cannot boot a kernel directly (the image has "
                   "kernel_id/ramdisk_id)" % ctx.profile.description)
    os_.kernel = ctx.kernel_path
    os_.initrd = ctx.initrd_path
    os_.cmdline = kernel_cmdline(ctx, boot)


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
