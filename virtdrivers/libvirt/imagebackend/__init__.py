"""Image backends of the libvirt driver: where instance disks live.

Backends are entry points in :data:`NAMESPACE` (``flat``, ``raw``,
``qcow2`` here; others from their own packages), each a subclass of
:class:`~virtdrivers.libvirt.imagebackend.base.ImageBackend`.
"""

from virtdrivers import exception
from virtdrivers import plugins

NAMESPACE = 'virtdrivers.libvirt.image_backends'
OPTION = '[libvirt] images_type'


def backend_name(images_type, use_cow):
    """The backend ``[libvirt] images_type`` names; ``default`` is Nova's:
    ``qcow2`` with ``[DEFAULT] use_cow_images``, else ``flat``."""
    if images_type == 'default':
        return 'qcow2' if use_cow else 'flat'
    return images_type


def load(images_type, use_cow=True):
    """The backend class for ``[libvirt] images_type``.

    :raises ConfigurationError: an unknown type (the choices are listed), a
        backend whose library is not installed (what to install is named),
        or an entry point that is not an ImageBackend.
    """
    from virtdrivers.libvirt.imagebackend import base

    name = backend_name(images_type, use_cow)
    cls = plugins.load(NAMESPACE, name, 'image backend', OPTION)
    if not (isinstance(cls, type) and issubclass(cls, base.ImageBackend)):
        raise exception.ConfigurationError(
            reason='image backend %s=%r is %r, not a virtdrivers ImageBackend'
            % (OPTION, name, cls))
    return cls
