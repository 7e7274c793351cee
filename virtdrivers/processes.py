"""Running host tools (``qemu-img``, ``cp``, ``mkswap``...): one place.

No shell, stdin closed, a C locale (messages end up in our errors), stdout
returned and stderr kept for the error. ``subprocess`` without a
``preexec_fn`` can use ``vfork``: starting a tool costs about a millisecond
instead of a fork of the whole process (oslo.concurrency's ``execute``
always sets one).
"""

import os
import subprocess

_LOCALE = {'LC_ALL': 'C', 'LANG': 'C'}


class ProcessFailed(Exception):
    """A tool exited non-zero (or was killed: ``exit_code`` < 0)."""

    def __init__(self, cmd, exit_code, stderr):
        self.cmd = list(cmd)
        self.exit_code = exit_code
        self.stderr = stderr
        super().__init__('%s exited with %s: %s'
                         % (os.path.basename(self.cmd[0]), exit_code,
                            stderr.strip()))


def run(*cmd):
    """Run *cmd*; return its stdout.

    :raises ProcessFailed: non-zero exit, with stderr.
    :raises OSError: the tool cannot be started (``ENOENT``: not installed).
    """
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=dict(os.environ, **_LOCALE),
                          check=False)
    if proc.returncode != 0:
        raise ProcessFailed(cmd, proc.returncode, proc.stderr)
    return proc.stdout
