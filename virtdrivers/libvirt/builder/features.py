"""Hypervisor features (``<features>``) the guest kind needs."""

# Nova's Hyper-V enlightenments for Windows guests on QEMU.
_SPINLOCK_RETRIES = 8191


def configure(ctx, domain):
    """Turn on the profile's features, and Hyper-V enlightenments for a
    Windows guest when the profile offers them."""
    for name in sorted(ctx.profile.features):
        setattr(domain.features, name, True)
    if ctx.profile.hyperv_for_windows and is_windows(ctx):
        features = domain.features
        features.hyperv_relaxed = True
        features.hyperv_vapic = True
        features.hyperv_spinlocks = True
        features.hyperv_spinlocks_retries = _SPINLOCK_RETRIES


def is_windows(ctx):
    """True when the image (or instance) says ``os_type=windows``."""
    os_type = ctx.props.get("os_type") or ctx.instance.os_type
    return (os_type or "").lower() == "windows"
