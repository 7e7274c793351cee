"""Network information handed to drivers (``nova.network.model``).

Like Nova's, these are dicts (so ``vif['network']['bridge']`` works) with a
few helper methods; a Nova ``NetworkInfo`` can be passed instead.
"""

import uuid as uuidlib


class Model(dict):
    """A dict that also reads its keys as attributes."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


class IP(Model):
    def __init__(self, address=None, type='fixed', version=4, **kwargs):
        super().__init__(address=address, type=type, version=version, **kwargs)


class Subnet(Model):
    def __init__(self, cidr=None, gateway=None, ips=(), dns=(), routes=(),
                 version=4, **kwargs):
        super().__init__(cidr=cidr, gateway=IP(address=gateway, type='gateway')
                         if isinstance(gateway, str) else gateway,
                         ips=[IP(**ip) if isinstance(ip, dict) else ip for ip in ips],
                         dns=[IP(address=d, type='dns') if isinstance(d, str) else d
                              for d in dns],
                         routes=list(routes), version=version, **kwargs)


class Network(Model):
    def __init__(self, id=None, bridge=None, label=None, subnets=(), mtu=None,
                 **kwargs):
        meta = dict(kwargs.pop('meta', {}) or {})
        if mtu is not None:
            meta['mtu'] = mtu
        super().__init__(id=id or str(uuidlib.uuid4()), bridge=bridge, label=label,
                         subnets=list(subnets), meta=meta, **kwargs)


# VIF types and vnic types (``nova.network.model``) a driver may see.
VIF_TYPE_BRIDGE = 'bridge'
VIF_TYPE_OVS = 'ovs'
VIF_TYPE_TAP = 'tap'
VIF_TYPE_ETHERNET = 'ethernet'
VNIC_TYPE_NORMAL = 'normal'


class VIF(Model):
    """One virtual interface: id, MAC address, network, type, details."""

    def __init__(self, id=None, address=None, network=None, type=VIF_TYPE_BRIDGE,
                 details=None, devname=None, vnic_type=VNIC_TYPE_NORMAL,
                 active=True, **kwargs):
        vif_id = id or str(uuidlib.uuid4())
        super().__init__(id=vif_id, address=address, network=network,
                         type=type, details=dict(details or {}),
                         devname=devname or ('tap' + vif_id)[:14],
                         vnic_type=vnic_type, active=active, **kwargs)

    def fixed_ips(self):
        """Every fixed IP of this VIF, across the network's subnets."""
        net = self.get('network') or {}
        return [ip for subnet in net.get('subnets', ())
                for ip in subnet.get('ips', ()) if ip.get('type') == 'fixed']


class NetworkInfo(list):
    """The list of an instance's VIFs."""

    def fixed_ips(self):
        return [ip for vif in self for ip in vif.fixed_ips()]


def block_device_info(root_device_name=None, image=(), ephemerals=(),
                      block_device_mapping=(), swap=None):
    """Build the ``block_device_info`` dict Nova passes to drivers."""
    return {'root_device_name': root_device_name, 'image': list(image),
            'ephemerals': list(ephemerals),
            'block_device_mapping': list(block_device_mapping), 'swap': swap}


def bdi_mapping(block_device_info):
    """The attached volumes of a ``block_device_info`` (empty when None)."""
    return list((block_device_info or {}).get('block_device_mapping') or ())


def bdi_ephemerals(block_device_info):
    return list((block_device_info or {}).get('ephemerals') or ())


def bdi_swap(block_device_info):
    """The swap entry, or None when it is missing or sized 0 (Nova's rule)."""
    swap = (block_device_info or {}).get('swap')
    if swap and swap.get('swap_size', 0) > 0:
        return swap
    return None
