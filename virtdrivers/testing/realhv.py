"""Fixtures for tests against a real libvirtd + QEMU (``virtdrivers/tests/realhv``).

The heavy lifting is done by two scripts in ``tools/realhv`` (a source checkout is
needed): ``setup-libvirt.sh`` installs and starts libvirtd + virtlogd + QEMU
without systemd and picks the domain type, ``build-guest.sh`` builds a tiny guest
from Debian packages. Both run at most once per test process and are safe to run
from several test processes at once.

A test that cannot have a real hypervisor (not root, no apt, libvirtd does not
start) skips with a one-line reason::

    hv = realhv.use_or_skip(self, realhv.RealLibvirtFixture())
    guest = realhv.use_or_skip(self, realhv.GuestImageFixture())
    conn = hv.connect()

Environment:

``REALHV_SKIP_APT=1``
    never run apt-get; missing packages make the tests skip.
``REALHV_CACHE_DIR``
    where the guest is built and cached (default
    ``$XDG_CACHE_HOME/virtdrivers-realhv``, else ``~/.cache/virtdrivers-realhv``).
``REALHV_TOOLS_DIR``
    directory holding the two scripts (default: ``tools/realhv`` of this checkout).
``REALHV_REQUIRE=1``
    fail instead of skipping when the real hypervisor is unavailable (CI jobs
    that exist to run these tests).
``REALHV_BOOT_TIMEOUT``
    seconds a guest may take to print its boot marker (default 120; TCG takes ~5).

``setup-libvirt.sh`` reads more (``REALHV_VIRT_TYPE``, ``REALHV_EXTRA_PKGS``, ...);
see its header.

Fault tests stop and start the daemon with :func:`stop_libvirtd` and
:func:`start_libvirtd` (or :class:`LibvirtdRestartFixture`, which also makes
sure it runs again at clean-up); :meth:`GuestImageFixture.noacpid_disk` gives
a disk whose guest ignores ACPI shutdown requests without direct kernel boot.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable

import fixtures
import testtools.content

# Re-exported: tests import them from here.
from virtdrivers.testing.leaks import HostState  # noqa: F401
from virtdrivers.testing.leaks import LeakCheckFixture  # noqa: F401
from virtdrivers.testing.leaks import cleanup_domain  # noqa: F401
from virtdrivers.testing.leaks import snapshot_state  # noqa: F401

#: Guest console markers (``tools/realhv/build-guest.sh``).
BOOT_MARKER = "REALHV-BOOT-OK"
ALIVE_MARKER = "REALHV-ALIVE"
DISKS_CHANGED_MARKER = "REALHV-DISKS-CHANGED"
POWERBUTTON_MARKER = "REALHV-POWERBUTTON"
#: Kernel argument making the guest ignore ACPI shutdown/reboot requests.
NOACPID_ARG = "realhv_noacpid"
#: Kernel command line the disk images boot with.
GUEST_CMDLINE = "console=ttyS0 quiet"
#: Below this the guest kernel does not boot (64 MiB prints nothing).
MIN_MEMORY_MIB = 96
#: Seconds between two ``REALHV-ALIVE`` lines.
ALIVE_PERIOD = 5

SETUP_TIMEOUT = 1800  # a fresh machine downloads ~80 MB of packages
BUILD_TIMEOUT = 600
#: Where libvirtd keeps per-domain runtime state (pid files, live XML,
#: channel sockets, managed save images); a domain that is gone leaves
#: nothing of its own there. (``/var/log/libvirt/qemu/NAME.log`` stays on
#: purpose.)
LIBVIRT_STATE_DIRS = ("/run/libvirt/qemu", "/var/lib/libvirt/qemu")
#: ``libvirtd -d`` writes its pid here (``/var/run`` is ``/run``).
LIBVIRTD_PIDFILE = "/run/libvirtd.pid"
#: Byte offset of the FAT partition in the guest disk (build-guest.sh).
_DISK_PARTITION = "@@1M"
_UPTIME_RE = re.compile(r"uptime=([0-9]+(?:\.[0-9]+)?)")

_REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


class RealHVUnavailable(Exception):
    """The real hypervisor cannot be had here; ``str()`` is a one-line reason."""


def tools_dir() -> pathlib.Path:
    """Directory of ``setup-libvirt.sh`` and ``build-guest.sh``."""
    override = os.environ.get("REALHV_TOOLS_DIR")
    return pathlib.Path(override) if override else _REPO_ROOT / "tools" / "realhv"


def default_cache_dir() -> pathlib.Path:
    """``REALHV_CACHE_DIR``, else ``$XDG_CACHE_HOME`` or ``~/.cache``, + subdir."""
    override = os.environ.get("REALHV_CACHE_DIR")
    if override:
        return pathlib.Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return pathlib.Path(base) / "virtdrivers-realhv"


def _run_tool(name: str, args: list[str], timeout: int,
              env: dict[str, str] | None = None) -> str:
    """Run a tools/realhv script; its combined output, or RealHVUnavailable."""
    script = tools_dir() / name
    if not script.is_file():
        raise RealHVUnavailable(
            f"{name} not found in {script.parent} (needs a source checkout "
            "or REALHV_TOOLS_DIR)")
    try:
        proc = subprocess.run(
            ["bash", str(script), *args], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired:
        raise RealHVUnavailable(f"{name} did not finish in {timeout} s")
    if proc.returncode != 0:
        lines = [line for line in proc.stdout.splitlines() if line.strip()]
        last = lines[-1] if lines else "no output"
        raise RealHVUnavailable(f"{name} failed (exit {proc.returncode}): {last}")
    return proc.stdout


class _Once:
    """Run a function once per process and key; replay its result or error."""

    def __init__(self, func: Callable[..., object]):
        self._func = func
        self._lock = threading.Lock()
        self._results: dict[object, tuple[bool, object]] = {}

    def __call__(self, key: object = None):
        with self._lock:
            if key not in self._results:
                try:
                    self._results[key] = (True, self._func(key))
                except RealHVUnavailable as err:
                    self._results[key] = (False, err)
            ok, value = self._results[key]
        if not ok:
            raise value
        return value


def _setup_libvirt(_key: object) -> tuple[str, str]:
    if os.geteuid() != 0:
        raise RealHVUnavailable(
            f"real hypervisor tests need root (running as uid {os.geteuid()})")
    output = _run_tool("setup-libvirt.sh", [], SETUP_TIMEOUT)
    for line in reversed(output.splitlines()):
        if line.startswith("REALHV_VIRT_TYPE="):
            return line.partition("=")[2].strip(), output
    raise RealHVUnavailable("setup-libvirt.sh printed no REALHV_VIRT_TYPE")


def _build_guest(cache_dir: object) -> str:
    return _run_tool("build-guest.sh", [str(cache_dir)], BUILD_TIMEOUT)


_setup_libvirt_once = _Once(_setup_libvirt)
_build_guest_once = _Once(_build_guest)


def skip_reason() -> str | None:
    """Why the real libvirtd is unavailable, or None when it answers.

    Runs ``setup-libvirt.sh`` (once per process) to find out.
    """
    try:
        _setup_libvirt_once()
    except RealHVUnavailable as err:
        return str(err)
    return None


def use_or_skip(test, fixture: fixtures.Fixture):
    """``test.useFixture(fixture)``, skipping the test if it is unavailable.

    fixtures wraps errors raised in ``_setUp`` in ``MultipleExceptions``, so a
    skip raised there would be reported as an error; this unwraps it. With
    ``REALHV_REQUIRE=1`` the test fails instead of skipping.
    """
    try:
        return test.useFixture(fixture)
    except fixtures.MultipleExceptions as exc:
        first = exc.args[0][1]
        if not isinstance(first, RealHVUnavailable):
            raise
        reason = str(first)
    if os.environ.get("REALHV_REQUIRE"):
        test.fail(f"REALHV_REQUIRE is set but: {reason}")
    test.skipTest(reason)


class RealLibvirtFixture(fixtures.Fixture):
    """A running libvirtd + virtlogd + QEMU on ``qemu:///system``.

    Attributes after setUp: ``uri``, ``virt_type`` (``'qemu'`` for TCG, or
    ``'kvm'`` only when a KVM guest really boots), ``setup_log`` (the script's
    output with per-step timings, also added as the ``setup-libvirt`` detail).

    :raises RealHVUnavailable: (wrapped by fixtures) not root, no apt, or
        libvirtd does not start; see :func:`use_or_skip`.
    """

    uri = "qemu:///system"

    def _setUp(self):
        self.virt_type, self.setup_log = _setup_libvirt_once()
        self.addDetail("setup-libvirt", testtools.content.text_content(self.setup_log))

    def connect(self):
        """A new read-write connection, closed when the fixture is cleaned up."""
        import libvirt  # only tests that need a real hypervisor load it

        conn = libvirt.open(self.uri)
        self.addCleanup(conn.close)
        return conn


class GuestImageFixture(fixtures.Fixture):
    """The tiny guest of ``tools/realhv/build-guest.sh``, built or reused.

    :param cache_dir: where to build and cache it; default
        :func:`default_cache_dir`. The files there are shared between tests and
        runs: copy a disk before booting it writable (or use ``<readonly/>``).

    Attributes after setUp: ``dir``, ``kernel``, ``initrd``, ``disk_raw``,
    ``disk_qcow2`` (absolute path strings), ``stamp`` (package versions built
    from), ``cmdline`` (what the disks boot with), the markers
    ``boot_marker``, ``alive_marker``, ``disks_changed_marker``,
    ``poweroff_marker``, ``noacpid_arg``, ``min_memory_mib``, ``alive_period``
    and ``boot_timeout`` (seconds; ``REALHV_BOOT_TIMEOUT``, default 120).
    """

    boot_marker = BOOT_MARKER
    alive_marker = ALIVE_MARKER
    disks_changed_marker = DISKS_CHANGED_MARKER
    poweroff_marker = POWERBUTTON_MARKER
    noacpid_arg = NOACPID_ARG
    cmdline = GUEST_CMDLINE
    min_memory_mib = MIN_MEMORY_MIB
    alive_period = ALIVE_PERIOD

    def __init__(self, cache_dir: str | os.PathLike | None = None):
        super().__init__()
        self._cache_dir = cache_dir

    def _setUp(self):
        path = pathlib.Path(self._cache_dir or default_cache_dir()).absolute()
        log = _build_guest_once(path)
        self.addDetail("build-guest", testtools.content.text_content(log))
        self.dir = str(path)
        self.kernel = str(path / "vmlinuz")
        self.initrd = str(path / "initrd.img")
        self.disk_raw = str(path / "disk.raw")
        self.disk_qcow2 = str(path / "disk.qcow2")
        self.stamp = (path / "stamp").read_text()
        self.boot_timeout = float(os.environ.get("REALHV_BOOT_TIMEOUT") or 120)

    def noacpid_disk(self, directory: str | os.PathLike) -> str:
        """A copy of ``disk_raw`` in *directory* whose guest ignores ACPI.

        Its SYSLINUX configuration adds ``realhv_noacpid`` to the kernel
        command line, so a guest booted from the disk (no direct kernel
        boot needed) ignores shutdown and reboot requests. Rewritten with
        mtools, without root, loop devices or mounts.

        :returns: the new raw disk's path.
        :raises RealHVUnavailable: mtools (``mtype``, ``mcopy``) missing.
        """
        for tool in ("mtype", "mcopy"):
            if shutil.which(tool) is None:
                raise RealHVUnavailable(
                    f"{tool} not found: install mtools for a guest that "
                    "ignores ACPI")
        disk = os.path.join(directory, "disk-noacpid.raw")
        subprocess.run(["cp", "--sparse=always", self.disk_raw, disk],
                       check=True)
        image = disk + _DISK_PARTITION
        config = subprocess.run(
            ["mtype", "-i", image, "::/syslinux.cfg"], check=True,
            stdout=subprocess.PIPE, text=True).stdout
        lines = [f"{line} {self.noacpid_arg}"
                 if line.strip().startswith("APPEND") else line
                 for line in config.splitlines()]
        cfg_path = os.path.join(directory, "syslinux-noacpid.cfg")
        with open(cfg_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["mcopy", "-o", "-i", image, cfg_path,
                        "::/syslinux.cfg"], check=True)
        os.unlink(cfg_path)
        return disk


@dataclasses.dataclass(frozen=True)
class MarkerMatch:
    """Where a marker was found: ``text[start:end]`` is its whole line."""

    start: int
    end: int
    line: str


class MarkerTimeout(AssertionError):
    """The marker did not show up in time; the message ends with the console tail."""


def log_reader(path: str | os.PathLike) -> Callable[[], str]:
    """A ``read_console`` for :func:`wait_for_marker` over a console log file.

    The file may not exist yet (virtlogd creates it when the domain starts).
    """

    def read() -> str:
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    return read


def wait_for_marker(read_console: Callable[[], str | bytes], marker: str,
                    timeout: float, after_offset: int = 0,
                    interval: float = 0.2,
                    check: Callable[[], None] | None = None) -> MarkerMatch:
    """Poll ``read_console()`` until ``marker`` appears at or after an offset.

    :param read_console: returns the whole console output so far (str or bytes).
    :param after_offset: ignore output before this offset; pass a previous
        match's ``end`` to wait for the next occurrence.
    :param check: called between polls; may raise to stop early (for example
        when the domain is no longer running).
    :returns: a :class:`MarkerMatch`; ``line`` is the full line once complete.
    :raises MarkerTimeout: after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    text = ""
    while True:
        text = read_console()
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        start = text.find(marker, after_offset)
        if start >= 0:
            line_start = text.rfind("\n", 0, start) + 1
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            return MarkerMatch(line_start, end, text[line_start:end].rstrip("\r"))
        if time.monotonic() >= deadline:
            tail = text[after_offset:][-600:]
            raise MarkerTimeout(
                f"{marker!r} not seen within {timeout} s; console tail:\n{tail}")
        if check is not None:
            check()
        time.sleep(interval)


