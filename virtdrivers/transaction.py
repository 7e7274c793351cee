"""Multi-step operations that undo themselves on failure (DESIGN §3.8).

Each step registers how to undo what it did; if a later step fails, the
undos run in reverse order and one clear error is raised. An undo that fails
is logged and the rest still run: the original error is what the caller
sees.
"""

import logging

from virtdrivers import exception

LOG = logging.getLogger(__name__)


def wrap_as(error_cls):
    """A *translate* that raises foreign errors as ``error_cls``."""
    def translate(txn, exc):
        return error_cls(instance_id=txn.instance_id,
                         reason='%s: %s' % (type(exc).__name__, exc))
    return translate


_AS_SPAWN_ERROR = wrap_as(exception.SpawnError)


class Transaction:
    """``with Transaction('spawn', uuid) as txn: ...; txn.on_undo(...)``.

    On an exception in the block, every registered undo runs (last first)
    and the error is re-raised: a :class:`VirtDriverError` unchanged, any
    other error as what ``translate(txn, exc)`` returns (chained to it), or
    unchanged when it returns None. By default foreign errors become
    :class:`SpawnError`.
    """

    def __init__(self, what, instance_id, translate=None):
        self.what = what
        self.instance_id = instance_id
        self.translate = translate or _AS_SPAWN_ERROR
        self._undo = []
        self.undone = []

    def on_undo(self, description, func, *args, **kwargs):
        """Register *func(*args, **kwargs)* to undo the step just done;
        *description* names the step in logs."""
        self._undo.append((description, func, args, kwargs))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            self._undo.clear()
            return False
        LOG.warning('%s of instance %s failed (%s); undoing %d step(s)',
                    self.what, self.instance_id, exc, len(self._undo))
        self.rollback()
        if isinstance(exc, exception.VirtDriverError):
            return False
        error = self.translate(self, exc)
        if error is None:
            return False
        raise error from exc

    def rollback(self):
        """Run every undo, last first; failures are logged, not raised."""
        while self._undo:
            description, func, args, kwargs = self._undo.pop()
            try:
                func(*args, **kwargs)
                self.undone.append(description)
            except Exception:
                LOG.exception('Undoing "%s" of instance %s failed',
                              description, self.instance_id)
