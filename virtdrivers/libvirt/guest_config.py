"""Configuration handed to the guest: the instance metadata on the
host<->guest configuration channel and injected networking, as a mixin of
:class:`.driver.LibvirtDriver`."""


class GuestConfigMixin:
    """Nova's network injection for the libvirt driver."""