def uptimes(text: str | bytes) -> list[float]:
    """Guest uptimes (seconds) of the marker lines in *text*, in order."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return [float(m.group(1)) for m in _UPTIME_RE.finditer(text)]


def wait_for_domain_state(dom, state: int, timeout: float,
                          interval: float = 0.1) -> float:
    """Poll ``dom.state()`` until it is ``state`` (a ``VIR_DOMAIN_*`` value).

    :returns: the seconds it took.
    :raises AssertionError: after ``timeout`` seconds, naming the last state.
    """
    start = time.monotonic()
    while True:
        current = dom.state()[0]
        if current == state:
            return time.monotonic() - start
        if time.monotonic() - start >= timeout:
            raise AssertionError(
                f"domain {dom.name()} in state {current}, not {state}, "
                f"after {timeout} s")
        time.sleep(interval)


def libvirtd_pid() -> int | None:
    """The pid of the running libvirtd (from its pid file), or None."""
    try:
        with open(LIBVIRTD_PIDFILE) as f:
            pid = int(f.read().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def _answers(uri: str) -> bool:
    return subprocess.run(
        ["virsh", "-q", "-c", uri, "version"], stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        check=False).returncode == 0


def stop_libvirtd(timeout: float = 60) -> float:
    """Stop libvirtd (SIGTERM to the pid in its pid file) and wait for it.

    Running QEMU guests survive; libvirtd finds them again when it starts.

    :returns: the seconds it took.
    :raises RealHVUnavailable: no libvirtd runs, or it did not exit.
    """
    pid = libvirtd_pid()
    if pid is None:
        raise RealHVUnavailable(f"no libvirtd running ({LIBVIRTD_PIDFILE})")
    start = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    while time.monotonic() - start < timeout:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return time.monotonic() - start
        time.sleep(0.05)
    raise RealHVUnavailable(f"libvirtd {pid} did not exit in {timeout} s")


def start_libvirtd(uri: str = RealLibvirtFixture.uri,
                   timeout: float = 60) -> float:
    """Start ``libvirtd -d`` unless *uri* answers; wait until it does.

    :returns: the seconds it took.
    :raises RealHVUnavailable: it did not answer in time.
    """
    start = time.monotonic()
    if libvirtd_pid() is None:
        # No inherited pipes: the daemon must not keep the test runner's
        # output open.
        subprocess.run(["libvirtd", "-d"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True, start_new_session=True)
    while not _answers(uri):
        if time.monotonic() - start >= timeout:
            raise RealHVUnavailable(f"{uri} did not answer in {timeout} s")
        time.sleep(0.1)
    return time.monotonic() - start


class LibvirtdRestartFixture(fixtures.Fixture):
    """Stop and start the host's libvirtd; it runs again at clean-up.

    Use it after :class:`RealLibvirtFixture`. ``timings`` lists
    ``(what, seconds)`` of each stop and start.
    """

    def __init__(self, uri: str = RealLibvirtFixture.uri):
        super().__init__()
        self.uri = uri

    def _setUp(self):
        self.timings = []
        self._lock = threading.Lock()
        self.addCleanup(self.start)
        self.addDetail("libvirtd-restarts", testtools.content.Content(
            testtools.content.UTF8_TEXT, lambda: [
                "\n".join(f"{what}: {secs:.2f} s"
                          for what, secs in self.timings).encode()]))

    def stop(self) -> float:
        with self._lock:
            took = stop_libvirtd()
            self.timings.append(("stop", took))
        return took

    def start(self) -> float:
        with self._lock:
            took = start_libvirtd(self.uri)
            self.timings.append(("start", took))
        return took

    def restart(self) -> None:
        self.stop()
        self.start()

    def in_background(self, action: Callable[[], object],
                      delay: float = 0.0) -> threading.Thread:
        """Run *action* (:meth:`restart`, :meth:`start`...) after *delay*
        seconds in a thread, joined at clean-up; :meth:`join` waits for it
        and re-raises its error."""
        self._errors = []

        def run():
            time.sleep(delay)
            try:
                action()
            except BaseException as err:  # reported by join()
                self._errors.append(err)

        thread = threading.Thread(target=run, name="libvirtd-control",
                                  daemon=True)
        thread.start()
        self._thread = thread
        self.addCleanup(thread.join)
        return thread

    def join(self, timeout: float = 180) -> None:
        """Wait for :meth:`in_background`; raise what it raised."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"libvirtd restart still running after "
                                 f"{timeout} s")
        if self._errors:
            raise self._errors[0]
