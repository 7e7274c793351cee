"""Disks and network interfaces of built domains."""

from virtdrivers import exception
from virtdrivers import network
from virtdrivers.libvirt.builder import BuilderSettings
from virtdrivers.libvirt.builder import DiskAuth
from virtdrivers.libvirt.builder import DiskSource
from virtdrivers.libvirt.builder import DiskSpec
from virtdrivers.tests.unit.libvirt.builder import base
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx

SECRET = "2a3bcd4e-5f60-4718-9abc-def012345678"


def rbd_disk():
    return DiskSpec("vol-rbd", DiskSource(
        type="network", protocol="rbd", name="volumes/volume-1",
        hosts=(("mon1", 6789), "mon2"),
        auth=DiskAuth(username="cinder", secret_uuid=SECRET)),
        serial="volume-1")


class TestDisks(base.BuilderTestCase):

    def test_file_disks(self):
        dom = self.build(fx.ctx(disks=[fx.root_disk(), fx.config_drive()]))
        root, config = dom.devices.disks
        self.assertEqual(("file", "disk", "qemu", "qcow2", fx.INSTANCE_DIR + "/disk"),
                         (root.type, root.device, root.driver_name,
                          root.driver_type, root.source_file))
        self.assertEqual(("cdrom", "raw", "hdd", "ide"),
                         (config.device, config.driver_type, config.target_dev,
                          config.target_bus))

    def test_every_source_type(self):
        block = DiskSpec("vol-blk", DiskSource(type="block", path="/dev/sdx"),
                         serial="volume-2", readonly=True)
        pooled = DiskSpec("disk.local", DiskSource(
            type="volume", pool="nova-disks-pool", volume=fx.UUID + "_disk.local"))
        dom = self.build(fx.ctx(disks=[fx.root_disk(), block, rbd_disk(), pooled]))
        _root, blk, rbd, vol = dom.devices.disks
        self.assertEqual(("block", "/dev/sdx", "volume-2", True, "vdb"),
                         (blk.type, blk.source_dev, blk.serial, blk.readonly,
                          blk.target_dev))
        self.assertEqual(("rbd", "volumes/volume-1", "vdc"),
                         (rbd.source_protocol, rbd.source_name, rbd.target_dev))
        self.assertEqual([("mon1", 6789), ("mon2", None)],
                         [(h.name, h.port) for h in rbd.source_hosts])
        self.assertEqual(("cinder", "ceph", SECRET),
                         (rbd.auth.username, rbd.auth.secret_type,
                          rbd.auth.secret_uuid))
        self.assertEqual(("volume", "nova-disks-pool", fx.UUID + "_disk.local"),
                         (vol.type, vol.source_pool, vol.source_volume))

    def test_cache_modes(self):
        settings = BuilderSettings(disk_cachemodes={"file": "none",
                                                    "network": "writeback"})
        pooled = DiskSpec("disk.local", DiskSource(type="volume", pool="p",
                                                   volume="v"))
        own = fx.file_disk("disk.swap")
        own = DiskSpec(own.name, DiskSource(path=own.source.path,
                                            cache="unsafe"))
        block = DiskSpec("vol", DiskSource(type="block", path="/dev/sdx"))
        dom = self.build(fx.ctx(settings=settings, disks=[
            fx.root_disk(), rbd_disk(), pooled, own, block]))
        self.assertEqual(["none", "writeback", "none", "unsafe", None],
                         [d.driver_cache for d in dom.devices.disks])

    def test_scsi_disks_get_a_virtio_scsi_controller(self):
        dom = self.build(fx.ctx(props={"hw_disk_bus": "scsi"}))
        self.assertEqual([("scsi", "virtio-scsi")],
                         [(c.type, c.model) for c in dom.devices.controllers])
        dom = self.build(fx.ctx(props={"hw_disk_bus": "scsi",
                                       "hw_scsi_model": "lsisas1068"}))
        self.assertEqual("lsisas1068", dom.devices.controllers[0].model)
        self.assertEqual(0, len(self.build(fx.ctx()).devices.controllers))


class TestInterfaces(base.BuilderTestCase):

    def test_bridge(self):
        nic, = self.build(fx.ctx()).devices.interfaces
        self.assertEqual(("bridge", "fa:16:3e:12:34:56", "br-int", "virtio",
                          "tap9b1c1e2a-3d", 1450, None),
                         (nic.type, nic.mac, nic.source_bridge, nic.model,
                          nic.target_dev, nic.mtu, nic.driver_name))

    def test_qemu_virtio_nics_use_the_qemu_backend(self):
        nic, = self.build(fx.ctx("qemu")).devices.interfaces
        self.assertEqual(("virtio", "qemu"), (nic.model, nic.driver_name))
        nic, = self.build(fx.ctx("qemu", props={"hw_vif_model": "e1000"})
                          ).devices.interfaces
        self.assertEqual(("e1000", None), (nic.model, nic.driver_name))

    def test_vif_models(self):
        for model in ("e1000", "e1000e", "rtl8139", "ne2k_pci", "pcnet"):
            nic, = self.build(fx.ctx(props={"hw_vif_model": model})
                              ).devices.interfaces
            self.assertEqual(model, nic.model)

    def test_ovs(self):
        direct, hybrid = self.build(fx.ctx(vifs=[
            fx.ovs_vif(), fx.hybrid_vif()])).devices.interfaces
        self.assertEqual(("bridge", "br-int"), (direct.type, direct.source_bridge))
        port = direct.element.find("virtualport")
        self.assertEqual(("openvswitch", fx.VIF2),
                         (port.get("type"),
                          port.find("parameters").get("interfaceid")))
        self.assertEqual(("qbr9b1c1e2a-3d", None),
                         (hybrid.source_bridge,
                          hybrid.element.find("virtualport")))

    def test_tap_and_ethernet(self):
        vifs = [fx.bridge_vif(type=network.VIF_TYPE_TAP, devname="tap-a"),
                fx.bridge_vif(fx.VIF2, type="ethernet", devname="tap-b",
                              mtu=None)]
        tap, eth = self.build(fx.ctx(vifs=vifs)).devices.interfaces
        self.assertEqual([("ethernet", "tap-a", None, 1450),
                          ("ethernet", "tap-b", None, None)],
                         [(n.type, n.target_dev, n.source_bridge, n.mtu)
                          for n in (tap, eth)])

    def test_unsupported_vif_type(self):
        vif = fx.bridge_vif(type="vhostuser")
        err = self.assertRaises(exception.InvalidInput, self.build,
                                fx.ctx(vifs=[vif]))
        self.assertIn("'vhostuser'", str(err))
        self.assertIn(fx.VIF1, str(err))

    def test_bridge_vif_without_bridge(self):
        vif = network.VIF(id=fx.VIF1, address="fa:16:3e:00:00:01",
                          network=network.Network())
        err = self.assertRaises(exception.InvalidInput, self.build,
                                fx.ctx(vifs=[vif]))
        self.assertIn("no network bridge", str(err))

    def test_no_network(self):
        self.assertEqual(0, len(self.build(fx.ctx(vifs=[])).devices.interfaces))
