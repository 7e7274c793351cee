"""Configuration handed to the guest: the instance metadata on the
host<->guest configuration channel and injected networking, as a mixin of
:class:`.driver.LibvirtDriver`.

Guests whose profile has a ``config_channel`` (QEMU, Xen) get the metadata
document of :mod:`.configchannel`; the driver writes it after every start
of the guest (:meth:`GuestConfigMixin.write_guest_config`) and when the
network changes. Guests whose profile has ``interface_ip_config``
(Parallels: vz has no channels) get their addresses in the domain's
``<interface>`` elements, which vz applies to the guest itself.
"""

import functools
import logging

from virtdrivers import exception
from virtdrivers.libvirt import configchannel
from virtdrivers.libvirt.builder import interfaces

LOG = logging.getLogger(__name__)


def channel_socket(domain, name):
    """The host-side socket path of the unix channel *name* in *domain*
    (live XML: libvirt fills in the path it chose), or None."""
    for channel in domain.devices.channels:
        if channel.target_name == name and channel.type == 'unix':
            return channel.source_path
    return None


class GuestConfigMixin:
    """Nova's network injection for the libvirt driver, and the metadata
    on the configuration channel."""

    @functools.cached_property
    def config_channels(self):
        """The open :class:`.configchannel.Connections` of this driver."""
        return configchannel.Connections()

    def guest_config_document(self, instance, network_info=None):
        """The metadata document the configuration channel carries for
        *instance*: from its spawn record, with *network_info* (when given
        and not empty) instead of the recorded one.

        :raises InstanceInvalidState: the instance has no spawn record.
        """
        image_meta, saved = self.storage.load_record(instance)
        return configchannel.document(instance, image_meta,
                                      network_info or saved)

    def write_guest_config(self, instance, network_info=None):
        """Write *instance*'s metadata into its configuration channel.

        Call it after every start of the guest (spawn, hard reboot, power
        on, resume): QEMU drops what the channel held when it restarts.
        Never fails a start: a guest kind without a channel, a guest that
        is not running, and a channel that cannot be written (logged) all
        return False.

        :returns: True when the document was written.
        """
        try:
            return self._write_guest_config(instance, network_info)
        except exception.VirtDriverError as err:
            LOG.warning('Instance %s: metadata not written to the '
                        'configuration channel: %s', instance.uuid, err)
            return False

    def _write_guest_config(self, instance, network_info):
        image_meta, saved = self.storage.load_record(instance)
        name = self.profile.for_image(image_meta).config_channel
        if name is None:
            return False
        guest = self.host.get_guest(instance)
        if not guest.is_active():
            return False
        path = channel_socket(guest.get_config(), name)
        if path is None:
            # libvirt's test driver keeps no socket; a real one always has.
            LOG.debug('Instance %s: channel %s has no host socket',
                      instance.uuid, name)
            return False
        self.config_channels.send(instance.uuid, path, configchannel.document(
            instance, image_meta, network_info or saved))
        LOG.debug('Instance %s: metadata written to %s', instance.uuid, path)
        return True

    def inject_network_info(self, instance, nw_info):
        """Nova's ``inject_network_info``: give the guest *nw_info*.

        The spawn record keeps it, so the next boot carries it. A running
        guest gets it now: on its configuration channel (QEMU, Xen), or in
        its interfaces' ``<ip>``/``<route>`` (Parallels), which are also
        changed in the persistent definition.

        :raises InvalidInput: a VIF whose MAC address no interface of the
            instance has (Parallels), or a bad CIDR; nothing is changed.
        :raises HypervisorError: the running guest's channel cannot be
            written; nothing is changed.
        """
        self.require('inject-networking', instance)
        with self._lock(instance):
            guest = self.host.get_guest(instance)
            image_meta, _old = self.storage.load_record(instance)
            profile = self.profile.for_image(image_meta)
            if profile.interface_ip_config:
                self._inject_into_interfaces(instance, guest, nw_info)
            if profile.config_channel and guest.is_active():
                path = channel_socket(guest.get_config(), profile.config_channel)
                if path is not None:
                    self.config_channels.send(
                        instance.uuid, path,
                        configchannel.document(instance, image_meta, nw_info))
            self.storage.save_record(instance, image_meta, nw_info)
        LOG.info('Injected network info into instance %s', instance.uuid)

    def _inject_into_interfaces(self, instance, guest, nw_info):
        """Give each VIF's interface its addresses: live, then in the
        persistent definition. All VIFs are checked before any change."""
        persistent = guest.get_config(dump_inactive=True)
        by_mac = {nic.mac.lower(): nic for nic in persistent.devices.interfaces
                  if nic.mac}
        for vif in nw_info:
            if (vif.get('address') or '').lower() not in by_mac:
                raise exception.InvalidInput(
                    reason='VIF %s: instance %s has no interface with MAC '
                    'address %s' % (vif.get('id'), instance.uuid,
                                    vif.get('address')))
        for vif in nw_info:
            interfaces.set_ip_config(by_mac[vif['address'].lower()], vif)
        if guest.is_active():
            self._update_live_interfaces(instance, guest, nw_info)
        self.host.write_instance_config(persistent)

    @staticmethod
    def _update_live_interfaces(instance, guest, nw_info):
        live = {nic.mac.lower(): nic for nic in guest.get_config().devices.interfaces
                if nic.mac}
        done = []
        try:
            for vif in nw_info:
                nic = live.get(vif['address'].lower())
                if nic is None:
                    continue    # defined but not plugged in yet: next start
                old = nic.to_xml()
                interfaces.set_ip_config(nic, vif)
                guest.update_device(nic, live=True)
                done.append(old)
        except exception.NotSupported as err:
            # libvirt's test driver cannot update devices; vz can.
            LOG.warning('Instance %s: its network changes at its next start '
                        '(%s)', instance.uuid, err)
        except exception.VirtDriverError:
            for old in done:
                guest.update_device(old, live=True)
            raise
