"""Disk buses and target names, as Nova assigns them."""

import testtools

from virtdrivers import exception
from virtdrivers.libvirt.builder import BuilderSettings
from virtdrivers.libvirt.builder import DiskSource
from virtdrivers.libvirt.builder import DiskSpec
from virtdrivers.libvirt.builder import blockinfo
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx


def placed(ctx):
    return [(i.name, i.bus, i.dev) for i in ctx.disk_mapping]


def full_disks():
    return [fx.root_disk(), fx.ephemeral_disk(), fx.swap_disk(),
            fx.config_drive()]


class TestDeviceLetters(testtools.TestCase):

    def test_letters(self):
        self.assertEqual(["a", "b", "z", "aa", "az", "ba", "zz"],
                         [blockinfo.device_letters(i)
                          for i in (0, 1, 25, 26, 51, 52, 701)])


class TestMapping(testtools.TestCase):

    def test_default_root_ephemeral_swap_config_drive(self):
        ctx = fx.ctx(disks=full_disks())
        self.assertEqual([("disk", "virtio", "vda"),
                          ("disk.local", "virtio", "vdb"),
                          ("disk.swap", "virtio", "vdc"),
                          ("disk.config", "ide", "hdd")], placed(ctx))

    def test_config_drive_goes_last_wherever_listed(self):
        ctx = fx.ctx(disks=[fx.config_drive(), fx.root_disk(),
                            fx.swap_disk()])
        self.assertEqual(["vda", "vdb", "hdd"],
                         [i.dev for i in ctx.disk_mapping])

    def test_q35_puts_the_config_drive_on_sata(self):
        for ctx in (fx.ctx(disks=full_disks(), props={"hw_machine_type": "q35"}),
                    fx.ctx(disks=full_disks(),
                           settings=BuilderSettings(hw_machine_type="pc-q35-8.2"))):
            self.assertEqual(("disk.config", "sata", "sda"), placed(ctx)[-1])

    def test_image_disk_bus_applies_to_every_disk(self):
        expected = {
            "scsi": ["sda", "sdb", "sdc"],
            "sata": ["sda", "sdb", "sdc"],
            "usb": ["sda", "sdb", "sdc"],
            "ide": ["hda", "hdb", "hdc"],
        }
        for bus, devs in expected.items():
            ctx = fx.ctx(disks=full_disks(), props={"hw_disk_bus": bus})
            self.assertEqual([("disk", bus, devs[0]), ("disk.local", bus, devs[1]),
                              ("disk.swap", bus, devs[2])], placed(ctx)[:3], bus)

    def test_sd_buses_share_one_sequence(self):
        # Root on scsi (sda), then a sata cdrom config drive: sdb, not sda.
        ctx = fx.ctx(disks=full_disks(), props={"hw_disk_bus": "scsi",
                                                "hw_cdrom_bus": "sata"})
        self.assertEqual(["sda", "sdb", "sdc", "sdd"],
                         [i.dev for i in ctx.disk_mapping])

    def test_ide_config_drive_takes_the_last_free_slot(self):
        ctx = fx.ctx(disks=full_disks(), props={"hw_disk_bus": "ide"})
        self.assertEqual(("disk.config", "ide", "hdd"), placed(ctx)[-1])

    def test_ide_has_four_slots(self):
        disks = full_disks() + [fx.file_disk("disk.eph1")]
        ctx = fx.ctx(disks=disks, props={"hw_disk_bus": "ide"})
        err = self.assertRaises(exception.InvalidInput,
                                lambda: ctx.disk_mapping)
        self.assertIn("ide bus", str(err))

    def test_config_drive_as_a_disk(self):
        vfat = fx.file_disk("disk.config", device="disk")
        ctx = fx.ctx(disks=[fx.root_disk(), vfat])
        self.assertEqual(("disk.config", "virtio", "vdb"), placed(ctx)[-1])

    def test_explicit_bus_wins_and_is_checked(self):
        volume = DiskSpec("vol-1", DiskSource(type="block", path="/dev/sdx"),
                          bus="scsi", serial="vol-1")
        ctx = fx.ctx(disks=[fx.root_disk(), volume])
        self.assertEqual([("disk", "virtio", "vda"), ("vol-1", "scsi", "sda")],
                         placed(ctx))
        cdrom = DiskSpec("iso", DiskSource(path="/x.iso"), device="cdrom",
                         bus="virtio")
        err = self.assertRaises(exception.InvalidInput, lambda: fx.ctx(
            disks=[fx.root_disk(), cdrom]).disk_mapping)
        self.assertIn("bus 'virtio' is not available for a cdrom", str(err))

    def test_rescue_disk_first(self):
        ctx = fx.ctx(disks=[fx.root_disk(), fx.config_drive(), fx.rescue_disk()],
                     rescue=True)
        self.assertEqual([("disk.rescue", "virtio", "vda"),
                          ("disk", "virtio", "vdb"),
                          ("disk.config", "ide", "hdd")], placed(ctx))
        self.assertEqual("disk.rescue",
                         blockinfo.boot_disk(ctx.disk_mapping).name)

    def test_rescue_without_a_rescue_disk(self):
        ctx = fx.ctx(rescue=True)
        err = self.assertRaises(exception.InvalidInput, lambda: ctx.disk_mapping)
        self.assertIn("disk.rescue", str(err))

    def test_boot_indexes_become_boot_orders(self):
        volume = DiskSpec("vol-1", DiskSource(type="block", path="/dev/sdx"),
                          boot_index=0)
        root = fx.root_disk(boot_index=1)
        ctx = fx.ctx(disks=[root, volume, fx.swap_disk()])
        self.assertEqual([("disk", 2), ("vol-1", 1), ("disk.swap", None)],
                         [(i.name, i.boot_order) for i in ctx.disk_mapping])
        self.assertEqual("vol-1", blockinfo.boot_disk(ctx.disk_mapping).name)

    def test_rescue_disk_boots_first_with_boot_indexes(self):
        ctx = fx.ctx(disks=[fx.root_disk(boot_index=0),
                            fx.rescue_disk(boot_index=1)], rescue=True)
        self.assertEqual([("disk.rescue", 1), ("disk", 2)],
                         [(i.name, i.boot_order) for i in ctx.disk_mapping])

    def test_no_disks(self):
        ctx = fx.ctx(disks=[])
        self.assertEqual((), ctx.disk_mapping)
        self.assertIsNone(blockinfo.boot_disk(ctx.disk_mapping))
