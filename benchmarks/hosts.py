"""Where each image backend of :mod:`benchmarks.backends` runs: a
LibvirtDriver for it, and a check that the run leaves the host as it was.

* ``flat``, ``qcow2``: a private libvirt test-driver host
  (:class:`~virtdrivers.testing.libvirt_test.PrivateTestHost`); the disks
  are real files, the domains run nothing.
* ``pool-cow``, ``pool-copy`` (``images_type=pool`` with and without
  ``[DEFAULT] use_cow_images``): the real libvirtd on ``qemu:///system``
  (:class:`~virtdrivers.testing.realhv.RealLibvirtFixture`), as the test
  driver keeps no volume data. Instances are defined, not started: no
  guest boots, the spawn is disk creation and definition. The two storage
  pools get names of their own (``vdbench-<token>-base``, ``-disks``), as
  in the realhv tests, so the host's ``nova-*-pool`` are never touched;
  they are undefined at the end.
* ``rbd``: disks in the real single-node Ceph of
  :class:`~virtdrivers.testing.ceph.CephClusterFixture`, domains on a
  private test-driver host (which takes network disks; it has no secrets,
  so the driver only warns that it cannot define the cephx one).

A host that cannot be had raises :class:`Unavailable` (a one-line reason).
"""

import dataclasses
import os
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable

import fixtures

from benchmarks import env
from virtdrivers import exception
from virtdrivers import virtapi
from virtdrivers.libvirt import driver as libvirt_driver
from virtdrivers.libvirt import storagepools
from virtdrivers.libvirt.binding import libvirt
from virtdrivers.testing import ceph
from virtdrivers.testing import leaks
from virtdrivers.testing import realhv

POOL_PREFIX = 'vdbench-'
# The test driver never reads it (no secrets there); the driver needs one.
RBD_SECRET = 'b1c6f0a4-5e2d-4f7a-9c3b-76646265e2d1'


class Unavailable(Exception):
    """The backend's host cannot be had here; ``str()`` says why."""


@dataclasses.dataclass
class Bench:
    """A configured, started driver and where it runs.

    :ivar left: what the run left on the host (filled at clean-up, then
        removed).
    """

    driver: libvirt_driver.LibvirtDriver
    where: str
    power_on: bool
    prefix: str
    left: list


@dataclasses.dataclass
class _Placement:
    uri: str
    where: str
    power_on: bool
    options: dict


def _use(stack, fixture):
    """Enter *fixture* on *stack*; :class:`Unavailable` if it cannot be had
    (fixtures wraps the reason in ``MultipleExceptions``)."""
    try:
        return stack.enter_context(fixture)
    except fixtures.MultipleExceptions as exc:
        first = exc.args[0][1]
        if isinstance(first, realhv.RealHVUnavailable):
            raise Unavailable(str(first)) from None
        raise


def _test_host(stack, workdir, prefix, left):
    return _Placement(env.private_uri(stack), 'libvirt test driver', True, {})


def _real_libvirtd(stack, workdir, prefix, left):
    hv = _use(stack, realhv.RealLibvirtFixture())
    try:
        conn = libvirt.open(hv.uri)
    except libvirt.libvirtError as err:
        raise Unavailable('%s does not answer: %s' % (hv.uri, err)) from None
    stack.callback(conn.close)
    # Registered before the driver's clean-up, so it runs after it.
    stack.callback(_sweep_libvirtd, conn, workdir, prefix, left)
    return _Placement(hv.uri, 'libvirtd %s, defined not started' % hv.uri,
                      False, {})


def _ceph(stack, workdir, prefix, left):
    cluster = _use(stack, ceph.CephClusterFixture())
    admin = cluster.client(user='admin')
    before = set(admin.list_images(cluster.pool))
    stack.callback(_sweep_ceph, admin, cluster.pool, before, left)
    options = {'images_rbd_pool': cluster.pool,
               'images_rbd_ceph_conf': cluster.conf,
               'rbd_user': cluster.user, 'rbd_secret_uuid': RBD_SECRET}
    return _Placement(env.private_uri(stack),
                      'libvirt test driver, disks in Ceph (1 memstore OSD)',
                      True, options)


