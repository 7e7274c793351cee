"""ploop images (Parallels/Virtuozzo): the ``ploop`` and ``prl_disk_tool``
commands, and the image directory they work on.

A ploop disk is a directory holding ``DiskDescriptor.xml`` and the base
delta ``root.hds``: a raw file (descriptor type ``Plain``) or a ploop1
image (``Compressed``; qemu's format ``parallels``). Debian's ``ploop``
package provides the tool; ``init``, ``restore-descriptor`` and ``grow``
work without the ploop kernel module, ``mount``, ``info`` and ``resize``
need it. ``prl_disk_tool`` (which also grows the partition and file system
inside) is proprietary Virtuozzo software, present on Virtuozzo hosts only.

Failures are :class:`~virtdrivers.exception.ImageBackendError` with the
tool's messages; a missing ``ploop`` is a
:class:`~virtdrivers.exception.ConfigurationError` naming the package.
"""

import dataclasses
import os
import shutil
from xml.etree import ElementTree

from virtdrivers import exception
from virtdrivers import processes

PLOOP = 'ploop'
PRL_DISK_TOOL = 'prl_disk_tool'
ROOT = 'root.hds'
DESCRIPTOR = 'DiskDescriptor.xml'
SECTOR = 512
MiB = 1024 * 1024
# ploop's default cluster: raw deltas are kept a whole number of them
# (restore-descriptor refuses some other sizes).
CLUSTER = MiB
# restore-descriptor's name for a raw delta and for a ploop1 image, by the
# qemu format of root.hds.
_DESCRIPTOR_FORMAT = {'raw': 'raw', 'parallels': 'ploop1'}
# ploop 1.15 as built by Debian 12 does strncpy(out, path, PATH_MAX) in
# get_basedir(), compiled to a 4 KiB memcpy: with the path in argv, at the
# top of the stack, it reads past the stack's end and ``init``/``info``
# die with SIGSEGV unless at least 4 KiB of environment follow argv.
_STACK_PAD = 'PLOOP_STACK_PAD=' + 'x' * 4200
_V1_MAGIC = b'WithoutFreeSpace'


def _binary(tool, package):
    path = shutil.which(tool)
    if path is None:
        raise exception.ConfigurationError(
            reason='%s was not found in PATH; install %s' % (tool, package))
    return path


def _run(*cmd, pad=False):
    """Run *cmd* (an absolute tool path first); with *pad*, under ``env``
    with the environment padding ploop 1.15 needs."""
    tool = '%s %s' % (os.path.basename(cmd[0]), cmd[1])
    try:
        return processes.run(*(('env', _STACK_PAD) + cmd if pad else cmd))
    except processes.ProcessFailed as err:
        stderr = (err.stderr or '').strip()
        if 'No space left' in stderr:
            raise exception.InsufficientStorage(
                what='a ploop image', path=cmd[-1], reason=stderr) from err
        raise exception.ImageBackendError(
            backend='ploop', reason='%s exited with %s: %s'
            % (tool, err.exit_code, stderr)) from err
    except OSError as err:
        raise exception.ImageBackendError(
            backend='ploop', reason='%s could not run: %s' % (tool, err)
        ) from err


def check_tools():
    """:raises ConfigurationError: ``ploop`` is not installed."""
    _binary(PLOOP, 'the ploop package')


def init(directory, size, fmt='expanded'):
    """A new empty disk of *size* bytes (rounded up to clusters) in the
    existing, empty *directory*: ``ploop init -t none`` (no file system:
    making one needs the kernel module).

    :param fmt: ``expanded`` (ploop1, grows as written), ``raw`` or
        ``preallocated``.
    """
    _run(_binary(PLOOP, 'the ploop package'), 'init', '-s', '%d' % _sectors(size),
         '-f', fmt, '-t', 'none', os.path.join(directory, ROOT), pad=True)


def restore_descriptor(directory, qemu_format):
    """Write ``DiskDescriptor.xml`` for the ``root.hds`` in *directory*.

    :param qemu_format: what ``root.hds`` is: ``raw`` or ``parallels``
        (a ploop1 image of version 1; version 2 needs the kernel module).
    """
    _run(_binary(PLOOP, 'the ploop package'), 'restore-descriptor', '-f',
         _DESCRIPTOR_FORMAT[qemu_format], directory,
         os.path.join(directory, ROOT))


def resize(directory, size, operation='resize'):
    """Grow the disk in *directory* to *size* bytes, its last partition
    and file system with it: ``prl_disk_tool resize --resize_partition``
    (Nova's way).

    :param operation: what the refusal names when the tool is missing.
    :raises NotSupported: ``prl_disk_tool`` is not installed (it comes with
        Virtuozzo; nothing else grows a ploop disk's file system).
    """
    _run(disk_tool(operation), 'resize', '--size', '%dM' % -(-size // MiB),
         '--resize_partition', '--hdd', directory)


def can_resize():
    """Whether :func:`resize` can run here (``prl_disk_tool`` is installed)."""
    return shutil.which(PRL_DISK_TOOL) is not None


def disk_tool(operation):
    """The path of ``prl_disk_tool``.

    :raises NotSupported: for *operation*, naming the missing tool.
    """
    tool = shutil.which(PRL_DISK_TOOL)
    if tool is None:
        raise exception.NotSupported(
            operation=operation,
            reason="growing a ploop disk's file system needs %s "
            "(Virtuozzo), which is not in PATH" % PRL_DISK_TOOL)
    return tool


def is_disk(path):
    """Whether *path* is a ploop disk directory."""
    return os.path.isfile(os.path.join(path, DESCRIPTOR))


@dataclasses.dataclass(frozen=True)
class Description:
    """What a disk's ``DiskDescriptor.xml`` says.

    :ivar format: the qemu format of the base delta: ``raw`` (``Plain``)
        or ``parallels`` (``Compressed``, ploop1).
    :ivar size: the virtual size in bytes.
    :ivar deltas: the delta files, base first (more than ``root.hds`` once
        ``ploop snapshot`` ran).
    """

    format: str
    size: int
    deltas: tuple


def describe(directory):
    """The :class:`Description` of the disk in *directory* (ploop wrote it;
    the guest cannot touch it).

    :raises ImageBackendError: no readable descriptor.
    """
    path = os.path.join(directory, DESCRIPTOR)
    try:
        tree = ElementTree.parse(path)
        sectors = int(tree.findtext('Disk_Parameters/Disk_size'))
        images = tree.findall('StorageData/Storage/Image')
        kind = images[0].findtext('Type')
        deltas = tuple(image.findtext('File') for image in images)
    except (OSError, ElementTree.ParseError, IndexError, TypeError,
            ValueError) as err:
        raise exception.ImageBackendError(
            backend='ploop', reason='%s cannot be read: %s' % (path, err)
        ) from err
    return Description(format='raw' if kind == 'Plain' else 'parallels',
                       size=sectors * SECTOR, deltas=deltas)


def is_version_1(path):
    """Whether the file *path* is a ploop1 image of version 1 (what ploop
    handles without the kernel module; qemu-img writes version 2)."""
    with open(path, 'rb') as f:
        return f.read(len(_V1_MAGIC)) == _V1_MAGIC


def round_up(size):
    """*size* rounded up to whole clusters."""
    return -(-size // CLUSTER) * CLUSTER


def _sectors(size):
    return -(-size // SECTOR)
