"""A private host on libvirt's in-process test driver.

``test:///default`` keeps one state per process while any connection to it
is open, so tests that share it see each other's domains. A
``test://<file>`` URI instead builds a new host from the file at every
open: :class:`PrivateTestHost` writes such a file, so a driver (which keeps
one connection) gets a host nobody else sees. Inspect it through the
driver's own connection: a second open gets a second, separate host.
"""

import os

import fixtures

from virtdrivers.libvirt.binding import libvirt


def default_host_objects():
    """XML of the domain, pool and network ``test:///default`` starts with."""
    conn = libvirt.open('test:///default')
    try:
        return (conn.lookupByName('test').XMLDesc(0),
                conn.storagePoolLookupByName('default-pool').XMLDesc(0),
                conn.networkLookupByName('default').XMLDesc(0))
    finally:
        conn.close()


class PrivateTestHost(fixtures.Fixture):
    """``.uri`` of a test-driver host of this test's own.

    :param with_defaults: start with test:///default's domain "test", pool
        "default-pool" and network "default" (else an empty host).
    """

    def __init__(self, with_defaults=False):
        super().__init__()
        self.with_defaults = with_defaults

    def _setUp(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'node.xml')
        objects = default_host_objects() if self.with_defaults else ()
        with open(path, 'w') as f:
            f.write('<node>\n%s\n</node>\n' % '\n'.join(objects))
        self.uri = 'test://' + path
