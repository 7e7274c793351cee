"""Defining and starting pools: the two pools of the ``pool`` backend at
start-up (:func:`ensure_pools`), and the transient pools a copy uses
(:func:`temporary_pool`)."""

import contextlib
import logging
import os
import uuid

from virtdrivers import exception
from virtdrivers.libvirt import xml as vxml
from virtdrivers.libvirt.storagepools import settings as pool_settings
from virtdrivers.libvirt.storagepools import wrappers

LOG = logging.getLogger(__name__)


def ensure_pools(host, settings):
    """Make both pools of *settings* defined, started and autostarted.

    :returns: ``(base pool, disks pool)``, :class:`Pool` objects.
    :raises ConfigurationError: a pool cannot start (naming the options
        and what libvirt said), or the disks pool exists with another
        definition and holds volumes.
    """
    base = _ensure(host, settings.base_pool_xml(), pool_settings.BASE_OPTIONS,
                   build=False, keep_volumes=False)
    build = settings.type == 'dir'
    disks = _ensure(host, settings.disks_pool_xml(), pool_settings.OPTIONS,
                    build=build, keep_volumes=True)
    return base, disks


def _ensure(host, wanted, options, build, keep_volumes):
    pool = wrappers.Pool(host, wanted.name)
    current = pool.describe()
    if current is not None and not _same_pool(current, wanted):
        _replace_stale(pool, current, wanted, options, keep_volumes)
        current = None
    if current is None:
        LOG.info('Defining storage pool %s (%s)', wanted.name, _where(wanted))
        try:
            host.call(lambda conn: conn.storagePoolDefineXML(
                wanted.to_xml(), 0), operation='define storage pool %s'
                % wanted.name)
        except exception.HypervisorError as err:
            # Another pool over the same storage, an invalid definition.
            raise exception.ConfigurationError(
                reason='storage pool %s (%s) cannot be defined: %s; check %s'
                % (wanted.name, _where(wanted), wrappers.error_text(err),
                   options)) from err
    if not pool.is_active():
        try:
            _start(pool, wanted, options, build)
        except exception.ConfigurationError:
            if current is None:
                pool.undefine()     # no definition that cannot start is left
            raise
    pool._call('setAutostart', 1, operation='autostart')
    return pool


def _start(pool, wanted, options, build):
    target = wanted.target_path
    try:
        if build and target and not os.path.isdir(target):
            pool._call('build', 0, operation='build')
        pool._call('create', 0, operation='start')
    except exception.VirtDriverError as err:
        raise exception.ConfigurationError(
            reason='storage pool %s (%s) cannot start: %s; check %s'
            % (wanted.name, _where(wanted), wrappers.error_text(err),
               options)) from err


def _replace_stale(pool, current, wanted, options, keep_volumes):
    if keep_volumes and _holds_volumes(pool):
        raise exception.ConfigurationError(
            reason='storage pool %s exists as %s and holds volumes, but %s '
            'ask for %s: move its volumes (or set the options back)'
            % (wanted.name, _where(current), options, _where(wanted)))
    LOG.warning('Storage pool %s is %s; redefining it as %s', wanted.name,
                _where(current), _where(wanted))
    pool.undefine()


def _holds_volumes(pool):
    try:
        if not pool.is_active():
            pool._call('create', 0, operation='start')
    except exception.VirtDriverError:
        return False    # its storage is gone: nothing of it is reachable
    return bool(pool.volumes())


def _same_pool(current, wanted):
    def key(pool):
        source = pool.source
        return (pool.type, os.path.normpath(pool.target_path or '') if
                pool.target_path else None, source.name or None,
                tuple(source.device_paths), source.dir or None,
                tuple((h.name, h.port) for h in source.hosts),
                source.auth.username if source.auth else None,
                source.auth.secret_uuid if source.auth else None)
    return key(current) == key(wanted)


def _where(pool):
    parts = [pool.type]
    source = pool.source
    for value in (*('%s:%s' % (h.name, h.port) if h.port else h.name
                    for h in source.hosts), source.dir, source.name,
                  *source.device_paths):
        if value:
            parts.append(value)
    if pool.target_path:
        parts.append('at %s' % pool.target_path)
    return ' '.join(parts)


# -- temporary pools ---------------------------------------------------------


@contextlib.contextmanager
def temporary_pool(host, directory):
    """A transient ``dir`` pool over *directory* (which the caller owns and
    removes); stopped, and so forgotten, at exit."""
    name = pool_settings.TEMP_POOL_PREFIX + uuid.uuid4().hex[:12]
    xml = vxml.StoragePool.new(type='dir', name=name,
                               target_path=os.path.abspath(directory))
    host.call(lambda conn: conn.storagePoolCreateXML(xml.to_xml(), 0),
              operation='start temporary storage pool over %s' % directory)
    pool = wrappers.Pool(host, name)
    try:
        yield pool
    finally:
        try:
            pool.destroy()
        except exception.VirtDriverError as err:
            LOG.warning('Temporary storage pool %s was not removed: %s',
                        name, err)
