"""Device elements of a domain, one module per element."""

from virtdrivers.libvirt.xml.devices.base import DeviceAddress
from virtdrivers.libvirt.xml.devices.base import DeviceXML
from virtdrivers.libvirt.xml.devices.base import device_class_for
from virtdrivers.libvirt.xml.devices.base import register
from virtdrivers.libvirt.xml.devices.char import Channel
from virtdrivers.libvirt.xml.devices.char import CharDevice
from virtdrivers.libvirt.xml.devices.char import Console
from virtdrivers.libvirt.xml.devices.char import Serial
from virtdrivers.libvirt.xml.devices.container import Devices
from virtdrivers.libvirt.xml.devices.controller import Controller
from virtdrivers.libvirt.xml.devices.disk import Disk
from virtdrivers.libvirt.xml.devices.filesystem import Filesystem
from virtdrivers.libvirt.xml.devices.graphics import Graphics
from virtdrivers.libvirt.xml.devices.graphics import GraphicsListen
from virtdrivers.libvirt.xml.devices.input import Input
from virtdrivers.libvirt.xml.devices.interface import Interface
from virtdrivers.libvirt.xml.devices.memballoon import MemBalloon
from virtdrivers.libvirt.xml.devices.rng import Rng
from virtdrivers.libvirt.xml.devices.video import Video

__all__ = [
    "Channel",
    "CharDevice",
    "Console",
    "Controller",
    "DeviceAddress",
    "DeviceXML",
    "Devices",
    "Disk",
    "Filesystem",
    "Graphics",
    "GraphicsListen",
    "Input",
    "Interface",
    "MemBalloon",
    "Rng",
    "Serial",
    "Video",
    "device_class_for",
    "register",
]
