"""LVM, through the lvm2 command line: one volume group and its volumes.

Every command goes through one *runner* (``runner(*cmd) -> stdout``,
raising :class:`~virtdrivers.processes.ProcessFailed` or ``OSError``),
given to :class:`VolumeGroup`; the default runs the real tools. Sizes are
passed and read in bytes (``--units b``, a ``b`` suffix), so nothing is
lost to rounding in a unit; LVM itself rounds a new size up to whole
extents. Failures become :class:`~virtdrivers.exception.ImageBackendError`
with lvm2's message, :class:`~virtdrivers.exception.InsufficientStorage`
when the volume group is full.
"""

import dataclasses
import errno
import logging

from virtdrivers import exception
from virtdrivers import processes

LOG = logging.getLogger(__name__)

MiB = 1024 * 1024
CLEAR_METHODS = ('none', 'zero', 'shred')
_LV_FIELDS = ('lv_name', 'lv_path', 'lv_size', 'lv_attr', 'data_percent',
              'pool_lv', 'lv_tags')
_SEP = '|'
# lvm2's messages for a missing volume group or logical volume.
_NOT_FOUND = ('" not found', 'Failed to find logical volume',
              'not found in volume group')


def run(*cmd):
    """The real runner: run *cmd* on this host."""
    return processes.run(*cmd)


@dataclasses.dataclass(frozen=True)
class Volume:
    """A logical volume as ``lvs`` reports it.

    :ivar name: the LV name.
    :ivar path: its block device (``/dev/<vg>/<name>``).
    :ivar size: its size in bytes (the guest sees all of it).
    :ivar attr: ``lv_attr`` (``-wi-a-----``; ``t`` first for a thin pool,
        ``V`` for a thin volume).
    :ivar data_percent: how full a thin pool or volume is; None otherwise.
    :ivar pool: the thin pool of a thin volume, else ``''``.
    :ivar tags: its LVM tags.
    """

    name: str
    path: str
    size: int
    attr: str
    data_percent: float | None = None
    pool: str = ''
    tags: tuple = ()

    @property
    def is_thin(self):
        return self.attr.startswith('V')

    @property
    def is_thin_pool(self):
        return self.attr.startswith('t')

    @property
    def zeroes_provisioned(self):
        """A thin pool that zeroes the blocks it gives out (``lv_attr``
        position 8): its volumes never show another's old data."""
        return self.is_thin_pool and self.attr[7:8] == 'z'


