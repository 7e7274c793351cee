"""Entry point for oslo-config-generator (``oslo.config.opts``)."""

from virtdrivers.conf import MODULES


def list_opts():
    """``[(group, [opts])]`` for every option group, DEFAULT first."""
    merged = {}
    for module in MODULES:
        for group, opts in module.list_opts().items():
            merged.setdefault(group, []).extend(opts)
    return list(merged.items())
