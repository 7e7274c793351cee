"""Snapshot: copy an instance's root disk into the image service.

Live where the hypervisor can: the root disk of the running guest is
mirrored into a new qcow2 file (a block copy; filesystems frozen by the
guest agent while the mirror is cut when the image has one), and that file
is converted. Cold otherwise (and for stopped guests): a running guest is
saved (managed save), its disk extracted and the guest restored.
"""

import logging
import os
import shutil
import tempfile

from virtdrivers import exception
from virtdrivers import power_state
from virtdrivers.image import qemuimg
from virtdrivers.libvirt import power
from virtdrivers.libvirt import xml
from virtdrivers.libvirt.builder import context as build_context

LOG = logging.getLogger(__name__)


def snapshot(drv, context, instance, image_id, update_task_state):
    guest = drv.host.get_guest(instance)
    drv.image_service.show(context, image_id)   # ImageNotFound before any work
    base_meta = drv.storage.load_record(instance)[0]
    backend = drv.storage.backend
    fmt = (drv.settings.snapshot_image_format
           or backend.source(instance, build_context.ROOT).format)
    update_task_state(task_state='image_pending_upload')
    props = dict(base_meta.properties.to_dict())
    props.update(image_type='snapshot', image_location='snapshot',
                 instance_uuid=instance.uuid, base_image_ref=base_meta.id or '')
    if _direct(drv, context, guest, instance, image_id, base_meta, props,
               update_task_state):
        return
    workdir = tempfile.mkdtemp(prefix='.snapshot-',
                               dir=drv.storage.instance_dir(instance))
    try:
        path = os.path.join(workdir, 'root.%s' % fmt)
        if not _extract_live(drv, guest, instance, base_meta, workdir, path, fmt):
            _extract_cold(guest, backend, instance, path, fmt)
        update_task_state(task_state='image_uploading',
                          expected_state='image_pending_upload')
        drv.image_service.update(
            context, image_id, {'disk_format': fmt, 'container_format': 'bare',
                                'properties': props}, data_path=path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _direct(drv, context, guest, instance, image_id, base_meta, props,
            update_task_state):
    """Snapshot inside the disks' storage (rbd), recording the location on
    the image instead of uploading data; False where that is not possible."""
    backend = drv.storage.backend
    frozen = guest.get_power_state() == power_state.RUNNING and \
        _freeze(guest, base_meta)
    try:
        location = backend.direct_snapshot(context, instance, image_id, base_meta)
    except exception.NotSupported:
        return False
    finally:
        if frozen:
            guest.thaw_filesystems()
    update_task_state(task_state='image_uploading',
                      expected_state='image_pending_upload')
    try:
        drv.image_service.update(
            context, image_id, {'disk_format': 'raw', 'container_format': 'bare',
                                'properties': props,
                                'locations': [{'url': location, 'metadata': {}}]})
    except BaseException:
        backend.cleanup_direct_snapshot(location)
        raise
    return True


def _root_target(guest, source_path):
    for disk in guest.get_config().devices.disks:
        if disk.source_file == source_path:
            return disk.target_dev
    return None


def _extract_live(drv, guest, instance, image_meta, workdir, path, fmt):
    """Copy the running guest's root disk; False when a live copy is not
    possible here (not running, not a file disk, no block copy)."""
    if guest.get_power_state() != power_state.RUNNING:
        return False
    source = drv.storage.backend.source(instance, build_context.ROOT)
    dev = _root_target(guest, source.path) if source.type == 'file' else None
    if dev is None:
        return False
    size = next(d['virt_disk_size'] for d in drv.storage.backend.disk_info(instance)
                if d['path'] == source.path)
    delta = os.path.join(workdir, 'delta.qcow2')
    qemuimg.create(delta, 'qcow2', size)
    disk = xml.Disk.new(type='file', device='disk', driver_name='qemu',
                        driver_type='qcow2', source_file=delta, target_dev=dev)
    _end_leftover_job(guest, dev)
    try:
        guest.block_copy(dev, disk.to_xml())
    except exception.NotSupported:
        LOG.info('Instance %s: no live block copy here; snapshot is cold',
                 instance.uuid)
        return False
    frozen = _freeze(guest, image_meta)
    try:
        guest.wait_for_block_job_ready(dev, timeout=3600)
    finally:
        guest.abort_block_job(dev)
        if frozen:
            guest.thaw_filesystems()
    qemuimg.convert(delta, 'qcow2', path, fmt)
    return True


def _end_leftover_job(guest, dev):
    """Abort a block job an earlier snapshot could not end.

    When libvirtd restarts under a live snapshot, the copy goes on in QEMU
    and the snapshot fails before it can abort it; libvirt then refuses
    every new copy of the disk ("already in active block job"). As Nova
    does, end it: the job is nobody else's (we start no other).
    """
    try:
        if not guest.has_block_job(dev):
            return
    except exception.NotSupported:
        return
    LOG.warning('Instance %s: aborting a leftover block job on %s',
                guest.uuid, dev)
    guest.abort_block_job(dev)


def _freeze(guest, image_meta):
    """Freeze the guest's filesystems when it runs the guest agent."""
    if not image_meta.properties.get('hw_qemu_guest_agent'):
        return False
    try:
        guest.freeze_filesystems()
    except exception.NotSupported as err:
        LOG.warning('Instance %s: cannot quiesce (%s); the snapshot is '
                    'crash-consistent', guest.uuid, err)
        return False
    return True


def _extract_cold(guest, backend, instance, path, fmt):
    state = guest.get_power_state()
    # A backend that extracts one moment of the disk needs no stopped guest.
    saved = state in power.RUNNING_STATES and not backend.POINT_IN_TIME_EXTRACT
    if saved:
        guest.managed_save()
    try:
        backend.snapshot_extract(
            instance, build_context.ROOT, path, fmt)
    finally:
        if saved:
            guest.create()       # restores the saved state (paused stays paused)
            guest.wait_for_state([power_state.RUNNING, power_state.PAUSED], 60)
