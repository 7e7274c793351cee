"""A second libvirtd on this machine, as another host to migrate to.

``tools/realhv/setup-peer-libvirt.sh`` starts it (once; safe to run again)
in mount and UTS namespaces of its own: another hostname and host UUID,
private libvirt state and configuration, the rest of the file system
shared, listening without authentication on a 127.0.0.0/8 address. The
main libvirtd (:class:`~virtdrivers.testing.realhv.RealLibvirtFixture`) is
never touched.

::

    peer = realhv.use_or_skip(self, realhv_peer.PeerLibvirtFixture())
    conf = peer.make_conf(workdir, virt_type='qemu')   # for a second driver
    peer.uri, peer.hostname, peer.address

Disks in one directory both drivers use (one ``instances_path``) are shared
storage; an ``instances_path`` of each host's own is not (block migration).
The peer keeps running after the tests (the next run reuses it);
``setup-peer-libvirt.sh stop`` stops it and destroys its guests.

Environment: ``REALHV_PEER_ADDR`` (default ``127.0.0.2``),
``REALHV_PEER_HOSTNAME``, ``REALHV_PEER_STATE_DIR``; see the script.
"""

from __future__ import annotations

import os

import fixtures

from virtdrivers.testing import realhv

SETUP_TIMEOUT = 120


def _start_peer(_key: object) -> dict[str, str]:
    if os.geteuid() != 0:
        raise realhv.RealHVUnavailable(
            f"the peer libvirtd needs root (running as uid {os.geteuid()})")
    output = realhv._run_tool("setup-peer-libvirt.sh", ["start"], SETUP_TIMEOUT)
    found = dict(line.partition("=")[::2] for line in output.splitlines()
                 if line.startswith("REALHV_PEER_"))
    if "REALHV_PEER_URI" not in found:
        raise realhv.RealHVUnavailable(
            "setup-peer-libvirt.sh printed no REALHV_PEER_URI")
    return found


_start_peer_once = realhv._Once(_start_peer)


class PeerLibvirtFixture(fixtures.Fixture):
    """The peer libvirtd, started (or found running) for this test.

    Needs the main libvirtd: it sets that up first (its configuration is
    the peer's starting point).

    Attributes after setUp: ``uri`` (``qemu+tcp://127.0.0.2/system``),
    ``hostname`` (the peer's, not this machine's), ``address`` (where
    libvirt and QEMU reach it: ``[libvirt] live_migration_inbound_addr``
    of a driver on the peer), ``virt_type`` (the main host's).

    :raises RealHVUnavailable: (wrapped by fixtures) not root, the main
        libvirtd is unavailable, or the peer does not start; see
        :func:`~virtdrivers.testing.realhv.use_or_skip`.
    """

    def _setUp(self):
        main = self.useFixture(realhv.RealLibvirtFixture())
        self.virt_type = main.virt_type
        found = _start_peer_once()
        self.uri = found["REALHV_PEER_URI"]
        self.hostname = found["REALHV_PEER_HOSTNAME"]
        self.address = found["REALHV_PEER_ADDR"]

    def connect(self):
        """A new connection to the peer, closed at clean-up."""
        import libvirt  # only tests that need a real hypervisor load it

        conn = libvirt.open(self.uri)
        self.addCleanup(conn.close)
        return conn

    def make_conf(self, workdir, virt_type=None, instances_path=None,
                  images_type="qcow2", host=None, **libvirt_options):
        """The configuration of a second LibvirtDriver, on the peer.

        :param workdir: a directory of the test's own.
        :param instances_path: the peer's ``instances_path``: the source
            driver's own for shared storage; default
            ``<workdir>/peer-instances`` (not shared).
        :param host: its ``[DEFAULT] host`` (default the peer's hostname).
        :param libvirt_options: more ``[libvirt]`` overrides.
        """
        from virtdrivers import conf as vconf

        conf = vconf.new_conf()
        conf([], project="virtdrivers-realhv-peer")
        conf.set_override("host", host or self.hostname)
        conf.set_override("my_ip", self.address)
        conf.set_override("instances_path", instances_path or os.path.join(
            workdir, "peer-instances"))
        options = dict(virt_type=virt_type or self.virt_type,
                       connection_uri=self.uri, images_type=images_type,
                       live_migration_inbound_addr=self.address)
        options.update(libvirt_options)
        for name, value in options.items():
            conf.set_override(name, value, group="libvirt")
        return conf
