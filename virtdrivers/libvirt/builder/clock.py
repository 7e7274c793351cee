"""The guest clock and its timers."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.builder import features


def configure(ctx, domain):
    """UTC (local time for Windows where the profile allows it), plus the
    profile's timers.

    HPET is present only when the image asks (``hw_time_hpet``), on the
    architectures that have one.
    """
    clock = domain.clock
    localtime = ctx.profile.windows_localtime and features.is_windows(ctx)
    clock.offset = "localtime" if localtime else "utc"
    for name, tickpolicy in ctx.profile.clock_timers:
        clock.timers.append(vxml.ClockTimer.new(name=name, tickpolicy=tickpolicy))
    if ctx.arch in ctx.profile.hpet_arches:
        clock.timers.append(vxml.ClockTimer.new(
            name="hpet", present=bool(ctx.props.get("hw_time_hpet"))))
