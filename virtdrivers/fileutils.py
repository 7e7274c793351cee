"""Small file helpers every module that writes files needs."""

import os

from virtdrivers import exception


def remove(path):
    """Remove the file *path*; a file that is already gone is fine."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def listdir(path):
    """Sorted names in the directory *path*; [] when it does not exist."""
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return []


def check_readable(data_path):
    """Raise ``InvalidInput`` unless *data_path* (if given) can be read."""
    if data_path is None:
        return
    try:
        with open(data_path, 'rb'):
            pass
    except OSError as err:
        raise exception.InvalidInput(
            reason='image data %s cannot be read: %s' % (data_path, err)
        ) from err
