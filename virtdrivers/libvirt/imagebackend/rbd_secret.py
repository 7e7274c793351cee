"""The libvirt ``ceph`` secret ``rbd`` disks authenticate with: defined on
a host with the cephx key of ``[libvirt] rbd_user``."""

import base64
import binascii
import logging

from virtdrivers import exception
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.imagebackend import rbd_settings

LOG = logging.getLogger(__name__)


class CephSecretMixin:
    """The secret of an :class:`~.rbd.Rbd`; needs its ``rbd_settings`` and
    ``client``."""

    def prepare_host(self, host):
        """The cephx secret disks refer to, defined on *host*'s libvirt."""
        try:
            self.ensure_secret(host)
        except exception.NotSupported as err:
            # libvirt's test driver has no secrets; its guests never read.
            LOG.warning('Cannot define the cephx secret on %s: %s', host.uri, err)

    def ensure_secret(self, host):
        """Define the ``ceph`` secret ``rbd_secret_uuid`` with
        ``rbd_user``'s key (read from the client's keyring) on *host* (a
        :class:`~virtdrivers.libvirt.host.Host`); nothing when either
        option is unset.

        :raises ConfigurationError: no key for the user in the keyring.
        """
        settings = self.rbd_settings
        if settings.auth is None:
            return False
        key = self.client.keyring_key()
        if not key:
            raise exception.ConfigurationError(
                reason='%s=%s has no key in the keyring of %s=%s, so the '
                'libvirt secret %s cannot be defined' % (
                    rbd_settings.OPTION_USER, settings.user,
                    rbd_settings.OPTION_CONF, settings.ceph_conf or "''",
                    settings.secret_uuid))
        ensure_libvirt_secret(host, settings.secret_uuid, settings.user, key)
        return True


def secret_xml(secret_uuid, username):
    """The definition of the ``ceph`` secret of cephx user *username*."""
    return vxml.Secret.new(
        ephemeral=False, private=True, uuid=secret_uuid, usage_type='ceph',
        usage_name='client.%s secret %s' % (username, secret_uuid),
        description='Ceph key of client.%s (virtdrivers rbd disks)' % username)


def ensure_libvirt_secret(host, secret_uuid, username, key):
    """Make *host* hold the ``ceph`` secret *secret_uuid* with cephx *key*
    (base64, as in a keyring): defined when missing (private: its value
    cannot be read back), its value set either way.

    :param host: a :class:`~virtdrivers.libvirt.host.Host`.
    :raises ConfigurationError: *key* is not base64.
    :raises NotSupported: the hypervisor has no secrets (libvirt's test
        driver).
    """
    try:
        value = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError) as err:
        raise exception.ConfigurationError(
            reason='the cephx key of client.%s is not base64' % username
        ) from err

    def lookup(conn):
        return conn.secretLookupByUUIDString(secret_uuid)

    try:
        secret = host.call(lookup, operation='look up secret %s' % secret_uuid)
    except exception.NotFound:
        xml = secret_xml(secret_uuid, username).to_xml()
        secret = host.call(lambda conn: conn.secretDefineXML(xml),
                           operation='define secret %s' % secret_uuid)
        LOG.info('Defined the libvirt secret %s for Ceph user %s on %s',
                 secret_uuid, username, host.uri)
    host.call(lambda _conn: secret.setValue(value),
              operation='set the value of secret %s' % secret_uuid)
