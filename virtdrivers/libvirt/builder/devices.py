"""The remaining devices: emulator, controllers, channels, RNG, balloon."""

from virtdrivers.libvirt import xml as vxml

_TRUE = ("1", "true", "yes", "on", "y", "t")


def configure(ctx, domain):
    """Add what the profile and image ask for beyond disks, NICs, consoles."""
    if ctx.emulator:
        domain.devices.emulator = ctx.emulator
    _scsi_controller(ctx, domain)
    _channels(ctx, domain)
    _rng(ctx, domain)
    _memballoon(ctx, domain)


def _scsi_controller(ctx, domain):
    # Without an explicit model libvirt picks lsilogic, which many QEMU
    # builds no longer ship; virtio-scsi is the profile's default.
    if not any(info.bus == "scsi" for info in ctx.disk_mapping):
        return
    model = ctx.props.get("hw_scsi_model") or ctx.profile.default_scsi_model
    domain.devices.append(vxml.Controller.new(type="scsi", index=0, model=model))


def _unix_channel(profile, name):
    # mode='bind' without a path: libvirt chooses the socket path (QEMU and
    # libxl both do).
    return vxml.Channel.new(type="unix", source_mode="bind",
                            target_type=profile.channel_target_type,
                            target_name=name)


def _channels(ctx, domain):
    profile = ctx.profile
    if ctx.props.get("hw_qemu_guest_agent") and profile.guest_agent:
        domain.devices.append(_unix_channel(profile,
                                            profile.guest_agent_channel))
    if profile.config_channel:
        # The host<->guest private configuration channel: virtio-serial on
        # QEMU, a Xen PV channel (a named PV console) on Xen.
        domain.devices.append(_unix_channel(profile, profile.config_channel))


def rng_allowed(flavor):
    """Nova's ``hw_rng:allowed`` flavor extra spec; allowed when unset."""
    value = flavor.extra_specs.get("hw_rng:allowed", "true")
    return str(value).strip().lower() in _TRUE


def _rng(ctx, domain):
    model = ctx.props.get("hw_rng_model")
    if not model or model not in ctx.profile.rng_models:
        return
    if not rng_allowed(ctx.flavor):
        return
    rng = vxml.Rng.new(model=model, backend_model="random",
                       backend_path=ctx.profile.rng_backend)
    specs = ctx.flavor.extra_specs
    if specs.get("hw_rng:rate_bytes"):
        rng.rate_bytes = int(specs["hw_rng:rate_bytes"])
        rng.rate_period = int(specs.get("hw_rng:rate_period") or 1000)
    domain.devices.append(rng)


def _memballoon(ctx, domain):
    model = ctx.profile.memballoon_model
    if model is None:
        return
    balloon = vxml.MemBalloon.new(model=model)
    period = ctx.settings.mem_stats_period_seconds
    if period > 0 and ctx.profile.memballoon_stats:
        balloon.stats_period = period
    domain.devices.append(balloon)
