"""The domain XML a block-migrated guest gets on the destination.

Without shared storage the destination keeps the instance's files in its
own ``instances_path``: every path of the guest under the source's
instance directory (disk files, console logs) moves to the destination's.
"""

import os

from virtdrivers.libvirt import xml as vxml


def _moved(path, src_dir, dst_dir):
    if path and os.path.dirname(path) == src_dir:
        return os.path.join(dst_dir, os.path.basename(path))
    return None


def for_destination(domain_xml, src_dir, dst_dir):
    """*domain_xml* (the source's migratable XML) with the paths under
    *src_dir* moved to *dst_dir*; unchanged when both are the same.

    The backing chain of a moved disk is left for the destination's
    libvirt to read from the disk (its base is that host's cached image).
    """
    domain = vxml.Domain.from_xml(domain_xml)
    src_dir, dst_dir = os.path.normpath(src_dir), os.path.normpath(dst_dir)
    if src_dir == dst_dir:
        return domain_xml
    for disk in domain.devices.disks:
        path = _moved(disk.source_file, src_dir, dst_dir)
        if path:
            disk.source_file = path
            for backing in disk.element.findall("backingStore"):
                disk.element.remove(backing)
    for char in (*domain.devices.serials, *domain.devices.consoles):
        # A file-backed port (Xen HVM's console log) or a pty's <log>.
        for attr in ("log_file", "source_path"):
            path = _moved(getattr(char, attr), src_dir, dst_dir)
            if path:
                setattr(char, attr, path)
    return domain.to_xml()