class VolumeGroup:
    """The volume group *name*, driven through *runner*.

    :param runner: runs one command (default: :func:`run`, the real tools).
    """

    def __init__(self, name, runner=None):
        self.name = name
        self._run = runner or run

    def __repr__(self):
        return 'VolumeGroup(%r)' % self.name

    # -- reading ----------------------------------------------------------

    def info(self):
        """``(size, free, extent_size)`` of the volume group, in bytes.

        :raises NotFound: there is no such volume group (lvm2's message).
        :raises ImageBackendError: ``vgs`` failed otherwise.
        """
        out = self._lvm('vgs', '--noheadings', '--nosuffix', '--units', 'b',
                        '--separator', _SEP,
                        '-o', 'vg_size,vg_free,vg_extent_size', self.name)
        try:
            size, free, extent = (int(v) for v in out.strip().split(_SEP))
        except ValueError as err:
            raise self._error('vgs printed %r' % out) from err
        return size, free, extent

    def volumes(self):
        """Every logical volume of the group, by name."""
        out = self._lvm('lvs', '--noheadings', '--nosuffix', '--units', 'b',
                        '--separator', _SEP, '-o', ','.join(_LV_FIELDS),
                        self.name)
        found = {}
        for line in out.splitlines():
            if line.strip():
                volume = self._parse(line)
                found[volume.name] = volume
        return found

    def _parse(self, line):
        fields = line.strip().split(_SEP)
        if len(fields) != len(_LV_FIELDS):
            raise self._error('lvs printed %r' % line)
        name, path, size, attr, percent, pool, tags = fields
        try:
            return Volume(name=name, path=path, size=int(size), attr=attr,
                          data_percent=float(percent) if percent else None,
                          pool=pool,
                          tags=tuple(t for t in tags.split(',') if t))
        except ValueError as err:
            raise self._error('lvs printed %r' % line) from err

    # -- changing ---------------------------------------------------------

    def create(self, lv, size, thin_pool=None, tags=()):
        """Create volume *lv* of *size* bytes (rounded up to extents).

        :param thin_pool: make it a thin volume in this pool of the group;
            it then allocates nothing until written (``lvcreate -V -T``).
        :param tags: LVM tags to give it.
        :raises InsufficientStorage: the group (or pool) has no room.
        """
        args = ['lvcreate', '--yes']
        if thin_pool:
            args += ['-V', '%db' % size, '-T', '%s/%s' % (self.name, thin_pool)]
        else:
            args += ['-L', '%db' % size]
        args += ['-n', lv]
        for tag in tags:
            args += ['--addtag', tag]
        if not thin_pool:
            args.append(self.name)
        self._lvm(*args, what='logical volume %s' % lv)

    def create_thin_pool(self, pool, percent_free=95):
        """Create thin pool *pool* on *percent_free* % of the free space;
        it zeroes the blocks it provisions (``--zero y``)."""
        self._lvm('lvcreate', '--yes', '--type', 'thin-pool', '-l',
                  '%d%%FREE' % percent_free, '--zero', 'y', '-n', pool,
                  self.name, what='thin pool %s' % pool)

    def extend(self, lv, size):
        """Grow volume *lv* to *size* bytes."""
        self._lvm('lvextend', '-L', '%db' % size, self._full(lv),
                  what='logical volume %s' % lv)

    def remove(self, lv):
        """Remove volume *lv* (without clearing it: see :meth:`clear`)."""
        self._lvm('lvremove', '-f', self._full(lv))

    def clear(self, volume, method, size_mib=0):
        """Overwrite the first *size_mib* MiB (0: all) of *volume*.

        :param method: ``zero`` (``dd`` from ``/dev/zero``), ``shred``
            (``shred -n3``: three passes of random data) or ``none``.
        """
        if method not in CLEAR_METHODS:
            raise exception.ConfigurationError(
                reason='[libvirt] volume_clear=%r (choices: %s)'
                % (method, ', '.join(CLEAR_METHODS)))
        size = volume.size
        if size_mib and size_mib * MiB < size:
            size = size_mib * MiB
        if method == 'none' or size <= 0:
            return
        if method == 'zero':
            # O_DIRECT: gigabytes of zeroes need not pass through the page
            # cache; fdatasync: they are on the disk before the lvremove.
            cmd = ('dd', 'if=/dev/zero', 'of=%s' % volume.path, 'bs=1M',
                   'count=%d' % size, 'iflag=count_bytes', 'oflag=direct',
                   'conv=notrunc,fdatasync')
        else:
            cmd = ('shred', '-n3', '-s%d' % size, volume.path)
        LOG.debug('Clearing %d bytes of %s (%s)', size, volume.path, method)
        self._tool(*cmd)

    # -- helpers ----------------------------------------------------------

    def _full(self, lv):
        return '%s/%s' % (self.name, lv)

    def _error(self, reason):
        return exception.ImageBackendError(
            backend='lvm', reason='volume group %s: %s' % (self.name, reason))

    def _lvm(self, *cmd, what=None):
        try:
            return self._run(*cmd)
        except processes.ProcessFailed as err:
            stderr = _message(err.stderr)
            if any(m in stderr for m in _NOT_FOUND):
                raise exception.NotFound(stderr) from err
            if 'insufficient free space' in stderr.lower():
                raise exception.InsufficientStorage(
                    what=what or cmd[0], path='volume group %s' % self.name,
                    reason=stderr) from err
            raise self._error('%s exited with %s: %s'
                              % (cmd[0], err.exit_code, stderr)) from err
        except OSError as err:
            raise _not_runnable(cmd[0], err, 'lvm2') from err

    def _tool(self, *cmd):
        try:
            return self._run(*cmd)
        except processes.ProcessFailed as err:
            raise self._error('%s exited with %s: %s' % (
                cmd[0], err.exit_code, _message(err.stderr))) from err
        except OSError as err:
            raise _not_runnable(cmd[0], err, 'coreutils') from err


def _message(stderr):
    """lvm2's error lines, without its warnings about inherited file
    descriptors (which say nothing about the failure)."""
    lines = [line.strip() for line in (stderr or '').splitlines()
             if line.strip() and 'leaked on' not in line]
    return '; '.join(lines)


def _not_runnable(tool, err, package):
    if err.errno == errno.ENOENT:
        return exception.ConfigurationError(
            reason='%s was not found in PATH; install %s' % (tool, package))
    return exception.ImageBackendError(
        backend='lvm', reason='%s could not run: %s' % (tool, err))
