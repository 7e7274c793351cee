"""Build a libvirt domain from an instance, its image and a profile.

Each step is one concern in one module with a ``configure(ctx, domain)``
function; :func:`build_domain` runs :data:`STEPS` in order on a new
:class:`~virtdrivers.libvirt.xml.Domain`. Steps decide what goes into the
XML by asking the profile (``ctx.profile``) and reading the image
properties; the XML layer only spells it.

Usage::

    ctx = BuildContext(instance=instance, image_meta=image_meta,
                       profile=profiles.get('kvm'), network_info=network_info,
                       disks=[DiskSpec('disk', DiskSource(path=...))],
                       console_log_path=..., settings=settings)
    domain = build_domain(ctx)
    conn.defineXML(domain.to_xml())
"""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.builder import clock
from virtdrivers.libvirt.builder import consoles
from virtdrivers.libvirt.builder import cpu_memory
from virtdrivers.libvirt.builder import devices
from virtdrivers.libvirt.builder import disks
from virtdrivers.libvirt.builder import features
from virtdrivers.libvirt.builder import filesystems
from virtdrivers.libvirt.builder import identity
from virtdrivers.libvirt.builder import interfaces
from virtdrivers.libvirt.builder import metadata
from virtdrivers.libvirt.builder import os_boot
from virtdrivers.libvirt.builder import sysinfo
from virtdrivers.libvirt.builder.context import BuildContext
from virtdrivers.libvirt.builder.context import BuilderSettings
from virtdrivers.libvirt.builder.context import DiskAuth
from virtdrivers.libvirt.builder.context import DiskSource
from virtdrivers.libvirt.builder.context import DiskSpec

# The order only matters for errors (the first bad input is reported); the
# XML layer puts every element where libvirt wants it.
STEPS = (
    identity.configure,
    metadata.configure,
    sysinfo.configure,
    cpu_memory.configure,
    os_boot.configure,
    features.configure,
    clock.configure,
    disks.configure,
    filesystems.configure,
    interfaces.configure,
    consoles.configure,
    devices.configure,
)

__all__ = [
    "STEPS",
    "BuildContext",
    "BuilderSettings",
    "DiskAuth",
    "DiskSource",
    "DiskSpec",
    "build_domain",
    "prepare",
]


def prepare(ctx):
    """Narrow the profile to the image's and check the image against it.

    :returns: a context whose profile is ``ctx.profile.for_image(image)``.
    :raises InvalidImage: naming each bad image property.
    :raises ConfigurationError: for settings the profile cannot honour.
    """
    profile = ctx.profile.for_image(ctx.image_meta)
    machine = ctx.settings.hw_machine_type or profile.default_machine_type
    profile.validate_image(ctx.image_meta, machine_type=machine)
    settings = ctx.settings
    profile.validate_settings(cpu_mode=settings.cpu_mode,
                              cpu_models=settings.cpu_models)
    return ctx if profile is ctx.profile else ctx.replace(profile=profile)


def build_domain(ctx):
    """Return the :class:`~virtdrivers.libvirt.xml.Domain` for ``ctx``.

    :raises InvalidImage: for image properties the profile refuses.
    :raises InvalidInput: for disks or VIFs it cannot attach.
    :raises ConfigurationError: for settings it cannot honour.
    """
    ctx = prepare(ctx)
    domain = vxml.Domain()
    for step in STEPS:
        step(ctx, domain)
    return domain
