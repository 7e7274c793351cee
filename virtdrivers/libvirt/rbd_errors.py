"""How rados and rbd errors read in the exception tree: by errno, so any
version of the bindings (and no import of them) is needed to translate one.
:mod:`virtdrivers.libvirt.rbd_utils` decides what is a library error and
sends it here."""

import errno

from virtdrivers import exception

BACKEND = 'rbd'


def image_spec(pool, image=None, snapshot=None):
    """``pool/image@snapshot``, as Ceph writes an image spec."""
    text = pool or '?'
    if image:
        text += '/' + image
    if snapshot:
        text += '@' + snapshot
    return text


def translate(err, what, pool=None, image=None, snapshot=None,
              conffile=None):
    """The exception-tree error for a rados/rbd error *err* (by errno, so
    that any version of the bindings is read the same way).

    :param what: the operation, for the message ("clone", "import"...).
    """
    code = getattr(err, 'errno', None)
    code = abs(code) if isinstance(code, int) else None
    spec = image_spec(pool, image, snapshot)
    detail = '%s of %s: %s' % (what, spec, err)
    if code in (errno.ETIMEDOUT, errno.ESHUTDOWN, errno.ENOTCONN,
                errno.ECONNREFUSED):
        return exception.HypervisorUnavailable(
            'The Ceph cluster of %s is unreachable (%s)'
            % (conffile or 'the default ceph.conf', detail),
            host='ceph:%s' % (conffile or 'default'))
    if code == errno.ENOENT:
        return exception.NotFound('RBD %s does not exist (%s)' % (spec, detail))
    if code in (errno.ENOSPC, errno.EDQUOT):
        return exception.InsufficientStorage(
            what=what, path='rbd:' + spec, reason=str(err))
    return exception.ImageBackendError(backend=BACKEND, reason=detail)
