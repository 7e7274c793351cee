"""Consoles of a guest: the serial log, graphics and TCP serial ports."""

import os

from virtdrivers import console
from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers.libvirt import errors

_GRAPHICS = {'vnc': console.ConsoleVNC, 'spice': console.ConsoleSpice}


def console_log(path, max_bytes):
    """The last *max_bytes* of the serial console log (b'' before any)."""
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - max_bytes))
            return f.read()
    except FileNotFoundError:
        return b''


def _running_config(guest, kind):
    if guest.get_power_state() != power_state.RUNNING:
        raise exception.ConsoleNotAvailable(
            instance_id=guest.uuid, reason='%s console needs a running '
            'instance' % kind)
    return guest.get_config()


def graphics(guest, kind, host):
    """The VNC or SPICE console of a running guest, for a proxy at *host*."""
    for device in _running_config(guest, kind).devices.graphics:
        if device.type == kind and (device.port or 0) > 0:
            return _GRAPHICS[kind](host=host, port=device.port)
    raise exception.ConsoleNotAvailable(
        instance_id=guest.uuid, reason='the guest has no %s port' % kind)


def serial(guest, host):
    """The first TCP serial port of a running guest."""
    for device in _running_config(guest, 'serial').devices.serials:
        if device.type == 'tcp' and device.source_service:
            return console.ConsoleSerial(host=host,
                                         port=int(device.source_service))
    raise exception.ConsoleNotAvailable(
        instance_id=guest.uuid, reason='the guest has no TCP serial port')


def block_stats(guest, disk_id):
    """``[rd_req, rd_bytes, wr_req, wr_bytes, errs]`` of a disk, None when
    the guest has no disk *disk_id* (a target like ``vda`` or a path)."""
    for disk in guest.get_config().devices.disks:
        if disk_id in (disk.target_dev, disk.source_file, disk.source_dev):
            with errors.translated(instance_id=guest.uuid, operation='block stats'):
                stats = guest.domain.blockStats(disk.target_dev)
            return list(stats)
    return None
