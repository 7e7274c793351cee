"""Configuration: option modules per group, registered on ``CONF``.

Options are read once, at the edge: a driver's constructor turns them into a
frozen settings object and passes that down.
"""

from oslo_config import cfg
from oslo_log import log

from virtdrivers.conf import console
from virtdrivers.conf import default
from virtdrivers.conf import image_cache
from virtdrivers.conf import image_store
from virtdrivers.conf import libvirt
from virtdrivers.conf import powervm
from virtdrivers.conf import xenserver

MODULES = (default, libvirt, image_cache, image_store, console, xenserver,
           powervm)

CONF = cfg.CONF


def register_opts(conf):
    """Register every option group on *conf* (idempotent)."""
    for module in MODULES:
        module.register_opts(conf)


def new_conf():
    """A fresh ``ConfigOpts`` with all our options and oslo.log's."""
    conf = cfg.ConfigOpts()
    register_opts(conf)
    log.register_options(conf)
    return conf


def validate(conf):
    """Read every registered option once, so a bad value fails now.

    :raises oslo_config.cfg.ConfigFileValueError: naming the option and the
        bad value (oslo.config's own error).
    """
    for module in MODULES:
        for group, opts in module.list_opts().items():
            name = getattr(group, 'name', group)
            section = conf if name == 'DEFAULT' else conf[name]
            for opt in opts:
                getattr(section, opt.dest)


register_opts(CONF)
