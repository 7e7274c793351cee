"""Device classes: golden XML for each, valid inside a domain."""

from virtdrivers.libvirt import xml as vxml
from virtdrivers.tests.unit.libvirt.xml import xmltest


class DeviceTestCase(xmltest.XMLTestCase):

    def assertDevice(self, expected_xml, device):
        """The device gives ``expected_xml``, parses back, and is valid."""
        self.assertXMLEqual(expected_xml, device.to_xml())
        copy = self.assertRoundTrip(device)
        self.assertIsInstance(copy, type(device))
        dom = vxml.Domain.new(type="kvm", name="dev-test", memory=524288)
        dom.os.os_type = "hvm"
        dom.devices.append(device)
        self.assertValid(dom.to_xml(), "domain")


class TestDisk(DeviceTestCase):

    def test_block_device(self):
        self.assertDevice(
            "<disk type='block' device='disk'>"
            "<driver name='qemu' type='raw' cache='none' io='native'/>"
            "<source dev='/dev/vg/lv1'/><target dev='vdb' bus='virtio'/>"
            "<serial>vol-9</serial></disk>",
            vxml.Disk.new(type="block", device="disk", driver_name="qemu",
                          driver_type="raw", driver_cache="none",
                          driver_io="native", source_dev="/dev/vg/lv1",
                          target_dev="vdb", target_bus="virtio", serial="vol-9"),
        )

    def test_network_disk_with_auth_and_hosts(self):
        disk = vxml.Disk.new(type="network", device="disk",
                             source_protocol="rbd", source_name="pool/img",
                             target_dev="vda", target_bus="virtio")
        disk.source_hosts.append(vxml.SourceHost.new(name="mon1", port=6789))
        disk.auth.username = "admin"
        disk.auth.secret_type = "ceph"
        disk.auth.secret_uuid = "2a3bcd4e-5f60-4718-9abc-def012345678"
        self.assertDevice(
            "<disk type='network' device='disk'>"
            "<auth username='admin'><secret type='ceph' "
            "uuid='2a3bcd4e-5f60-4718-9abc-def012345678'/></auth>"
            "<source protocol='rbd' name='pool/img'>"
            "<host name='mon1' port='6789'/></source>"
            "<target dev='vda' bus='virtio'/></disk>",
            disk,
        )

    def test_cdrom_from_pool_volume_with_boot_order_and_address(self):
        disk = vxml.Disk.new(type="volume", device="cdrom", readonly=True,
                             source_pool="p", source_volume="v.iso",
                             target_dev="sda", target_bus="sata", boot_order=2)
        disk.address = vxml.DeviceAddress.new(
            type="drive", controller="0", bus="0", target="0", unit="0")
        self.assertDevice(
            "<disk type='volume' device='cdrom'>"
            "<source pool='p' volume='v.iso'/><target dev='sda' bus='sata'/>"
            "<readonly/><boot order='2'/>"
            "<address type='drive' controller='0' bus='0' target='0' unit='0'/>"
            "</disk>",
            disk,
        )


class TestOtherDevices(DeviceTestCase):

    def test_vhostuser_interface(self):
        self.assertDevice(
            "<interface type='vhostuser'><mac address='fa:16:3e:00:00:01'/>"
            "<source type='unix' path='/run/vhu/sock0' mode='server'/>"
            "<model type='virtio'/><driver queues='4'/></interface>",
            vxml.Interface.new(type="vhostuser", mac="fa:16:3e:00:00:01",
                               source_type="unix", source_path="/run/vhu/sock0",
                               source_mode="server", model="virtio",
                               driver_queues=4),
        )

    def test_network_interface_with_boot_order(self):
        self.assertDevice(
            "<interface type='network'><source network='default'/>"
            "<link state='down'/><boot order='1'/></interface>",
            vxml.Interface.new(type="network", source_network="default",
                               boot_order=1, link_state="down"),
        )

    def test_tcp_serial(self):
        self.assertDevice(
            "<serial type='tcp'>"
            "<source mode='bind' host='127.0.0.1' service='4555'/>"
            "<protocol type='telnet'/><target port='0'/></serial>",
            vxml.Serial.new(type="tcp", source_mode="bind",
                            source_host="127.0.0.1", source_service="4555",
                            protocol_type="telnet", target_port=0),
        )

    def test_file_console_with_log(self):
        self.assertDevice(
            "<console type='file'><source path='/var/log/c.out'/>"
            "<log file='/var/log/c.log' append='on'/>"
            "<target type='serial' port='0'/></console>",
            vxml.Console.new(type="file", source_path="/var/log/c.out",
                             log_file="/var/log/c.log", log_append=True,
                             target_type="serial", target_port=0),
        )

    def test_spicevmc_channel(self):
        self.assertDevice(
            "<channel type='spicevmc'>"
            "<target type='virtio' name='com.redhat.spice.0'/></channel>",
            vxml.Channel.new(type="spicevmc", target_type="virtio",
                             target_name="com.redhat.spice.0"),
        )

    def test_spice_graphics(self):
        graphics = vxml.Graphics.new(type="spice", port=5901, tls_port=5902,
                                     autoport=False, keymap="en-us")
        graphics.listens.append(vxml.GraphicsListen.new(
            type="address", address="0.0.0.0"))
        self.assertDevice(
            "<graphics type='spice' port='5901' tlsPort='5902' autoport='no' "
            "keymap='en-us'><listen type='address' address='0.0.0.0'/>"
            "</graphics>",
            graphics,
        )

    def test_video_input_rng_balloon_controller(self):
        cases = [
            ("<video><model type='qxl' ram='65536' vram='65536' vgamem='16384' "
             "heads='1'/></video>",
             vxml.Video.new(model_type="qxl", ram=65536, vram=65536,
                            vgamem=16384, heads=1)),
            ("<input type='keyboard' bus='virtio'/>",
             vxml.Input.new(type="keyboard", bus="virtio")),
            ("<rng model='virtio'><backend model='random'>/dev/random</backend>"
             "</rng>",
             vxml.Rng.new(model="virtio", backend_model="random",
                          backend_path="/dev/random")),
            ("<memballoon model='virtio' autodeflate='on'><stats period='5'/>"
             "</memballoon>",
             vxml.MemBalloon.new(model="virtio", autodeflate=True,
                                 stats_period=5)),
            ("<controller type='virtio-serial' index='0' ports='16' "
             "vectors='4'/>",
             vxml.Controller.new(type="virtio-serial", index=0, ports=16,
                                 vectors=4)),
        ]
        for expected, device in cases:
            self.assertDevice(expected, device)

    def test_filesystem_mount(self):
        self.assertDevice(
            "<filesystem type='mount' accessmode='mapped'>"
            "<driver type='path'/><source dir='/srv'/><target dir='tag0'/>"
            "<readonly/></filesystem>",
            vxml.Filesystem.new(type="mount", accessmode="mapped",
                                driver_type="path", source_dir="/srv",
                                target_dir="tag0", readonly=True),
        )

    def test_unknown_device_is_generic_and_intact(self):
        text = ("<devices><tpm model='tpm-crb'><backend type='emulator' "
                "version='2.0'/></tpm></devices>")
        devices = vxml.Devices.from_xml(text)
        tpm, = devices
        self.assertIs(vxml.DeviceXML, type(tpm))
        self.assertEqual("tpm", tpm.tag)
        self.assertXMLEqual(text, devices.to_xml())
