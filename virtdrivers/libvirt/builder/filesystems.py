"""Container root filesystems: ``<filesystem>`` instead of ``<disk>``.

A profile with a ``filesystem_driver`` (Parallels containers: ``ploop``)
gets the instance's root disk as its ``/``. When rescuing, the rescue disk
is ``/`` and the instance's own root is mounted at ``/mnt/rescue``, as in
Nova. Every other disk (the config drive) stays a ``<disk>``.
"""

from virtdrivers import exception
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.builder import context

RESCUE_MOUNT = "/mnt/rescue"


def targets(profile, rescue=False):
    """``{disk name: mount point}`` of the disks that are filesystems."""
    if profile.filesystem_driver is None:
        return {}
    if rescue:
        return {context.RESCUE: "/", context.ROOT: RESCUE_MOUNT}
    return {context.ROOT: "/"}


def mapping(ctx):
    """``(DiskSpec, mount point)`` of the filesystem disks, root first."""
    wanted = targets(ctx.profile, ctx.rescue)
    found = [(spec, wanted[spec.name]) for spec in ctx.disks
             if spec.name in wanted]
    return sorted(found, key=lambda pair: pair[1] != "/")


def configure(ctx, domain):
    """Append one ``<filesystem>`` per filesystem disk.

    :raises InvalidInput: for a disk that is not a file (a ploop image is a
        directory the hypervisor opens by path).
    """
    for spec, target in mapping(ctx):
        source = spec.source
        if source.type != "file":
            raise exception.InvalidInput(
                reason="disk %s of instance %s: the %s profile mounts it as "
                       "a filesystem, which needs a file source, not %s"
                       % (spec.name, ctx.instance.uuid, ctx.profile.name,
                          source.type))
        domain.devices.append(vxml.Filesystem.new(
            type="file", accessmode="passthrough",
            driver_type=ctx.profile.filesystem_driver,
            driver_format=source.format, source_file=source.path,
            target_dir=target))
