import testtools

from virtdrivers import exception
from virtdrivers import transaction


class TestTransaction(testtools.TestCase):
    def test_success_keeps_everything(self):
        done = []
        with transaction.Transaction('spawn', 'u1') as txn:
            txn.on_undo('a', done.append, 'undo a')
        self.assertEqual([], done)

    def test_failure_undoes_in_reverse_and_wraps(self):
        done = []

        def spawn():
            with transaction.Transaction('spawn', 'u1') as txn:
                txn.on_undo('disk', done.append, 'disk')
                txn.on_undo('domain', done.append, 'domain')
                raise OSError('no space left')
        err = self.assertRaises(exception.SpawnError, spawn)
        self.assertEqual(['domain', 'disk'], done)
        self.assertIn('u1', str(err))
        self.assertIn('no space left', str(err))
        self.assertIsInstance(err.__cause__, OSError)

    def test_our_errors_pass_unchanged_and_failed_undo_does_not_mask(self):
        done = []

        def spawn():
            with transaction.Transaction('spawn', 'u1') as txn:
                txn.on_undo('disk', done.append, 'disk')
                txn.on_undo('broken', lambda: 1 / 0)
                raise exception.InvalidImage(image_id='i1', reason='lies')
        err = self.assertRaises(exception.InvalidImage, spawn)
        self.assertIn('lies', str(err))
        self.assertEqual(['disk'], done)
