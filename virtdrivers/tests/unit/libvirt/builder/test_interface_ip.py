"""Static addresses and default routes in ``<interface>`` (Parallels: vz
configures the guest's network from them)."""

from virtdrivers import exception
from virtdrivers import network
from virtdrivers.libvirt.builder import interfaces
from virtdrivers.tests.unit.libvirt.builder import base
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx


def addressed_vif(*subnets):
    net = network.Network(bridge="br-int", subnets=list(subnets))
    return network.VIF(id=fx.VIF1, address="fa:16:3e:12:34:56", network=net)


V4 = network.Subnet(cidr="192.0.2.0/24", gateway="192.0.2.1",
                    ips=[{"address": "192.0.2.10"},
                         {"address": "203.0.113.5", "type": "floating"}],
                    routes=[{"cidr": "198.51.100.0/24",
                             "gateway": {"address": "192.0.2.254"}}])
V6 = network.Subnet(cidr="2001:db8::/64", gateway="2001:db8::1", version=6,
                    ips=[{"address": "2001:db8::10", "version": 6}])
DHCP = network.Subnet(cidr="10.0.0.0/24", gateway="10.0.0.1",
                      ips=[{"address": "10.0.0.5"}],
                      meta={"dhcp_server": "10.0.0.2"})


def ip_config(nic):
    return ([dict(ip.attrib) for ip in nic.element.findall("ip")],
            [dict(route.attrib) for route in nic.element.findall("route")])


class TestInterfaceIpConfig(base.BuilderTestCase):

    def test_parallels_nics_carry_static_addresses_and_gateways(self):
        for kind, props in (("parallels-vm", {}),
                            ("parallels-ct", {"vm_mode": "exe"})):
            ctx = fx.ctx("parallels", props=props,
                         disks=[fx.ploop_disk()] if props else None,
                         vifs=[addressed_vif(V4, V6, DHCP)])
            nic, = self.build(ctx).devices.interfaces
            # Fixed addresses only (not the floating one); no address on the
            # DHCP subnet; a default route per gateway, not the subnet's
            # other routes (vz takes default routes only).
            self.assertEqual((
                [{"address": "192.0.2.10", "family": "ipv4", "prefix": "24"},
                 {"address": "2001:db8::10", "family": "ipv6", "prefix": "64"}],
                [{"family": "ipv4", "address": "0.0.0.0", "prefix": "0",
                  "gateway": "192.0.2.1"},
                 {"family": "ipv6", "address": "::", "prefix": "0",
                  "gateway": "2001:db8::1"}]), ip_config(nic), kind)

    def test_libvirt_parses_them(self):
        domain = self.build(fx.ctx("parallels", vifs=[addressed_vif(V4, V6)]))
        live = self.assertBoots(domain)
        nic, = live.devices.interfaces
        self.assertEqual(ip_config(domain.devices.interfaces[0]),
                         ip_config(nic))

    def test_guests_with_a_config_channel_get_none(self):
        for virt_type in ("kvm", "xen"):
            nic, = self.build(fx.ctx(virt_type, vifs=[addressed_vif(V4)])
                              ).devices.interfaces
            self.assertEqual(([], []), ip_config(nic), virt_type)

    def test_set_ip_config_replaces_what_was_there(self):
        nic, = self.build(fx.ctx("parallels", vifs=[addressed_vif(V4)])
                          ).devices.interfaces
        renumbered = network.Subnet(cidr="192.0.2.0/24",
                                    ips=[{"address": "192.0.2.77"}])
        interfaces.set_ip_config(nic, addressed_vif(renumbered))
        self.assertEqual(([{"address": "192.0.2.77", "family": "ipv4",
                            "prefix": "24"}], []), ip_config(nic))

    def test_bad_cidr_is_named(self):
        bad = network.Subnet(cidr="192.0.2.0/99", ips=[{"address": "1.2.3.4"}])
        err = self.assertRaises(exception.InvalidInput, self.build,
                                fx.ctx("parallels", vifs=[addressed_vif(bad)]))
        self.assertIn("'192.0.2.0/99'", str(err))
        self.assertIn(fx.VIF1, str(err))
