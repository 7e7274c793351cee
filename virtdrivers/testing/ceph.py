"""A real single-node Ceph cluster for the RBD tests (``tests/realhv``).

``tools/realhv/setup-ceph.sh`` installs Debian's Ceph packages (once) and
builds a cluster on 127.0.0.1 (one monitor, one manager, one memstore OSD;
about 10 s). :class:`CephClusterFixture` starts one per test process, the
first time a test asks, reuses it for every later test of the process and
tears it down when the process exits::

    cluster = realhv.use_or_skip(self, ceph.CephClusterFixture())
    client = cluster.client()           # an RbdClient as cluster.user

It skips the test with a one-line reason when the cluster cannot be had:
not root, no apt (or ``REALHV_SKIP_APT=1`` with packages missing), an
interpreter that cannot load Debian's ``rados``/``rbd`` modules (built for
CPython 3.11 only), or a cluster that does not start. ``REALHV_REQUIRE=1``
makes those failures.

Debian's modules are made importable in this process only: a temporary
directory holding symlinks to the two extension modules is appended to
``sys.path`` (nothing else of Debian's ``dist-packages`` becomes visible).

A test process killed before it could stop its cluster leaves daemons
behind; the next fixture to start stops clusters whose owner process is
gone (``$TMPDIR/virtdrivers-ceph-*``).
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time

import fixtures
import testtools.content

from virtdrivers.testing import realhv

SCRIPT = 'setup-ceph.sh'
SETUP_TIMEOUT = 900         # a fresh machine downloads ~50 MB of packages
STOP_TIMEOUT = 120
DIST_PACKAGES = '/usr/lib/python3/dist-packages'
MODULES = ('rados', 'rbd')
DIR_PREFIX = 'virtdrivers-ceph-'
OWNER_FILE = 'owner.pid'


class _Cluster:
    """What setup-ceph.sh printed, and where the cluster lives."""

    def __init__(self, workdir, output, seconds):
        self.workdir = workdir
        self.dir = os.path.join(workdir, 'cluster')
        self.setup_log = output
        self.start_seconds = seconds
        values = {}
        for line in output.splitlines():
            key, sep, value = line.partition('=')
            if sep and key.startswith('CEPH_'):
                values[key] = value.strip()
        try:
            self.conf = values['CEPH_CONF']
            self.pool = values['CEPH_POOL']
            self.extra_pools = tuple(values.get('CEPH_EXTRA_POOLS', '').split())
            self.user = values['CEPH_USER']
            self.key = values['CEPH_KEY']
            self.fsid = values['CEPH_FSID']
        except KeyError as err:
            raise realhv.RealHVUnavailable(
                '%s printed no %s' % (SCRIPT, err.args[0])) from None


_lock = threading.Lock()
_state = {}


def _script():
    path = realhv.tools_dir() / SCRIPT
    if not path.is_file():
        raise realhv.RealHVUnavailable(
            '%s not found in %s (needs a source checkout or '
            'REALHV_TOOLS_DIR)' % (SCRIPT, path.parent))
    return str(path)


def _run(args, timeout, env=None):
    try:
        proc = subprocess.run(
            ['bash', _script(), *args], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired:
        raise realhv.RealHVUnavailable(
            '%s %s did not finish in %d s' % (SCRIPT, args[0], timeout)
        ) from None
    if proc.returncode != 0:
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        raise realhv.RealHVUnavailable(
            '%s %s failed (exit %d): %s' % (SCRIPT, args[0], proc.returncode,
                                            lines[-1] if lines else 'no output'))
    return proc.stdout


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep():
    """Stop the clusters of test processes that died without doing it."""
    pattern = os.path.join(tempfile.gettempdir(), DIR_PREFIX + '*', OWNER_FILE)
    for owner in glob.glob(pattern):
        try:
            with open(owner) as f:
                pid = int(f.read().strip() or 0)
        except (OSError, ValueError):
            continue
        if pid and _alive(pid):
            continue
        _stop(os.path.dirname(owner))


def _stop(workdir):
    try:
        _run(['stop', os.path.join(workdir, 'cluster')], STOP_TIMEOUT)
    except realhv.RealHVUnavailable:
        pass
    shutil.rmtree(workdir, ignore_errors=True)


def _check_interpreter():
    """Debian's modules load only into the CPython they were built for."""
    if sys.implementation.name != 'cpython' or sys.version_info[:2] != (3, 11):
        raise realhv.RealHVUnavailable(
            "Debian's python3-rados/rbd are built for CPython 3.11; this is "
            '%s %d.%d' % (sys.implementation.name, *sys.version_info[:2]))


