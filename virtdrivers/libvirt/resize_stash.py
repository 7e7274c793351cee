"""What a resize or cold migration keeps on the source host until it is
confirmed or reverted: a copy of every disk as it was when the guest
stopped, and where the instance went.

Layout: ``<instances_path>/<uuid>_resize/`` (Nova's name) holds
``migration.json`` and one file per disk, extracted through the image
backend, so every backend (files, volumes, LVs, RBD images) is kept the
same way and restored with its own ``import_file``.
"""

import dataclasses
import json
import os
import shutil
import tempfile

from virtdrivers import exception

RECORD = 'migration.json'
SUFFIX = '_resize'
# Formats the copies are kept in: the backend's own when it can import it.
_KEEP_FORMATS = ('raw', 'qcow2')


@dataclasses.dataclass(frozen=True)
class Stash:
    """One instance's kept disks.

    :ivar dest: the host the instance went to.
    :ivar remote: None for a resize on this host; ``'copied'`` when the
        disks were sent to another host; ``'shared'`` when the other host
        uses the same disks.
    :ivar disks: ``{disk name: format of its copy}``.
    :ivar flavor: the flavor before the resize, as a dict.
    """

    path: str
    dest: str
    remote: str | None
    disks: dict
    flavor: dict

    def disk_path(self, name):
        return os.path.join(self.path, name)


def stash_dir(instances_path, instance):
    return os.path.join(instances_path, instance.uuid + SUFFIX)


def create(storage, instance, dest, remote):
    """Copy every disk of the stopped *instance* into its stash.

    :raises InstanceInvalidState: a stash exists already (a resize is in
        progress).
    :raises ImageBackendError: a copy failed; nothing is left behind.
    """
    path = stash_dir(storage.instances_path, instance)
    if os.path.exists(path):
        raise exception.InstanceInvalidState(
            instance_uuid=instance.uuid, attr='migration', state='in progress',
            method='resize or migrate it again (confirm or revert first)')
    backend = storage.backend
    fmt = backend.disk_format if backend.disk_format in _KEEP_FORMATS else 'raw'
    tmp = tempfile.mkdtemp(prefix='.%s-' % instance.uuid,
                           dir=storage.instances_path)
    try:
        disks = {}
        for name in backend.disk_names(instance):
            backend.snapshot_extract(instance, name, os.path.join(tmp, name), fmt)
            disks[name] = fmt
        flavor = instance.flavor
        record = {'dest': dest, 'remote': remote, 'disks': disks,
                  'flavor': {k: getattr(flavor, k, None) for k in (
                      'name', 'memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb',
                      'swap')}}
        with open(os.path.join(tmp, RECORD), 'w') as f:
            json.dump(record, f, sort_keys=True)
        os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load(storage.instances_path, instance)


def load(instances_path, instance):
    """The instance's :class:`Stash`, or None when it has none."""
    path = stash_dir(instances_path, instance)
    try:
        with open(os.path.join(path, RECORD)) as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    return Stash(path=path, **data)


def restore(storage, instance, stash):
    """Put the kept disks back in place of the current ones; disks the
    resize added go."""
    backend = storage.backend
    for name in backend.disk_names(instance):
        backend.delete(instance, name)
    for name, fmt in sorted(stash.disks.items()):
        backend.import_file(instance, name, stash.disk_path(name), fmt)


def remove(stash):
    if stash is not None:
        shutil.rmtree(stash.path, ignore_errors=True)
