"""The catalogue of profiles: every profile by name, and the one each
``[libvirt] virt_type`` starts from.

The family modules define the profiles and the package registers them
(:func:`register`) when it is imported, before anything can look one up;
:meth:`~.profile.Profile.member` finds the other members of a family here.
This module imports none of them, so they can all import it.
"""

from virtdrivers import exception

# name -> Profile, filled by register().
_BY_NAME = {}
# The profile each ``[libvirt] virt_type`` starts from (its default vm_mode).
_BY_VIRT_TYPE = {"kvm": "kvm", "qemu": "qemu", "xen": "xen-pv",
                 "parallels": "parallels-vm"}


def register(*profiles):
    """Add *profiles* to the catalogue.

    :raises ValueError: a profile of that name is registered already.
    """
    for profile in profiles:
        if profile.name in _BY_NAME:
            raise ValueError("profile %s is registered already" % profile.name)
        _BY_NAME[profile.name] = profile


def by_name(name):
    """The profile called ``name`` (``kvm``, ``xen-pv``...).

    :raises ConfigurationError: for an unknown name.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise exception.ConfigurationError(
            reason="no libvirt profile %r (known: %s)"
            % (name, ", ".join(sorted(_BY_NAME)))) from None


def get(virt_type, default_vm_mode=None):
    """The profile for ``[libvirt] virt_type``.

    :param default_vm_mode: the vm_mode images without one run as (an
        option such as ``[libvirt] xen_default_vm_mode``); None keeps the
        family's default (Xen: PV, Parallels: VM).
    :raises ConfigurationError: for a virt_type without a profile, or a
        vm_mode its family cannot run.
    """
    try:
        profile = _BY_NAME[_BY_VIRT_TYPE[virt_type]]
    except KeyError:
        raise exception.ConfigurationError(
            reason="[libvirt] virt_type=%r has no profile (known: %s)"
            % (virt_type, ", ".join(sorted(_BY_VIRT_TYPE)))) from None
    return profile if default_vm_mode is None else profile.member(default_vm_mode)


def names():
    """Every profile name, sorted."""
    return sorted(_BY_NAME)