def _bindings_dir(workdir):
    """A directory of symlinks to Debian's rados and rbd, on sys.path."""
    suffix = sysconfig.get_config_var('EXT_SUFFIX') or '.so'
    links = os.path.join(workdir, 'bindings')
    os.makedirs(links, exist_ok=True)
    for name in MODULES:
        target = os.path.join(DIST_PACKAGES, name + suffix)
        if not os.path.exists(target):
            raise realhv.RealHVUnavailable(
                '%s is missing (python3-%s not installed?)' % (target, name))
        link = os.path.join(links, os.path.basename(target))
        if not os.path.lexists(link):
            os.symlink(target, link)
    if links not in sys.path:
        sys.path.append(links)
    try:
        import rados  # noqa: F401
        import rbd  # noqa: F401
    except ImportError as err:
        raise realhv.RealHVUnavailable(
            "Debian's rados/rbd modules do not load here: %s" % err) from err
    return links


def _start(_key=None):
    if os.geteuid() != 0:
        raise realhv.RealHVUnavailable(
            'real Ceph tests need root (running as uid %d)' % os.geteuid())
    _check_interpreter()
    _sweep()
    workdir = tempfile.mkdtemp(prefix=DIR_PREFIX)
    with open(os.path.join(workdir, OWNER_FILE), 'w') as f:
        f.write(str(os.getpid()))
    # Free ports: another test process may run a cluster of its own.
    env = dict(os.environ, CEPH_MON_PORT=str(_free_port()),
               CEPH_MON_PORT2=str(_free_port()))
    atexit.register(_stop, workdir)
    start = time.monotonic()
    output = _run(['start', os.path.join(workdir, 'cluster')], SETUP_TIMEOUT,
                  env=env)
    cluster = _Cluster(workdir, output, time.monotonic() - start)
    _bindings_dir(workdir)
    return cluster


def cluster():
    """The process's cluster, started on first call (or its failure)."""
    with _lock:
        if 'result' not in _state:
            try:
                _state['result'] = (True, _start())
            except realhv.RealHVUnavailable as err:
                _state['result'] = (False, err)
        ok, value = _state['result']
    if not ok:
        raise value
    return value


class CephClusterFixture(fixtures.Fixture):
    """The test process's Ceph cluster (see the module docstring).

    Attributes after setUp: ``conf`` (the ceph.conf path: monitors and the
    keyring holding ``client.admin`` and ``user``'s keys), ``pool`` (the
    RBD pool), ``extra_pools`` (more RBD pools, ``images`` for a Glance),
    ``user`` (a cephx user with ``profile rbd`` on those pools), ``key``
    (its key, base64), ``fsid``, ``dir``, ``start_seconds`` (how long the
    cluster took to start, 0 when it was running already) and
    ``setup_log``.
    """

    def _setUp(self):
        first = 'result' not in _state
        found = cluster()
        for name in ('conf', 'pool', 'extra_pools', 'user', 'key', 'fsid',
                     'dir', 'setup_log'):
            setattr(self, name, getattr(found, name))
        self.start_seconds = found.start_seconds if first else 0.0
        self.addDetail('setup-ceph', testtools.content.text_content(
            '%s\nstarted in %.1f s' % (found.setup_log, found.start_seconds)))

    @property
    def images_pool(self):
        """A second pool, where a Glance backed by this cluster keeps
        images."""
        return self.extra_pools[0] if self.extra_pools else self.pool

    @property
    def monitor(self):
        """``HOST:PORT`` of the monitor's v1 (legacy) address, as libvirt
        names a monitor in an ``rbd`` pool's ``<host>``."""
        with open(self.conf) as f:
            for line in f:
                key, sep, value = line.partition('=')
                if sep and key.strip().replace('_', ' ') == 'mon host':
                    for addr in value.strip().strip('[]').split(','):
                        if addr.startswith('v1:'):
                            return addr[3:]
        raise realhv.RealHVUnavailable('no v1 monitor address in %s'
                                       % self.conf)

    def client(self, user=None, **kwargs):
        """An :class:`~virtdrivers.libvirt.rbd_utils.RbdClient` of this
        cluster as *user* (default: :attr:`user`), closed at clean-up."""
        from virtdrivers.libvirt import rbd_utils

        client = rbd_utils.RbdClient(self.conf, user or self.user, **kwargs)
        self.addCleanup(client.close)
        return client


