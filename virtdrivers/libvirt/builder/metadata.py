"""Our ``<metadata>``: which instance, flavor, owner and image a domain is.

Read back by the driver (and by people running ``virsh dumpxml``) to tell
whose domain this is without asking the compute service.
"""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.builder import blockinfo


def configure(ctx, domain):
    """Record the instance's name, flavor, owner, root and creation time."""
    instance, flavor = ctx.instance, ctx.flavor
    meta = vxml.InstanceMetadata.new(
        package_version=ctx.package_version,
        name=instance.display_name,
        creation_time=ctx.creation_time.strftime("%Y-%m-%d %H:%M:%S"),
        user_uuid=instance.user_id,
        project_uuid=instance.project_id,
    )
    meta.flavor = vxml.FlavorMetadata.new(
        name=flavor.name, memory=flavor.memory_mb, disk=flavor.root_gb,
        swap=flavor.swap, ephemeral=flavor.ephemeral_gb, vcpus=flavor.vcpus)
    meta.root_type, meta.root_uuid = _root(ctx)
    domain.metadata.instance = meta


def _root(ctx):
    """``('image', image id)``, or ``('volume', volume id)`` when the
    instance boots from a volume (no image; the root disk's serial is the
    volume id)."""
    image_id = ctx.instance.image_ref or ctx.image_meta.id
    if image_id:
        return "image", image_id
    disk = blockinfo.boot_disk(ctx.disk_mapping)
    serial = disk.spec.serial if disk is not None else None
    return ("volume", serial) if serial else (None, None)
