"""``<devices>``: the typed, ordered list of a domain's devices."""

from virtdrivers.libvirt.xml.base import XMLObject
from virtdrivers.libvirt.xml.devices.base import device_class_for
from virtdrivers.libvirt.xml.devices.char import Channel
from virtdrivers.libvirt.xml.devices.char import Console
from virtdrivers.libvirt.xml.devices.char import Serial
from virtdrivers.libvirt.xml.devices.controller import Controller
from virtdrivers.libvirt.xml.devices.disk import Disk
from virtdrivers.libvirt.xml.devices.filesystem import Filesystem
from virtdrivers.libvirt.xml.devices.graphics import Graphics
from virtdrivers.libvirt.xml.devices.input import Input
from virtdrivers.libvirt.xml.devices.interface import Interface
from virtdrivers.libvirt.xml.devices.memballoon import MemBalloon
from virtdrivers.libvirt.xml.devices.rng import Rng
from virtdrivers.libvirt.xml.devices.video import Video
from virtdrivers.libvirt.xml.properties import XMLChildList
from virtdrivers.libvirt.xml.properties import XMLProperty


class Devices(XMLObject):
    """``<devices>``, iterable over every device as its registered class.

    :meth:`append` puts a device where libvirt formats it (disks after the
    emulator, before controllers, ...), whatever order they are added in.
    Typed views (``disks``, ``interfaces``...) are live lists too.
    """

    TAG = "devices"
    # libvirt's virDomainDefFormatInternal device order.
    CHILD_ORDER = (
        "emulator", "disk", "controller", "lease", "filesystem", "interface",
        "smartcard", "serial", "parallel", "console", "channel", "input",
        "tpm", "graphics", "sound", "audio", "video", "hostdev", "redirdev",
        "redirfilter", "hub", "watchdog", "memballoon", "rng", "panic",
        "shmem", "memory", "iommu", "vsock", "crypto", "pstore",
    )

    emulator = XMLProperty("./emulator")

    disks = XMLChildList(Disk)
    controllers = XMLChildList(Controller)
    filesystems = XMLChildList(Filesystem)
    interfaces = XMLChildList(Interface)
    serials = XMLChildList(Serial)
    consoles = XMLChildList(Console)
    channels = XMLChildList(Channel)
    inputs = XMLChildList(Input)
    graphics = XMLChildList(Graphics)
    videos = XMLChildList(Video)
    memballoons = XMLChildList(MemBalloon)
    rngs = XMLChildList(Rng)

    _children = XMLChildList(device_class_for, "./*")

    def _devices(self):
        return self._children

    def __iter__(self):
        # <emulator> is a child of <devices> but not a device.
        return (dev for dev in self._devices() if dev.tag != "emulator")

    def __len__(self):
        return sum(1 for _dev in self)

    def append(self, device):
        """Add ``device`` at its canonical position; return it."""
        return self._devices().append(device)

    def remove(self, device):
        """Remove ``device``.

        :raises ValueError: when it is not one of these devices.
        """
        self._devices().remove(device)

    def by_tag(self, tag):
        """Return the devices whose element is ``<tag>``, in document order."""
        return [dev for dev in self if dev.tag == tag]