# -- libvirt's rbd storage pool backend ----------------------------------------

RBD_STORAGE_PKG = 'libvirt-daemon-driver-storage-rbd'
# How long to wait for another real-hypervisor test run (which uses the
# same libvirtd) to end before restarting libvirtd to load the backend.
RESTART_WAIT = int(os.environ.get('REALHV_RESTART_WAIT', '1800'))
OTHER_RUNS = 'stestr.*realhv'


def rbd_pools_supported(uri=realhv.RealLibvirtFixture.uri):
    """Whether the libvirtd at *uri* has its rbd storage pool backend."""
    proc = subprocess.run(['virsh', '-q', '-c', uri, 'pool-capabilities'],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, check=False)
    return "<pool type='rbd' supported='yes'>" in proc.stdout


def _ancestors():
    pids, pid = set(), os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            with open('/proc/%d/stat' % pid) as f:
                pid = int(f.read().rpartition(')')[2].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def _other_realhv_runs():
    proc = subprocess.run(['pgrep', '-f', OTHER_RUNS], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, check=False)
    mine = _ancestors()
    return sorted(int(p) for p in proc.stdout.split() if int(p) not in mine)


def _ensure_rbd_storage(_key=None):
    uri = realhv.RealLibvirtFixture.uri
    if rbd_pools_supported(uri):
        return 'libvirtd has the rbd storage backend'
    extra = ' '.join(filter(None, (os.environ.get('REALHV_EXTRA_PKGS'),
                                   RBD_STORAGE_PKG)))
    realhv._run_tool('setup-libvirt.sh', [], realhv.SETUP_TIMEOUT,
                     env=dict(os.environ, REALHV_EXTRA_PKGS=extra))
    if rbd_pools_supported(uri):
        return 'libvirtd has the rbd storage backend'
    # Installed while libvirtd ran: it loads storage backends at start-up.
    # Never restart it under another test run.
    deadline = time.monotonic() + RESTART_WAIT
    while _other_realhv_runs():
        if time.monotonic() > deadline:
            raise realhv.RealHVUnavailable(
                '%s is installed but libvirtd must restart to load it, and '
                'another realhv run (pids %s) still uses libvirtd after %d s'
                % (RBD_STORAGE_PKG, _other_realhv_runs(), RESTART_WAIT))
        time.sleep(5)
    stop = realhv.stop_libvirtd()
    start = realhv.start_libvirtd(uri)
    if not rbd_pools_supported(uri):
        raise realhv.RealHVUnavailable(
            'libvirtd has no rbd storage pool backend even with %s installed'
            % RBD_STORAGE_PKG)
    return ('installed %s; restarted libvirtd (stop %.1f s, start %.1f s)'
            % (RBD_STORAGE_PKG, stop, start))


_ensure_rbd_storage_once = realhv._Once(_ensure_rbd_storage)


class LibvirtRbdStorageFixture(fixtures.Fixture):
    """libvirtd with its rbd storage pool backend (Debian's
    ``libvirt-daemon-driver-storage-rbd``): installed through
    ``setup-libvirt.sh`` (``REALHV_EXTRA_PKGS``) when missing, and libvirtd
    restarted to load it, but only once no other realhv test run (``pgrep
    -f 'stestr.*realhv'`` outside this process's ancestry) uses libvirtd.
    Use after :class:`~virtdrivers.testing.realhv.RealLibvirtFixture`.
    ``how`` says what it took."""

    def _setUp(self):
        self.how = _ensure_rbd_storage_once()
        self.addDetail('libvirt-rbd-storage',
                       testtools.content.text_content(self.how))
