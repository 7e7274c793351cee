"""Whether two hosts share ``instances_path``: one host makes a marker
file there, the other looks for it (Nova's check, for cold and live
migration alike)."""

import os
import tempfile

from virtdrivers import exception

PREFIX = '.shared-storage-check-'


def create(instances_path):
    """Make a marker file in *instances_path*; return its name."""
    os.makedirs(instances_path, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=PREFIX, dir=instances_path)
    os.close(fd)
    return os.path.basename(path)


def _path(instances_path, name):
    if not isinstance(name, str) or not name.startswith(PREFIX) or \
            os.sep in name:
        raise exception.InvalidInput(
            reason='not a shared storage check file: %r' % (name,))
    return os.path.join(instances_path, name)


def visible(instances_path, name):
    """Whether marker *name* is in *instances_path*.

    :raises InvalidInput: *name* is not a marker's name (it is named).
    """
    return os.path.exists(_path(instances_path, name))


def remove(instances_path, name):
    """Remove marker *name*; one that is gone is not an error."""
    try:
        os.unlink(_path(instances_path, name))
    except FileNotFoundError:
        pass
