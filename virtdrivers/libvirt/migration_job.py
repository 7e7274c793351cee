"""One running live migration: ``migrateToURI3`` in a thread of its own,
watched for the completion timeout, and the calls that act on it from
outside (abort, force complete)."""

import logging
import threading
import time

from virtdrivers import exception
from virtdrivers.libvirt import errors
from virtdrivers.libvirt.binding import libvirt

LOG = logging.getLogger(__name__)

POLL_SECONDS = 0.5
ABORT = 'abort'
FORCE_COMPLETE = 'force_complete'


def migratable_xml(guest):
    """The live domain XML as libvirt would send it (secrets included:
    graphics passwords must survive the move; never log it)."""
    with errors.translated(instance_id=guest.uuid, operation='live migrate'):
        return guest.domain.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE
                                    | libvirt.VIR_DOMAIN_XML_SECURE)


def abort(guest):
    """Cancel the guest's running migration (it keeps running here).

    :raises InstanceInvalidState: no migration is running.
    """
    with errors.translated(instance_id=guest.uuid,
                           operation='live_migration_abort'):
        guest.domain.abortJob()


def force_complete(guest):
    """Pause the guest so that its migration converges; the destination
    resumes it when the migration completes."""
    with errors.translated(instance_id=guest.uuid,
                           operation='live_migration_force_complete'):
        guest.domain.suspend()


class MigrationJob:
    """``migrateToURI3(uri, params, flags)`` of *guest*, with a timeout.

    :param timeout: seconds after which *action* (``abort`` or
        ``force_complete``) is taken; 0 waits forever.
    :param dest: the destination as the caller named it, for messages.
    """

    def __init__(self, guest, uri, params, flags, timeout, action, dest):
        self.guest = guest
        self.uri = uri
        self.params = params
        self.flags = flags
        self.timeout = timeout
        self.action = action
        self.dest = dest
        self._error = None

    def _perform(self):
        try:
            self.guest.domain.migrateToURI3(self.uri, self.params, self.flags)
        except libvirt.libvirtError as err:
            self._error = err

    def run(self):
        """Migrate; return when the guest runs on the destination.

        :raises MigrationError: it failed, or was aborted (by
            :func:`abort` or the timeout), naming the destination and what
            libvirt said; the guest is still here.
        """
        LOG.info('Live migration of instance %s to %s (%s) starts',
                 self.guest.uuid, self.dest, self.uri)
        thread = threading.Thread(target=self._perform, daemon=True,
                                  name='live-migration-%s' % self.guest.uuid)
        start = time.monotonic()
        thread.start()
        acted = False
        while thread.is_alive():
            thread.join(POLL_SECONDS)
            if thread.is_alive() and not acted and self.timeout and \
                    time.monotonic() - start > self.timeout:
                acted = True
                self._on_timeout()
        if self._error is not None:
            raise errors.translate_migration(
                self._error, self.guest.uuid, self.dest) from self._error

    def _on_timeout(self):
        LOG.warning('Live migration of instance %s did not complete in %d s: '
                    '%s', self.guest.uuid, self.timeout, self.action)
        try:
            if self.action == FORCE_COMPLETE:
                force_complete(self.guest)
            else:
                abort(self.guest)
        except exception.VirtDriverError as err:
            # It may have completed meanwhile.
            LOG.warning('Instance %s: %s after the timeout failed: %s',
                        self.guest.uuid, self.action, err)