@dataclasses.dataclass(frozen=True)
class Backend:
    """One benchmarked configuration: ``images_type``, ``use_cow_images``,
    what a disk is, and where it runs (``place(stack, workdir, prefix,
    left)``)."""

    name: str
    images_type: str
    use_cow: bool
    what: str
    place: Callable


BACKENDS = {backend.name: backend for backend in (
    Backend('flat', 'flat', False, 'full sparse copy of the base', _test_host),
    Backend('qcow2', 'qcow2', True, 'qcow2 overlay on the base', _test_host),
    Backend('pool-cow', 'pool', True, 'qcow2 volume backed by the base volume '
            '(dir pool)', _real_libvirtd),
    Backend('pool-copy', 'pool', False, 'raw volume copied by createXMLFrom '
            '(dir pool)', _real_libvirtd),
    Backend('rbd', 'rbd', False, 'RBD image imported from the base (chunks '
            'of zeroes skipped)', _ceph),
)}


def size_ceph(need_bytes):
    """Let the OSD the Ceph fixture starts hold *need_bytes* (memstore:
    RAM, as used), unless ``CEPH_MEMSTORE_BYTES`` says otherwise."""
    os.environ.setdefault('CEPH_MEMSTORE_BYTES',
                          str(max(2 * env.GIB, need_bytes)))


def open_driver(stack, backend, workdir, image_service):
    """A started LibvirtDriver for *backend*, its files under *workdir*.

    :returns: a :class:`Bench`.
    :raises Unavailable: its hypervisor or storage cannot be had here.
    """
    prefix = uuid.uuid4().hex[:8]
    left = []
    placement = backend.place(stack, workdir, prefix, left)
    conf = env.new_conf(os.path.join(workdir, 'instances'), placement.uri,
                        backend.images_type)
    conf.set_override('use_cow_images', backend.use_cow)
    for name, value in placement.options.items():
        conf.set_override(name, value, group='libvirt')
    drv = libvirt_driver.LibvirtDriver(virtapi.LocalVirtAPI(), conf=conf,
                                       image_service=image_service)
    stack.callback(drv.cleanup_host, env.HOST)
    if drv.settings.pools is not None:
        names = {'base_pool': '%s%s-base' % (POOL_PREFIX, prefix),
                 'disks_pool': '%s%s-disks' % (POOL_PREFIX, prefix)}
        drv.settings = dataclasses.replace(drv.settings, pools=dataclasses.replace(
            drv.settings.pools, **names))
        stack.callback(_forget_pools, drv, names.values())
    try:
        drv.init_host(env.HOST)
    except exception.HypervisorUnavailable as err:
        raise Unavailable('%s: %s' % (placement.uri, err)) from None
    return Bench(drv, placement.where, placement.power_on, prefix, left)


def _forget_pools(drv, names):
    for name in names:
        storagepools.Pool(drv.host, name).undefine()


def _pools(conn):
    """``{name: target path}`` of the storage pools of *conn*."""
    found = {}
    for pool in conn.listAllStoragePools(0):
        try:
            xml = pool.XMLDesc(0)
        except libvirt.libvirtError:
            continue    # removed while we looked
        found[pool.name()] = ElementTree.fromstring(xml).findtext(
            './target/path')
    return found


def _ours(name, target, workdir, prefix):
    """A pool of this run: named by it, or over a directory of its own
    (whatever its name: none may outlive the directory)."""
    inside = bool(target) and os.path.abspath(target).startswith(
        os.path.abspath(workdir) + os.sep)
    return inside or name.startswith(POOL_PREFIX + prefix)


def _sweep_libvirtd(conn, workdir, prefix, left):
    """Record, then remove, domains and pools of this run still there."""
    for name, target in sorted(_pools(conn).items()):
        if _ours(name, target, workdir, prefix):
            left.append('storage pool %s (%s)' % (name, target))
            pool = conn.storagePoolLookupByName(name)
            if pool.isActive():
                pool.destroy()
            pool.undefine()
    for domain in conn.listAllDomains(0):
        if domain.name().startswith('instance-' + prefix):
            left.append('domain %s' % domain.name())
            leaks.cleanup_domain(conn, domain.name())


def _sweep_ceph(admin, pool, before, left):
    """Record, then remove, RBD images this run left in *pool*."""
    for name in sorted(set(admin.list_images(pool)) - before):
        left.append('RBD image %s/%s' % (pool, name))
        admin.remove(pool, name)
