"""``<interface>`` elements from the instance's network info.

The host side (bridge, tap device, Open vSwitch port) has been plugged by the
time the domain starts; here we only say how the guest's NIC attaches to it:

* ``bridge``: a Linux bridge, ``vif['network']['bridge']``;
* ``ovs``: with hybrid plug (security groups on iptables) the per-port
  Linux bridge ``qbr<port id[:11]>``, as os-vif names it; otherwise the
  integration bridge with an Open vSwitch ``<virtualport>``;
* ``tap``, ``ethernet``: an ``ethernet`` interface on the VIF's tap device.

Where the profile says so (``interface_ip_config``: Parallels, whose vz
driver configures the guest's network itself, having no configuration
channel), each interface also carries the VIF's static addresses as
``<ip address prefix>`` and its default gateways as ``<route>``.
"""

import ipaddress

from lxml import etree

from virtdrivers import exception
from virtdrivers.libvirt import xml as vxml

# os-vif's hybrid-plug bridge name: "qbr" + the first 11 characters of the
# port id (15 characters, Linux's limit for interface names).
_HYBRID_BRIDGE_PREFIX = "qbr"
_NAME_CHARS = 11


def configure(ctx, domain):
    """Append one ``<interface>`` per VIF, in network info order.

    :raises InvalidInput: for a VIF type the profile cannot attach, or a
        bridged VIF without a bridge.
    """
    model = ctx.props.get("hw_vif_model") or ctx.profile.default_vif_model
    for vif in ctx.network_info:
        domain.devices.append(interface(ctx.profile, vif, model))


def interface(profile, vif, model):
    """The :class:`~virtdrivers.libvirt.xml.Interface` of one VIF."""
    vif_type = vif.get("type")
    if vif_type not in profile.vif_types:
        raise exception.InvalidInput(
            reason="VIF %s: type %r is not supported by the %s profile "
                   "(allowed: %s)" % (vif.get("id"), vif_type, profile.name,
                                      ", ".join(profile.vif_types)))
    nic = vxml.Interface.new(mac=vif.get("address"), model=model)
    _ATTACH[vif_type](nic, vif)
    nic.target_dev = vif.get("devname")
    if model == "virtio":
        nic.driver_name = profile.virtio_net_driver
    nic.mtu = _network(vif).get("meta", {}).get("mtu")
    if profile.interface_ip_config:
        set_ip_config(nic, vif)
    return nic


def set_ip_config(nic, vif):
    """Replace *nic*'s ``<ip>`` and ``<route>`` with the VIF's: its fixed
    addresses on subnets without DHCP, and a default route per subnet
    gateway.

    Subnets served by DHCP get none (the guest asks the DHCP server).
    Other routes of a subnet are left out: libvirt's vz driver accepts
    default routes only; guests find them in network_data.json.

    :raises InvalidInput: for a subnet with a bad CIDR, naming it.
    """
    for old in nic.element.findall("ip") + nic.element.findall("route"):
        nic.element.remove(old)
    for subnet in _network(vif).get("subnets") or ():
        if (subnet.get("meta") or {}).get("dhcp_server") is not None:
            continue
        if not subnet.get("cidr"):
            continue
        net = _cidr(vif, subnet["cidr"])
        family = "ipv%d" % net.version
        for ip in subnet.get("ips") or ():
            if ip.get("address") and ip.get("type", "fixed") == "fixed":
                _insert(nic, etree.Element("ip", address=ip["address"],
                                           family=family,
                                           prefix=str(net.prefixlen)))
        gateway = _address(subnet.get("gateway"))
        if gateway:
            anywhere = "0.0.0.0" if net.version == 4 else "::"
            _insert(nic, etree.Element("route", family=family,
                                       address=anywhere, prefix="0",
                                       gateway=gateway))


def _cidr(vif, value):
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError as err:
        raise exception.InvalidInput(
            reason="VIF %s: subnet CIDR %r: %s" % (vif.get("id"), value, err)
        ) from err


def _address(ip):
    return ip.get("address") if isinstance(ip, dict) else ip


def _insert(nic, element):
    # The XML layer models no <ip>/<route> yet: put them where libvirt
    # formats them (Interface.CHILD_ORDER), after those already there.
    order = vxml.Interface.CHILD_ORDER
    rank = order.index(element.tag)
    for sibling in nic.element:
        if sibling.tag in order and order.index(sibling.tag) > rank:
            sibling.addprevious(element)
            return
    nic.element.append(element)


def _network(vif):
    return vif.get("network") or {}


def _bridge_of(vif):
    bridge = _network(vif).get("bridge")
    if not bridge:
        raise exception.InvalidInput(
            reason="VIF %s of type %s has no network bridge"
            % (vif.get("id"), vif.get("type")))
    return bridge


def _attach_bridge(nic, vif):
    nic.type = "bridge"
    nic.source_bridge = _bridge_of(vif)


def _attach_ovs(nic, vif):
    nic.type = "bridge"
    if (vif.get("details") or {}).get("ovs_hybrid_plug"):
        nic.source_bridge = _HYBRID_BRIDGE_PREFIX + vif["id"][:_NAME_CHARS]
        return
    nic.source_bridge = _bridge_of(vif)
    _add_ovs_virtualport(nic, vif["id"])


def _attach_ethernet(nic, vif):
    nic.type = "ethernet"


def _add_ovs_virtualport(nic, interface_id):
    # The XML layer has no <virtualport> property yet; build it here, right
    # after <source> where libvirt formats it.
    port = etree.Element("virtualport", type="openvswitch")
    etree.SubElement(port, "parameters", interfaceid=interface_id)
    nic.element.find("source").addnext(port)


_ATTACH = {"bridge": _attach_bridge, "ovs": _attach_ovs,
           "tap": _attach_ethernet, "ethernet": _attach_ethernet}
