"""Live migration of libvirt guests: Nova's pre-checks, the migration
itself and its clean-up, as a mixin of :class:`.driver.LibvirtDriver`."""


class LiveMigrationMixin:
    """Nova's live migration methods for the libvirt driver."""
