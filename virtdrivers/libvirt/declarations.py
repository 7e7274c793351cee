"""What a libvirt host declares it can do (DESIGN decision 3).

Capabilities are computed from data only: the guest kind's profile, the
image backend, and the host's settings (which consoles are on). The driver
narrows them further by what the connected hypervisor cannot do
(``profiles.unsupported_on``) and, per instance, by the image.
"""

from virtdrivers import capabilities as caps
from virtdrivers.libvirt.imagebackend import base as backend_base

# Console operations and the host setting each needs.
CONSOLE_SETTINGS = {'vnc-console': 'vnc_enabled', 'spice-console': 'spice_enabled',
                    'serial-console': 'serial_console_enabled'}
BACKEND_DEFAULTS = backend_base.BackendSettings()


def for_profile(profile, backend_cls, builder_settings,
                backend_settings=BACKEND_DEFAULTS):
    """What guests of *profile* on a host with this backend and these
    settings support."""
    operations = set(profile.operations) - \
        backend_cls.unsupported_operations(backend_settings)
    for operation, setting in CONSOLE_SETTINGS.items():
        if not getattr(builder_settings, setting):
            operations.discard(operation)
    if builder_settings.serial_console_enabled:
        operations.discard('console-output')   # no log with TCP serial ports
    if 'config-drive' in operations:
        operations.add('inject-files')         # files go on the config drive
    return caps.Capabilities(
        has_imagecache=True,
        supports_evacuate='evacuate' in operations,
        supports_migrate_to_same_host='resize' in operations,
        **backend_cls.supported_image_types(backend_settings),
        operations=frozenset(operations))


def for_host(profile, backend_cls, builder_settings,
             backend_settings=BACKEND_DEFAULTS):
    """What a host runs for any of its guest kinds (a Parallels host runs
    VMs and containers): the union of the family's."""
    found = [for_profile(member, backend_cls, builder_settings, backend_settings)
             for member in profile.family()]
    return found[0].replace(operations=frozenset().union(
        *(member.operations for member in found)))


def for_image(profile, backend_cls, builder_settings, backend_settings,
              host_limits, image_meta):
    """What an instance booted from *image_meta* supports on this host:
    its kind's operations, less what the hypervisor cannot do and what
    needs a guest agent the image does not have."""
    member = profile.for_image(image_meta)
    found = for_profile(member, backend_cls, builder_settings, backend_settings)
    operations = found.operations - host_limits
    if not image_meta.properties.get('hw_qemu_guest_agent'):
        operations -= member.agent_operations
    return found.replace(operations=operations)
