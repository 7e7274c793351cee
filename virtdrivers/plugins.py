"""Loading plugins (drivers, image backends) from entry points by name.

One place turns a plugin that cannot be imported into a
:class:`~virtdrivers.exception.ConfigurationError` naming what to install, so
a host never imports the libraries of backends it does not use.
"""

import importlib.metadata

from stevedore import driver as sv_driver
from stevedore import exception as sv_exception

from virtdrivers import exception

# Python module that a plugin may need -> what the operator installs.
EXTRAS = {
    'libvirt': 'the libvirt-python package (it needs libvirt-dev to build)',
    'XenAPI': 'the "xenapi" extra: pip install virtdrivers[xenapi]',
    'pypowervm': 'the "powervm" extra: pip install virtdrivers[powervm]',
    'rados': "Debian's python3-rados (Ceph's bindings are not on PyPI)",
    'rbd': "Debian's python3-rbd (Ceph's bindings are not on PyPI)",
}


def available(namespace):
    """Names registered in *namespace*, without importing any of them."""
    return sorted({ep.name for ep in
                   importlib.metadata.entry_points(group=namespace)})


def load(namespace, name, kind, option):
    """Return the class registered as *name* in *namespace*.

    :param kind: what a plugin is, for messages ("compute driver").
    :param option: the option that chose it, for messages.
    :raises ConfigurationError: unknown name (lists the choices) or a plugin
        whose library is missing (names what to install).
    """
    failures = []

    def _failed(manager, entrypoint, err):
        failures.append(err)

    try:
        manager = sv_driver.DriverManager(
            namespace, name, invoke_on_load=False,
            on_load_failure_callback=_failed)
    except sv_exception.MultipleMatches as err:
        raise exception.ConfigurationError(
            reason='%s %s=%r is registered by more than one installed package: '
            '%s' % (kind, option, name, ', '.join(_providers(namespace, name)))
        ) from err
    except (sv_exception.NoMatches, RuntimeError) as err:
        if failures:
            raise _load_failure(kind, name, failures[0]) from failures[0]
        raise exception.ConfigurationError(
            reason='%s %s=%r is unknown; choose one of: %s'
            % (kind, option, name, ', '.join(available(namespace)) or 'none')
        ) from err
    return manager.driver


def _providers(namespace, name):
    return sorted('%s (%s)' % (ep.value, ep.dist.name if ep.dist else '?')
                  for ep in importlib.metadata.entry_points(group=namespace)
                  if ep.name == name)


def _load_failure(kind, name, err):
    missing = getattr(err, 'name', None) if isinstance(err, ImportError) else None
    if missing:
        top = missing.split('.')[0]
        hint = EXTRAS.get(top, 'the Python package providing %r' % top)
        reason = '%s %r needs the module %s, which is not installed: install %s' % (
            kind, name, missing, hint)
    else:
        reason = '%s %r could not be loaded: %s' % (kind, name, err)
    return exception.ConfigurationError(reason=reason)
