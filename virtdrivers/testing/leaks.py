"""Leak checks for real-hypervisor tests: what a test left on the host.

:func:`snapshot_state` lists domains, storage pools and volumes and files;
:class:`LeakCheckFixture` fails a test that leaves any of them behind;
:func:`cleanup_domain` removes a domain whatever state it is in.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable

import fixtures


def cleanup_domain(conn, name: str) -> None:
    """Destroy and undefine a domain if it exists (for ``addCleanup``)."""
    import libvirt

    # Not lookupByName: its "not found" is printed to stderr by libvirt.
    found = [d for d in conn.listAllDomains(0) if d.name() == name]
    if not found:
        return
    dom = found[0]
    try:
        if dom.isActive():
            dom.destroy()
        if dom.isPersistent():
            dom.undefineFlags(
                libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
    except libvirt.libvirtError as err:
        # A transient domain vanishes on destroy; anything else is worth seeing.
        if err.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
            raise


@dataclasses.dataclass(frozen=True)
class HostState:
    """What a test can leave behind on a host; see :func:`snapshot_state`."""

    domains: frozenset[str]
    pools: frozenset[str]
    volumes: frozenset[str]  # "pool/volume"
    files: frozenset[str]  # absolute paths, directories included

    def new_since(self, before: HostState) -> list[str]:
        """Sorted descriptions of what exists now but did not in ``before``."""
        return sorted(
            [f"domain {d}" for d in self.domains - before.domains]
            + [f"pool {p}" for p in self.pools - before.pools]
            + [f"volume {v}" for v in self.volumes - before.volumes]
            + [f"file {f}" for f in self.files - before.files])


def snapshot_state(conn, dirs: Iterable[str | os.PathLike] = (),
                   match: str | None = None) -> HostState:
    """Domains, storage pools, their volumes, and files under ``dirs``.

    :param match: only record names (and file paths relative to their dir)
        containing this string, so that tests running in parallel on the same
        host do not see each other's objects.
    """
    import libvirt

    def keep(name: str) -> bool:
        return match is None or match in name

    domains = {d.name() for d in conn.listAllDomains(0)}
    pools, volumes = set(), set()
    for pool in conn.listAllStoragePools(0):
        pools.add(pool.name())
        try:
            if pool.isActive():
                volumes.update(f"{pool.name()}/{v.name()}"
                               for v in pool.listAllVolumes(0))
        except libvirt.libvirtError:
            continue  # removed while we looked: not ours to report
    files = set()
    for top in dirs:
        for root, dirnames, filenames in os.walk(top):
            for entry in dirnames + filenames:
                path = os.path.join(root, entry)
                if keep(os.path.relpath(path, top)):
                    files.add(path)
    return HostState(
        domains=frozenset(filter(keep, domains)),
        pools=frozenset(filter(keep, pools)),
        volumes=frozenset(v for v in volumes if keep(v.partition("/")[2])),
        files=frozenset(files))


class LeakCheckFixture(fixtures.Fixture):
    """Fail at clean-up if the host gained domains, pools, volumes or files.

    Use it before the fixtures whose leftovers it should see, so that its
    clean-up runs after theirs. Arguments are those of :func:`snapshot_state`,
    except that *conn* may also be a libvirt URI: each snapshot then opens
    a connection of its own (tests that restart libvirtd need that).
    ``before`` is the snapshot taken at setUp.
    """

    def __init__(self, conn, dirs: Iterable[str | os.PathLike] = (),
                 match: str | None = None):
        super().__init__()
        self._conn, self._dirs, self._match = conn, list(dirs), match

    def _setUp(self):
        self.before = self._snapshot()
        self.addCleanup(self._check)

    def _snapshot(self) -> HostState:
        if not isinstance(self._conn, str):
            return snapshot_state(self._conn, self._dirs, self._match)
        import libvirt

        conn = libvirt.open(self._conn)
        try:
            return snapshot_state(conn, self._dirs, self._match)
        finally:
            conn.close()

    def _check(self):
        leaks = self._snapshot().new_since(self.before)
        if leaks:
            raise AssertionError("left behind: " + ", ".join(leaks))
