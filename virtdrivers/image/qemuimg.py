"""``qemu-img``, run safely (DESIGN decision 9).

Every call names the image format explicitly (``-f``, ``-O``, ``-F``): a
probed format is how a "raw" image that is really a qcow2 gets its backing
file opened. Every call runs under process limits, so a hostile image
cannot make ``qemu-img`` eat the host's CPU or memory; the limits for
``info`` are Nova's. They are set by util-linux's ``prlimit`` command where
it exists (a few milliseconds) and by oslo.concurrency's Python wrapper
otherwise (which starts a Python interpreter per call).

Failures are raised from the exception tree with ``qemu-img``'s own stderr;
``ProcessExecutionError`` never leaks.
"""

import logging
import os
import shutil

from oslo_concurrency import processutils
from oslo_utils import imageutils
from oslo_utils import units

from virtdrivers import exception
from virtdrivers import processes

LOG = logging.getLogger(__name__)

QEMU_IMG = 'qemu-img'

# Nova's QEMU_IMG_LIMITS: inspecting a header needs neither more CPU nor
# more memory than this, whatever the image claims.
INFO_LIMITS = processutils.ProcessLimits(cpu_time=30, address_space=1 * units.Gi)
# create and resize only write metadata.
CREATE_LIMITS = processutils.ProcessLimits(cpu_time=30,
                                           address_space=1 * units.Gi)
# convert copies all the data: CPU time grows with the image; qemu-img's
# coroutines and buffers stay well inside 2 GiB.
CONVERT_LIMITS = processutils.ProcessLimits(cpu_time=3600,
                                            address_space=2 * units.Gi)

# Keep qemu-img's messages in English whatever the host's locale: they end
# up in our errors and logs.
_LOCALE = {'LC_ALL': 'C', 'LANG': 'C'}


def _binary():
    path = shutil.which(QEMU_IMG)
    if path is None:
        raise exception.ConfigurationError(
            reason='%s was not found in PATH; install QEMU\'s image tools '
            '(the qemu-utils package on Debian and Ubuntu, qemu-img on '
            'RHEL and Fedora)' % QEMU_IMG)
    return path


def _execute(action, args, limits, error):
    """Run ``qemu-img <action> <args>``; return its stdout.

    :param error: builds the exception to raise from the failure's
        description (which includes qemu-img's stderr).
    """
    cmd = (_binary(), action) + tuple(args)
    prlimit = shutil.which('prlimit')
    try:
        if prlimit is None:
            out, _err = processutils.execute(
                *cmd, prlimit=limits, env_variables=dict(os.environ, **_LOCALE))
            return out
        # prlimit(1) sets the limits on itself, then execs qemu-img.
        return processes.run(prlimit, '--cpu=%d' % limits.cpu_time,
                             '--as=%d' % limits.address_space, '--', *cmd)
    except (processutils.ProcessExecutionError, processes.ProcessFailed) as err:
        raise error(_describe(action, err)) from err
    except OSError as err:
        raise error('qemu-img %s could not run: %s' % (action, err)) from err


def _describe(action, err):
    stderr = (err.stderr or '').strip()
    code = err.exit_code
    if isinstance(code, int) and code < 0:
        # prlimit's limits are enforced by the kernel with a signal
        # (SIGXCPU, SIGKILL, SIGSEGV on a failed allocation).
        return ('qemu-img %s was killed by signal %d (process limits '
                'exceeded?): %s' % (action, -code, stderr))
    return 'qemu-img %s exited with %s: %s' % (action, code, stderr)


def _backend_error(reason):
    return exception.ImageBackendError(backend='qemu-img', reason=reason)


def info(path, fmt):
    """``qemu-img info`` of *path* read as *fmt*.

    :returns: an ``oslo_utils.imageutils.QemuImgInfo`` (``virtual_size``,
        ``disk_size``, ``file_format``, ``backing_file``, ``cluster_size``,
        ``format_specific`` ...), what Nova's ``qemu_img_info`` returns.
    :raises InvalidImage: qemu-img cannot read the file as *fmt* (missing,
        wrong format, corrupt, over the limits); the reason holds its stderr.
    :raises ConfigurationError: qemu-img is not installed.
    """
    def error(reason):
        return exception.InvalidImage(image_id=path, reason=reason)

    # --force-share: an image in use by a running guest can still be read.
    out = _execute('info', ('-f', fmt, '--output=json', '--force-share',
                            _path(path)), INFO_LIMITS, error)
    try:
        return imageutils.QemuImgInfo(out, format='json')
    except ValueError as err:
        raise error('qemu-img info printed no JSON: %s' % err) from err


def convert(src, src_fmt, dst, dst_fmt, sparse=True):
    """Copy image *src* (read as *src_fmt*) to *dst* in *dst_fmt*.

    :param sparse: skip writing zeroes (holes in raw, unallocated clusters
        in qcow2); ``False`` allocates the whole of *dst*.
    :raises ImageBackendError: the conversion failed; a *dst* this call
        created is removed.
    :raises ConfigurationError: qemu-img is not installed.
    """
    existed = os.path.lexists(dst)
    args = ['-f', src_fmt, '-O', dst_fmt]
    if not sparse:
        args += ['-S', '0']
    args += [_path(src), _path(dst)]
    try:
        _execute('convert', args, CONVERT_LIMITS, _backend_error)
    except exception.ImageBackendError:
        if not existed:
            _remove(dst)
        raise


def create(path, fmt, size, backing_file=None, backing_fmt=None):
    """Create image *path* of *fmt* and *size* bytes.

    :param size: bytes; may be None with a *backing_file* (same size).
    :param backing_file: make *path* an overlay of this image, read as
        *backing_fmt*, which is then required.
    :raises InvalidInput: *backing_fmt* missing, or neither size nor
        backing file given.
    :raises ImageBackendError: qemu-img failed (its stderr is included).
    :raises ConfigurationError: qemu-img is not installed.
    """
    args = ['-f', fmt]
    if backing_file is not None:
        if not backing_fmt:
            raise exception.InvalidInput(
                reason='backing file %s needs an explicit backing format'
                % backing_file)
        args += ['-b', _path(backing_file), '-F', backing_fmt]
    elif size is None:
        raise exception.InvalidInput(
            reason='image %s needs a size or a backing file' % path)
    args.append(_path(path))
    if size is not None:
        args.append(_size(size))
    _execute('create', args, CREATE_LIMITS, _backend_error)


def resize(path, fmt, size):
    """Grow image *path* (read as *fmt*) to *size* bytes.

    :raises ImageBackendError: qemu-img failed, for instance when *size* is
        smaller than the image (shrinking is refused; it loses data).
    :raises ConfigurationError: qemu-img is not installed.
    """
    _execute('resize', ('-f', fmt, _path(path), _size(size)), CREATE_LIMITS,
             _backend_error)


def _path(path):
    """*path* as qemu-img must get it to read it as a plain file name.

    qemu-img takes ``proto:...`` (``nbd:``, ``json:{...}``) as a protocol
    and a leading ``-`` as an option; ``./`` in front of a relative name
    prevents both.
    """
    path = os.fspath(path)
    return path if os.path.isabs(path) else os.path.join('.', path)


def _size(size):
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise exception.InvalidInput(
            reason='image size must be a non-negative number of bytes, '
            'got %r' % (size,))
    return str(size)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        LOG.warning('Could not remove %s after a failed conversion: %s',
                    path, err)
