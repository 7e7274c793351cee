"""Buses and target device names for an instance's disks.

Nova's rules (``nova/virt/libvirt/blockinfo.py``), asked of the profile:

* a disk's bus is the one the driver gave, else the image's ``hw_disk_bus``
  (``hw_cdrom_bus`` for CD-ROMs), else the profile's default (for CD-ROMs,
  the default of the machine type: IDE on ``pc``, SATA on ``q35``);
* names come from the bus's prefix (``vd``, ``sd``, ``hd``) and are handed
  out in order, skipping names already used, so root is ``vda``, the
  ephemeral disk ``vdb``, swap ``vdc``; buses sharing a prefix (scsi, sata,
  usb: ``sd``) share one sequence;
* the config drive comes last, and on a bus with fixed slots (IDE) takes the
  last free slot: ``hdd``, as Nova always gave it;
* when rescuing, the rescue disk comes first and the instance's own root
  disk follows it;
* a container's root (and rescue) disk is no disk but a filesystem (see
  ``filesystems``): it gets no bus and no name.
"""

import dataclasses

from virtdrivers import exception
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.builder import filesystems

# Names a..z, aa..zz: more disks than any bus takes.
_MAX_DEVICES = 26 * 27


@dataclasses.dataclass(frozen=True)
class DiskInfo:
    """A :class:`~context.DiskSpec` placed on a bus.

    ``boot_order`` is the per-device boot order (1 first), set only when the
    driver gave boot indexes; otherwise the domain boots by device type.
    """

    spec: context.DiskSpec
    bus: str
    dev: str
    boot_order: int | None = None

    @property
    def device(self):
        return self.spec.device

    @property
    def name(self):
        return self.spec.name


def device_letters(index):
    """``0`` -> ``a``, ``25`` -> ``z``, ``26`` -> ``aa`` (Nova's scheme)."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def default_bus(profile, props, device, machine_type=None):
    """The bus a ``device`` (``disk`` or ``cdrom``) gets without a choice."""
    chosen = props.get("hw_%s_bus" % device)
    if chosen:
        return chosen
    if device == "cdrom":
        return profile.cdrom_bus_for(machine_type)
    return profile.default_disk_bus


def next_device(profile, bus, used, last=False):
    """The first free name on ``bus`` (the last free slot when ``last``).

    :raises InvalidInput: when the bus has no free name left.
    """
    prefix = profile.device_prefix(bus)
    slots = profile.bus_slots.get(bus)
    indexes = range(slots or _MAX_DEVICES)
    if last and slots:
        indexes = reversed(indexes)
    for index in indexes:
        dev = prefix + device_letters(index)
        if dev not in used:
            return dev
    raise exception.InvalidInput(
        reason="no free device name left on the %s bus (%d in use)"
        % (bus, len([d for d in used if d.startswith(prefix)])))


def ordered(specs, rescue=False):
    """``specs`` in mapping order: rescue disk first, config drive last.

    :raises InvalidInput: when rescuing without a ``disk.rescue`` disk.
    """
    specs = list(specs)
    if rescue:
        first = [s for s in specs if s.name == context.RESCUE]
        if not first:
            raise exception.InvalidInput(
                reason="a rescue domain needs a %r disk" % context.RESCUE)
        specs = first + [s for s in specs if s.name != context.RESCUE]
    return ([s for s in specs if not s.is_config_drive]
            + [s for s in specs if s.is_config_drive])


def _check_bus(profile, spec, bus):
    allowed = profile.cdrom_buses if spec.device == "cdrom" else profile.disk_buses
    if bus not in allowed:
        raise exception.InvalidInput(
            reason="disk %s: bus %r is not available for a %s in the %s "
                   "profile (allowed: %s)" % (spec.name, bus, spec.device,
                                             profile.name, ", ".join(allowed)))


def boot_orders(specs, rescue=False):
    """``{disk name: boot order}`` from the specs' boot indexes.

    Empty when no disk has a boot index. A rescue disk boots first.
    """
    indexed = [s for s in specs if s.boot_index is not None and s.boot_index >= 0]
    if not indexed:
        return {}
    indexed.sort(key=lambda s: s.boot_index)
    if rescue:
        indexed.sort(key=lambda s: s.name != context.RESCUE)
    return {spec.name: order for order, spec in enumerate(indexed, start=1)}


def disk_mapping(ctx):
    """Place ``ctx.disks`` on buses; a tuple of :class:`DiskInfo`.

    :raises InvalidInput: for a bus the profile has not, or too many disks.
    """
    profile = ctx.profile
    mounted = filesystems.targets(profile, ctx.rescue)
    specs = [s for s in ordered(ctx.disks, ctx.rescue) if s.name not in mounted]
    orders = boot_orders(specs, ctx.rescue)
    used = set()
    mapping = []
    for spec in specs:
        bus = spec.bus or default_bus(profile, ctx.props, spec.device,
                                      ctx.machine_type)
        _check_bus(profile, spec, bus)
        dev = next_device(profile, bus, used, last=spec.is_config_drive)
        used.add(dev)
        mapping.append(DiskInfo(spec, bus, dev, orders.get(spec.name)))
    return tuple(mapping)


def boot_disk(mapping):
    """The disk the guest boots from: lowest boot order, else the first."""
    ordered_ = [info for info in mapping if info.boot_order is not None]
    if ordered_:
        return min(ordered_, key=lambda info: info.boot_order)
    return mapping[0] if mapping else None
