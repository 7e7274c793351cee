"""Resize and cold migration of libvirt guests, as a mixin of
:class:`.driver.LibvirtDriver`."""


class ColdMigrationMixin:
    """Nova's resize and cold migration methods for the libvirt driver."""
