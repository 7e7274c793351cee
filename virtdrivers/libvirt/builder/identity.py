"""Who the domain is: hypervisor type, name, uuid, lifecycle actions."""


def configure(ctx, domain):
    """Set the domain type from the profile and name it after the instance.

    The name is the instance's hypervisor-side name (``instance-...``); the
    uuid is the instance's, so libvirt and the compute service agree on it.
    """
    domain.type = ctx.profile.domain_type
    domain.name = ctx.instance.name
    domain.uuid = ctx.instance.uuid
    # Nova's choices: a guest that powers off or crashes is gone (the
    # compute service notices and records it), a reboot stays a reboot.
    domain.on_poweroff = "destroy"
    domain.on_reboot = "restart"
    domain.on_crash = "destroy"
