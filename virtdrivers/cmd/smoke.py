"""The smoke scenario: one instance through its whole lifecycle.

Each step runs only when the driver declares its operation; a step that is
not declared is reported as skipped, never silently passed. Whatever
happens, the instance is destroyed at the end.
"""

import dataclasses
import os
import time

from virtdrivers import exception
from virtdrivers import objects
from virtdrivers import power_state


@dataclasses.dataclass
class StepResult:
    name: str
    status: str          # ok, skipped, FAILED
    seconds: float
    detail: str = ''


class Scenario:
    """Runs the lifecycle against *driver* booting *image*."""

    def __init__(self, driver, image_service, image, context=None,
                 flavor=None, timeout=60):
        self.driver = driver
        self.images = image_service
        self.image = image
        self.ctx = context
        self.timeout = timeout
        self.instance = objects.Instance(
            display_name='virtdrivers-smoke', image_ref=image.id,
            flavor=flavor or objects.Flavor(name='smoke', memory_mb=128, root_gb=1))

    def steps(self):
        """``[(name, operation or None, callable)]`` in order."""
        i = self.instance
        return [
            ('init_host', None, lambda: self.driver.init_host(
                self.driver.get_available_nodes()[0])),
            ('spawn', 'launch', lambda: self.driver.spawn(
                self.ctx, i, self.image, [], None, {})),
            ('get_info', 'get-guest-info', lambda: self._expect(power_state.RUNNING)),
            ('reboot (soft)', 'reboot', lambda: self._do(
                self.driver.reboot, self.ctx, i, None, 'SOFT',
                expect=power_state.RUNNING)),
            ('pause', 'pause', lambda: self._do(self.driver.pause, i,
                                                expect=power_state.PAUSED)),
            ('unpause', 'pause', lambda: self._do(self.driver.unpause, i,
                                                  expect=power_state.RUNNING)),
            ('suspend', 'suspend', lambda: self._do(
                self.driver.suspend, self.ctx, i,
                expect=(power_state.SUSPENDED, power_state.SHUTDOWN))),
            ('resume', 'suspend', lambda: self._do(
                self.driver.resume, self.ctx, i, None, expect=power_state.RUNNING)),
            ('snapshot', 'snapshot', self._snapshot),
            ('console output', 'console-output', lambda: '%d bytes' % len(
                self.driver.get_console_output(self.ctx, i))),
            ('power off', 'power', lambda: self._do(
                self.driver.power_off, i, timeout=self.timeout,
                expect=power_state.SHUTDOWN)),
            ('power on', 'power', lambda: self._do(
                self.driver.power_on, self.ctx, i, None, expect=power_state.RUNNING)),
            ('destroy', 'terminate', self._destroy),
        ]

    def _do(self, method, *args, expect, **kwargs):
        method(*args, **kwargs)
        return self._expect(expect)

    def _expect(self, expected):
        wanted = expected if isinstance(expected, tuple) else (expected,)
        deadline = time.monotonic() + self.timeout
        while (state := self.driver.get_info(self.instance).state) not in wanted:
            if time.monotonic() > deadline:
                raise exception.VirtDriverError(
                    'instance %s is %s, expected %s' % (
                        self.instance.uuid, power_state.name(state),
                        '/'.join(power_state.name(w) for w in wanted)))
            time.sleep(0.1)
        return power_state.name(state)

    def _snapshot(self):
        record = self.images.create(self.ctx, {'name': 'virtdrivers-smoke-snapshot'})
        try:
            self.driver.snapshot(self.ctx, self.instance, record.id,
                                 lambda **kw: None)
            image = self.images.show(self.ctx, record.id)
            if image.status != 'active' or not image.size:
                raise exception.VirtDriverError(
                    'snapshot image %s is %s with %s bytes'
                    % (record.id, image.status, image.size))
            return 'image %s, %d bytes' % (record.id, image.size)
        finally:
            self.images.delete(self.ctx, record.id)

    def _destroy(self):
        self.driver.destroy(self.ctx, self.instance, None)
        if self.instance.uuid in self.driver.list_instance_uuids():
            raise exception.VirtDriverError(
                'instance %s is still listed after destroy' % self.instance.uuid)
        return 'gone'

    def run(self, report):
        """Run every step; call ``report(index, total, StepResult)``."""
        steps = self.steps()
        results = []
        caps = self.driver.capabilities_for(self.instance, self.image)
        try:
            for index, (name, operation, func) in enumerate(steps, 1):
                result = self._run_step(name, operation, func, caps)
                results.append(result)
                report(index, len(steps), result)
                if result.status == 'FAILED':
                    break
        finally:
            self._cleanup()
        return results

    def _run_step(self, name, operation, func, caps):
        if operation is not None and not caps.supports(operation):
            return StepResult(name, 'skipped', 0.0, 'not supported by the driver')
        start = time.monotonic()
        try:
            detail = func() or ''
        except Exception as err:
            return StepResult(name, 'FAILED', time.monotonic() - start,
                              '%s: %s' % (type(err).__name__, err))
        return StepResult(name, 'ok', time.monotonic() - start, str(detail))

    def _cleanup(self):
        if self.instance.uuid in self.driver.list_instance_uuids():
            self.driver.destroy(self.ctx, self.instance, None)


def make_image(image_service, workdir, path=None, disk_format='raw'):
    """Upload *path* (or a 1 MiB empty raw disk) as the image to boot."""
    if path is None:
        path = os.path.join(workdir, 'smoke-disk.raw')
        with open(path, 'wb') as f:
            f.truncate(1024 * 1024)
    return image_service.create(
        None, {'name': 'virtdrivers-smoke', 'disk_format': disk_format,
               'container_format': 'bare'}, data_path=path)
