"""Networking, host resources, host actions and events."""

import abc
import logging
import uuid as uuidlib

from virtdrivers import events as virtevents
from virtdrivers.interface.base import InterfaceBase

LOG = logging.getLogger(__name__)

# Node uuids are derived from the node name, so they are stable across
# restarts without a state file.
_NODE_NAMESPACE = uuidlib.UUID('9a6b4b4e-5f38-4f7c-9d0a-6c1f0c3e2b11')


class NetworkInterface(InterfaceBase):
    def attach_interface(self, context, instance, image_meta, vif):
        """Hot-plug *vif* into *instance*."""
        self._unsupported('attach_interface')

    def detach_interface(self, context, instance, vif):
        """Hot-unplug *vif* from *instance*."""
        self._unsupported('detach_interface')

    def plug_vifs(self, instance, network_info):
        """Create the host side of *instance*'s VIFs."""
        self._unsupported('plug_vifs')

    def unplug_vifs(self, instance, network_info):
        """Remove the host side of *instance*'s VIFs."""
        self._unsupported('unplug_vifs')

    def inject_network_info(self, instance, nw_info):
        """Write network configuration into a running guest."""
        self._unsupported('inject_network_info')

    def prepare_networks_before_block_device_mapping(self, instance,
                                                     network_info):
        """Hook before volumes are mapped; default nothing."""

    def clean_networks_preparation(self, instance, network_info):
        """Undo :meth:`prepare_networks_before_block_device_mapping`."""

    def network_binding_host_id(self, context, instance):
        """The host id Neutron should bind the instance's ports to."""
        return instance.get('host')

    def manages_network_binding_host_id(self):
        """True when the driver, not Nova, chooses the binding host."""
        return False


class HostInterface(InterfaceBase):
    @abc.abstractmethod
    def get_available_resource(self, nodename):
        """Return the node's resources as Nova's dict.

        Keys: vcpus, memory_mb, local_gb, vcpus_used, memory_mb_used,
        local_gb_used, hypervisor_type, hypervisor_version (int),
        hypervisor_hostname, cpu_info (JSON), disk_available_least,
        supported_instances, numa_topology, pci_passthrough_devices.
        """

    @abc.abstractmethod
    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        """Set inventory (VCPU, MEMORY_MB, DISK_GB) and traits on the tree.

        *provider_tree* is Nova's ``ProviderTree`` or anything with
        ``update_inventory(name, inventory)``, ``data(name)`` and
        ``update_traits(name, traits)``.
        """

    @abc.abstractmethod
    def get_available_nodes(self, refresh=False):
        """Return the node names this driver manages (usually one)."""

    def get_nodenames_by_uuid(self, refresh=False):
        """Return ``{node uuid: node name}``; uuids are stable per name."""
        return {str(uuidlib.uuid5(_NODE_NAMESPACE, name)): name
                for name in self.get_available_nodes(refresh=refresh)}

    def node_is_available(self, nodename):
        """True when *nodename* is one of this driver's nodes."""
        return nodename in self.get_available_nodes()

    def is_node_deleted(self, nodename):
        """True when *nodename* is gone for good (Ironic); never here."""
        return False

    def capabilities_as_traits(self):
        """``{trait name: bool}`` from the declared capabilities."""
        return self.capabilities.as_traits()

    def get_host_ip_addr(self):
        """The IP address instances' traffic should use to reach this host."""
        self._unsupported('get_host_ip_addr')

    def get_host_uptime(self):
        """The host's ``uptime`` line."""
        self._unsupported('get_host_uptime')

    def get_host_cpu_stats(self):
        """Host CPU times: ``{kernel, idle, user, iowait, frequency}``."""
        self._unsupported('get_host_cpu_stats')

    def host_power_action(self, action):
        """Reboot, shut down or start the host."""
        self._unsupported('host_power_action')

    def host_maintenance_mode(self, host, mode):
        """Enter (or leave) maintenance mode, evacuating guests."""
        self._unsupported('host_maintenance_mode')

    def set_host_enabled(self, enabled):
        """Allow or stop new instances on this host."""
        self._unsupported('set_host_enabled')

    # -- events -----------------------------------------------------------

    def register_event_listener(self, callback):
        """Call *callback(event)* for every lifecycle event (None stops)."""
        self._compute_event_callback = callback

    def emit_event(self, event):
        """Hand *event* to the registered listener.

        Errors raised by the listener are logged, never propagated into the
        driver (an event loop thread must survive a bad listener).
        """
        if not isinstance(event, virtevents.Event):
            raise ValueError('event must be a virtdrivers.events.Event, got %r'
                             % (event,))
        callback = getattr(self, '_compute_event_callback', None)
        if callback is None:
            LOG.debug('Discarding event %s: no listener', event)
            return
        try:
            callback(event)
        except Exception:
            LOG.exception('Event listener failed on %s', event)
