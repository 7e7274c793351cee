"""The one place that imports libvirt-python.

Every other module does ``from virtdrivers.libvirt.binding import libvirt``,
so a host without the library fails here, once, with a message saying what to
install, and tests have a single seam to replace.
"""

from virtdrivers import exception

try:
    import libvirt
except ImportError as err:
    raise exception.ConfigurationError(
        reason=(
            "the libvirt driver needs the Python package libvirt-python "
            "(pip install libvirt-python; building it needs the libvirt "
            "development headers, e.g. the libvirt-dev or libvirt-devel "
            "package, and pkg-config)"
        )
    ) from err

__all__ = ["libvirt"]
