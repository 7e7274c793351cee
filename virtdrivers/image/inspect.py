"""Safe inspection of untrusted disk images (DESIGN decision 9).

An image from a user is only data until we have looked at it: a qcow2 file
with a backing file or an external data file makes ``qemu-img`` (and QEMU)
open a host file of the uploader's choosing, and a qcow2 uploaded as "raw"
reaches the guest as a qcow2 the moment anything probes its format. So before
an image is converted or attached, :func:`inspect_image` reads its headers in
Python with oslo.utils' format inspector (no subprocess, no QEMU code),
requires the detected format to be the declared one and runs the inspector's
safety checks.
"""

import dataclasses
import logging
import os
import stat
import struct

from oslo_utils.imageutils import format_inspector as fi

from virtdrivers import exception

LOG = logging.getLogger(__name__)

# Glance ``disk_format`` (and a few qemu-img spellings) -> the name of the
# format inspector that must recognise the content.
_INSPECTOR_FOR = {
    'raw': 'raw',
    'ami': 'raw',
    'aki': 'raw',
    'ari': 'raw',
    'qcow2': 'qcow2',
    'vmdk': 'vmdk',
    'vdi': 'vdi',
    'vhd': 'vhd',
    'vpc': 'vhd',
    'vhdx': 'vhdx',
    'iso': 'iso',
    'ploop': 'ploop',
    'parallels': 'ploop',
}

# Inspector name -> the format qemu-img must be told (``-f``).
_QEMU_FORMAT = {
    'raw': 'raw',
    'gpt': 'raw',
    'iso': 'raw',
    'qcow2': 'qcow2',
    'vmdk': 'vmdk',
    'vdi': 'vdi',
    'vhd': 'vpc',
    'vhdx': 'vhdx',
    'ploop': 'parallels',
}

# Content a declared "raw" legitimately has: a partition table (GPT or MBR)
# or an ISO 9660 file system (Nova accepts both the same way).
_RAW_LOOKALIKES = ('gpt', 'iso')

# Hybrid installer ISOs carry an ISO 9660 file system and a partition table.
_HYBRID_ISO = frozenset(('iso', 'gpt'))

# A ploop (qemu "parallels") image starts with one of these signatures. The
# format has no backing-file or data-file field, so the signature suffices.
_PLOOP_MAGICS = (b'WithoutFreeSpace', b'WithouFreSpacExt')
_PLOOP_HEADER = struct.Struct('<16sIIIIIQ')

_CHUNK = 64 * 1024


@dataclasses.dataclass(frozen=True)
class InspectedImage:
    """What inspection found out about an image file.

    :ivar format: the format to pass to ``qemu-img -f`` (``raw``, ``qcow2``,
        ``vmdk``, ``vdi``, ``vpc``, ``vhdx``, ``parallels``); ISO images and
        ``ami``/``aki``/``ari`` are ``raw``.
    :ivar virtual_size: the disk size the guest sees, in bytes.
    :ivar actual_size: the bytes the file occupies on the host disk.
    """

    format: str
    virtual_size: int
    actual_size: int


def inspect_image(path, declared_format, image_id):
    """Check that the file at *path* is a safe image of *declared_format*.

    :param path: a regular file holding the image's data.
    :param declared_format: the image's Glance ``disk_format``.
    :param image_id: named in errors.
    :returns: an :class:`InspectedImage`.
    :raises InvalidImage: the declared format is not supported, the content
        is another format (or several), the image fails a safety check
        (backing file, external data file, unsafe VMDK descriptor, ...) or
        the file cannot be read. The reason says which.
    """
    declared = (declared_format or '').lower()
    expected = _INSPECTOR_FOR.get(declared)
    if expected is None:
        raise exception.InvalidImage(
            image_id=image_id,
            reason='disk_format %r is not supported (supported: %s)'
            % (declared_format, ', '.join(sorted(_INSPECTOR_FOR))))
    st = _stat_regular(path, image_id)
    inspectors = _detect(path, image_id)
    detected = _choose(inspectors, declared, expected, image_id)
    _safety_check(inspectors, image_id)
    if detected == 'ploop':
        virtual_size = _ploop_virtual_size(path, image_id)
    elif _QEMU_FORMAT[detected] == 'raw':
        virtual_size = st.st_size
    else:
        virtual_size = inspectors[0].virtual_size
    return InspectedImage(format=_QEMU_FORMAT[detected],
                          virtual_size=virtual_size,
                          actual_size=st.st_blocks * 512)


def _stat_regular(path, image_id):
    try:
        st = os.stat(path)
    except OSError as err:
        raise exception.InvalidImage(
            image_id=image_id,
            reason='image file cannot be read: %s' % err) from err
    if not stat.S_ISREG(st.st_mode):
        raise exception.InvalidImage(
            image_id=image_id, reason='%s is not a regular file' % path)
    return st


def _detect(path, image_id):
    """Every inspector whose format the content matches (raw alone if none).

    This is ``format_inspector.detect_file_format`` without its refusal of
    several matches, which :func:`_choose` decides on.
    """
    try:
        with open(path, 'rb') as f:
            wrapper = fi.InspectWrapper(f)
            try:
                while wrapper.formats is None:
                    if not wrapper.read(_CHUNK):
                        break
            finally:
                wrapper.close()
            return list(wrapper.formats)
    except OSError as err:
        raise exception.InvalidImage(
            image_id=image_id,
            reason='image file cannot be read: %s' % err) from err
    except fi.ImageFormatError as err:
        raise exception.InvalidImage(
            image_id=image_id,
            reason='image content cannot be parsed: %s' % err) from err


def _choose(inspectors, declared, expected, image_id):
    """The detected format's inspector name, if the declaration allows it."""
    names = sorted(str(i) for i in inspectors)
    if len(names) > 1:
        if set(names) == _HYBRID_ISO and expected in ('iso', 'raw'):
            return 'iso'
        raise exception.InvalidImage(
            image_id=image_id,
            reason='content matches several formats (%s); refusing an '
            'ambiguous image' % ', '.join(names))
    detected = names[0]
    if detected == expected:
        return detected
    if expected == 'raw' and detected in _RAW_LOOKALIKES:
        return detected
    if expected == 'ploop' and detected == 'raw':
        return 'ploop'
    raise exception.InvalidImage(
        image_id=image_id,
        reason='content is %s but disk_format says %s' % (detected, declared))


def _safety_check(inspectors, image_id):
    failures = {}
    for inspector in inspectors:
        try:
            inspector.safety_check()
        except fi.SafetyCheckFailed as err:
            failures.update(err.failures)
        except fi.ImageFormatError as err:
            raise exception.InvalidImage(
                image_id=image_id,
                reason='%s content cannot be checked: %s'
                % (inspector, err)) from err
    if failures:
        reason = '; '.join('%s: %s' % (name, failures[name])
                           for name in sorted(failures))
        LOG.warning('Image %s refused by safety checks: %s', image_id, reason)
        raise exception.InvalidImage(
            image_id=image_id, reason='failed safety checks (%s)' % reason)


def _ploop_virtual_size(path, image_id):
    """The disk size recorded in a ploop header (qemu's ParallelsHeader)."""
    with open(path, 'rb') as f:
        header = f.read(_PLOOP_HEADER.size)
    if len(header) < _PLOOP_HEADER.size or \
            not header.startswith(_PLOOP_MAGICS):
        raise exception.InvalidImage(
            image_id=image_id,
            reason='content is not a ploop image (no ploop signature)')
    nb_sectors = _PLOOP_HEADER.unpack(header)[-1]
    return nb_sectors * 512
