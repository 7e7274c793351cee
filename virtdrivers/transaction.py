"""Multi-step operations that undo themselves on failure (DESIGN §3.8).

Each step registers how to undo what it did; if a later step fails, the
undos run in reverse order and one clear error is raised. An undo that fails
is logged and the rest still run: the original error is what the caller
sees.
"""

import logging

from virtdrivers import exception

LOG = logging.getLogger(__name__)


class Transaction:
    """``with Transaction('spawn', uuid) as txn: ...; txn.on_undo(...)``.

    On an exception in the block, every registered undo runs (last first)
    and the error is re-raised: a :class:`VirtDriverError` unchanged, any
    other error as ``error_cls(instance_id=..., reason=...)`` chained to it.
    """

    def __init__(self, what, instance_id, error_cls=exception.SpawnError):
        self.what = what
        self.instance_id = instance_id
        self.error_cls = error_cls
        self._undo = []
        self.undone = []

    def on_undo(self, description, func, *args, **kwargs):
        """Register *func(*args, **kwargs)* to undo the step just done."""
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
        raise self.error_cls(instance_id=self.instance_id,
                             reason='%s: %s' % (type(exc).__name__, exc)) from exc

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
