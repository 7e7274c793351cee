"""One profile per kind of guest: answers, so nothing else branches on a name.

A :class:`Profile` says what a guest kind gets (domain type, disk buses and
their device name prefixes, NIC and video models, consoles, CPU modes,
features, supported operations) and what an image may ask for. The domain
builder and the driver ask a profile (``profile.default_disk_bus``,
``profile.supports('pause')``) instead of testing ``virt_type``; a new
hypervisor, or a new kind of guest on one, is a new profile here.

``get(virt_type)`` gives the profile a host starts from; ``for_image`` gives
the one a particular image runs as (Xen PV or HVM, Parallels VM or container:
a family of profiles chosen by ``vm_mode``).

The package:

* :mod:`.profile`: the :class:`Profile` class and its image and settings
  checks;
* :mod:`.qemu`, :mod:`.xen`, :mod:`.vz`: the profiles of each family;
* :mod:`.catalogue`: lookup by name and by ``virt_type`` (every profile is
  registered below);
* :mod:`.hypervisors`: what the connected hypervisor limits whatever the
  guest kind.

Everything is imported from here (``profiles.get``, ``profiles.KVM``...).
"""

from virtdrivers.libvirt.profiles import catalogue
from virtdrivers.libvirt.profiles.catalogue import by_name
from virtdrivers.libvirt.profiles.catalogue import get
from virtdrivers.libvirt.profiles.catalogue import names
from virtdrivers.libvirt.profiles.hypervisors import HYPERVISOR_LIMITS
from virtdrivers.libvirt.profiles.hypervisors import IN_PROCESS_HYPERVISORS
from virtdrivers.libvirt.profiles.hypervisors import needs_host_detection
from virtdrivers.libvirt.profiles.hypervisors import unsupported_on
from virtdrivers.libvirt.profiles.profile import MachineFamily
from virtdrivers.libvirt.profiles.profile import Profile
from virtdrivers.libvirt.profiles.qemu import KVM
from virtdrivers.libvirt.profiles.qemu import QEMU
from virtdrivers.libvirt.profiles.vz import PARALLELS_CT
from virtdrivers.libvirt.profiles.vz import PARALLELS_VM
from virtdrivers.libvirt.profiles.xen import XEN_HVM
from virtdrivers.libvirt.profiles.xen import XEN_PV

catalogue.register(KVM, QEMU, XEN_PV, XEN_HVM, PARALLELS_VM, PARALLELS_CT)

__all__ = [
    "HYPERVISOR_LIMITS",
    "IN_PROCESS_HYPERVISORS",
    "KVM",
    "PARALLELS_CT",
    "PARALLELS_VM",
    "QEMU",
    "XEN_HVM",
    "XEN_PV",
    "MachineFamily",
    "Profile",
    "by_name",
    "get",
    "names",
    "needs_host_detection",
    "unsupported_on",
]
