"""The support matrix shows exactly what drivers declare."""

import json

import testtools

from virtdrivers import capabilities as caps
from virtdrivers import driver
from virtdrivers import supportmatrix


class OneSetupDriver(driver.ComputeDriver):
    """Declares a few operations and keys; one column named after itself."""

    driver_name = 'onesetup'
    capabilities = caps.Capabilities(
        operations={'reboot', 'pause', 'vnc-console'},
        supports_evacuate=True, supports_image_type_raw=True)


class TwoSetupDriver(driver.ComputeDriver):
    """Declares per setup, like libvirt's profiles."""

    driver_name = 'twosetup'

    @classmethod
    def support_matrix_columns(cls):
        vm = caps.Capabilities(operations={'pause', 'suspend'},
                               supports_image_type_qcow2=True)
        return {'vm-setup': vm, 'ct-setup': vm.without('pause')}


class NotADriver:
    pass


def _row(rows, name):
    return next(row for row in rows if row.name == name)


class TestCollect(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.matrix = supportmatrix.collect(
            drivers={'one': OneSetupDriver, 'two': TwoSetupDriver})

    def test_columns_in_declaration_order(self):
        self.assertEqual(
            [('one', 'onesetup'), ('two', 'vm-setup'), ('two', 'ct-setup')],
            [(c.driver, c.title) for c in self.matrix.columns])

    def test_rows_are_the_operations_in_order(self):
        self.assertEqual([op.name for op in caps.OPERATIONS],
                         [row.name for row in self.matrix.rows])
        self.assertEqual([op.title for op in caps.OPERATIONS],
                         [row.title for row in self.matrix.rows])

    def test_cells_match_declarations(self):
        for row in self.matrix.rows:
            expected = tuple(
                'yes' if c.capabilities.supports(row.name) else 'no'
                for c in self.matrix.columns)
            self.assertEqual(expected, row.cells, row.name)
        self.assertEqual(('yes', 'yes', 'no'),
                         _row(self.matrix.rows, 'pause').cells)
        self.assertEqual(('no', 'yes', 'yes'),
                         _row(self.matrix.rows, 'suspend').cells)
        self.assertEqual(('no', 'no', 'no'),
                         _row(self.matrix.rows, 'live-migrate').cells)

    def test_mandatory_rows_are_marked_and_always_yes(self):
        marked = {row.name for row in self.matrix.rows if row.mandatory}
        self.assertEqual(caps.MANDATORY, marked)
        for name in caps.MANDATORY:
            self.assertEqual(('yes',) * 3, _row(self.matrix.rows, name).cells)

    def test_capability_keys_table(self):
        self.assertEqual(list(caps.CAPABILITY_KEYS),
                         [row.name for row in self.matrix.capability_rows])
        rows = self.matrix.capability_rows
        self.assertEqual(('yes', 'no', 'no'),
                         _row(rows, 'supports_evacuate').cells)
        self.assertEqual(('no', 'yes', 'yes'),
                         _row(rows, 'supports_image_type_qcow2').cells)

    def test_nothing_unavailable(self):
        self.assertEqual((), self.matrix.unavailable)


class TestUnavailable(testtools.TestCase):

    def test_missing_module_is_reported_not_raised(self):
        matrix = supportmatrix.collect(drivers={
            'one': OneSetupDriver,
            'gone': 'virtdrivers_no_such_module.driver:Driver'})
        self.assertEqual(['one'], [c.driver for c in matrix.columns])
        [gone] = matrix.unavailable
        self.assertEqual('gone', gone.driver)
        self.assertEqual('virtdrivers_no_such_module', gone.module)
        self.assertIn('virtdrivers_no_such_module', gone.reason)

    def test_missing_extra_names_what_to_install(self):
        # Whether or not XenAPI is installed, XenAPI.absent_module is not.
        matrix = supportmatrix.collect(
            drivers={'broken': 'XenAPI.absent_module:Driver'})
        [broken] = matrix.unavailable
        self.assertEqual('XenAPI', broken.module.split('.')[0])
        self.assertIn('pip install virtdrivers[xenapi]', broken.reason)

    def test_not_a_driver_is_an_error(self):
        self.assertRaises(TypeError, supportmatrix.collect,
                          drivers={'bad': NotADriver})

    def test_installed_drivers_are_entry_points(self):
        for name, ep in supportmatrix.installed_drivers().items():
            self.assertEqual(name, ep.name)
            self.assertEqual(driver.NAMESPACE, ep.group)


class TestRenderers(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.matrix = supportmatrix.collect(drivers={
            'one': OneSetupDriver, 'two': TwoSetupDriver,
            'gone': 'virtdrivers_no_such_module:Driver'})

    def _assert_has_everything(self, out):
        for column in self.matrix.columns:
            self.assertIn(column.title, out)
            self.assertIn(column.driver, out)
        for op in caps.OPERATIONS:
            self.assertIn(op.title, out)
        for key in caps.CAPABILITY_KEYS:
            self.assertIn(key, out)
        self.assertIn('virtdrivers_no_such_module', out)

    def test_text(self):
        out = supportmatrix.as_text(self.matrix)
        self._assert_has_everything(out)
        self.assertIn('Launch instance (mandatory)', out)
        lines = out.splitlines()
        # Every cell of a table starts at the same offset as its title.
        header = lines[1]
        offset = header.index('ct-setup')
        pause = next(line for line in lines if line.startswith('Pause'))
        self.assertEqual('no', pause[offset:].strip())

    def test_driver_row_only_when_it_says_something(self):
        # One driver with one column named after itself: one header row.
        matrix = supportmatrix.collect(drivers={'onesetup': OneSetupDriver})
        text = supportmatrix.as_text(matrix)
        self.assertTrue(text.startswith('Operation '), text[:80])
        self.assertIn(':header-rows: 1', supportmatrix.as_rst(matrix))
        self.assertIn(':header-rows: 2', supportmatrix.as_rst(self.matrix))

    def test_rst(self):
        out = supportmatrix.as_rst(self.matrix)
        self._assert_has_everything(out)
        self.assertEqual(2, out.count('.. list-table::'))
        self.assertIn('   * - Launch instance (mandatory)', out)
        for meaning in caps.CAPABILITY_DOCS.values():
            self.assertIn(meaning, out)

    def test_rst_parses_without_problems(self):
        try:
            from docutils.core import publish_doctree
            from docutils.utils import Reporter
        except ImportError:
            self.skipTest('docutils (a doc requirement) is not installed')

        doctree = publish_doctree(
            supportmatrix.as_rst(self.matrix),
            settings_overrides={'report_level': Reporter.SEVERE_LEVEL + 1,
                                'halt_level': Reporter.WARNING_LEVEL})
        tables = [n for n in doctree.traverse() if n.tagname == 'table']
        self.assertEqual(2, len(tables))

    def test_json(self):
        data = json.loads(supportmatrix.as_json(self.matrix))
        self.assertEqual(
            [{'driver': c.driver, 'title': c.title}
             for c in self.matrix.columns], data['columns'])
        pause = next(r for r in data['operations'] if r['name'] == 'pause')
        self.assertEqual(['yes', 'yes', 'no'], pause['cells'])
        self.assertEqual(['gone'], [u['driver'] for u in data['unavailable']])
