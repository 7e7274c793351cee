"""Snapshot: copy an instance's root disk into the image service.

Cold: a running guest is saved (managed save), its root disk extracted and
the guest restored, so the copy is consistent without a guest agent.
"""

import os
import shutil
import tempfile

from virtdrivers import power_state
from virtdrivers.libvirt import power
from virtdrivers.libvirt.builder import context as build_context


def snapshot(drv, context, instance, image_id, update_task_state):
    guest = drv.host.get_guest(instance)
    drv.image_service.show(context, image_id)   # ImageNotFound before any work
    base_meta = drv.storage.load_record(instance)[0]
    backend = drv.storage.backend
    fmt = (drv.settings.snapshot_image_format
           or backend.source(instance, build_context.ROOT).format)
    update_task_state(task_state='image_pending_upload')
    workdir = tempfile.mkdtemp(prefix='.snapshot-',
                               dir=drv.storage.instance_dir(instance))
    try:
        path = os.path.join(workdir, 'root.%s' % fmt)
        _extract_cold(guest, backend, instance, path, fmt)
        update_task_state(task_state='image_uploading',
                          expected_state='image_pending_upload')
        props = dict(base_meta.properties.to_dict())
        props.update(image_type='snapshot', image_location='snapshot',
                     instance_uuid=instance.uuid,
                     base_image_ref=base_meta.id or '')
        drv.image_service.update(
            context, image_id, {'disk_format': fmt, 'container_format': 'bare',
                                'properties': props}, data_path=path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _extract_cold(guest, backend, instance, path, fmt):
    state = guest.get_power_state()
    saved = state in power.RUNNING_STATES
    if saved:
        guest.managed_save()
    try:
        backend.snapshot_extract(
            instance, build_context.ROOT, path, fmt)
    finally:
        if saved:
            guest.create()       # restores the saved state (paused stays paused)
            guest.wait_for_state([power_state.RUNNING, power_state.PAUSED], 60)
