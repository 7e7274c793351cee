"""The support matrix, built from the drivers' own declarations.

Every driver registered in the ``virtdrivers.compute_drivers`` entry point
namespace is loaded (not constructed) and asked for
:meth:`~virtdrivers.driver.ComputeDriver.support_matrix_columns`: one column
per setup (``fake``; ``kvm``, ``xen-pv`` ... for libvirt). Rows are
:data:`~virtdrivers.capabilities.OPERATIONS` in order, then Nova's capability
keys. Nothing here contacts a hypervisor, so the matrix can be printed on any
host and generated into the documentation, where it cannot drift from the
code.

A driver whose module cannot be imported (its optional library is missing)
is listed in :attr:`Matrix.unavailable` with the module it needs.
"""

import dataclasses
import importlib.metadata
import json

from virtdrivers import capabilities as caps
from virtdrivers import driver as base
from virtdrivers import plugins

YES = 'yes'
NO = 'no'


@dataclasses.dataclass(frozen=True)
class Column:
    """One driver setup: *driver* is the entry point name, *title* the setup."""

    driver: str
    title: str
    capabilities: caps.Capabilities


@dataclasses.dataclass(frozen=True)
class Row:
    """One operation or capability key; *cells* are ``yes``/``no`` per column."""

    name: str
    title: str
    mandatory: bool
    cells: tuple


@dataclasses.dataclass(frozen=True)
class Unavailable:
    """A driver that could not be imported; *module* is the one missing."""

    driver: str
    module: str | None
    reason: str


@dataclasses.dataclass(frozen=True)
class Matrix:
    """What :func:`collect` returns.

    :ivar columns: :class:`Column` per driver setup, in driver order.
    :ivar rows: :class:`Row` per operation, in :data:`OPERATIONS` order.
    :ivar capability_rows: :class:`Row` per Nova capability key.
    :ivar unavailable: :class:`Unavailable` per driver that did not import.
    """

    columns: tuple
    rows: tuple
    capability_rows: tuple
    unavailable: tuple


def installed_drivers():
    """``{name: entry point}`` of the installed drivers, by name."""
    eps = importlib.metadata.entry_points(group=base.NAMESPACE)
    return {ep.name: ep for ep in sorted(eps, key=lambda ep: ep.name)}


def collect(drivers=None):
    """Build the :class:`Matrix`.

    :param drivers: ``{name: driver}`` where a driver is a
        :class:`~virtdrivers.driver.ComputeDriver` subclass, an entry point,
        or an entry point value (``'package.module:Class'``); by default the
        installed drivers (:func:`installed_drivers`).
    :raises TypeError: a driver is not a ``ComputeDriver`` subclass.
    """
    if drivers is None:
        drivers = installed_drivers()
    columns, unavailable = [], []
    for name, spec in drivers.items():
        try:
            cls = _load(name, spec)
        except ImportError as err:
            unavailable.append(_unavailable(name, err))
            continue
        for title, declared in cls.support_matrix_columns().items():
            columns.append(Column(name, title, declared))
    rows = tuple(
        Row(op.name, op.title, op.mandatory,
            tuple(_cell(c.capabilities.supports(op.name)) for c in columns))
        for op in caps.OPERATIONS)
    capability_rows = tuple(
        Row(key, key, False, tuple(_cell(c.capabilities[key]) for c in columns))
        for key in caps.CAPABILITY_KEYS)
    return Matrix(tuple(columns), rows, capability_rows, tuple(unavailable))


def _load(name, spec):
    if isinstance(spec, str):
        spec = importlib.metadata.EntryPoint(name, spec, base.NAMESPACE)
    cls = spec if isinstance(spec, type) else spec.load()
    if not (isinstance(cls, type) and issubclass(cls, base.ComputeDriver)):
        raise TypeError('driver %r is %r, not a ComputeDriver subclass'
                        % (name, cls))
    return cls


def _unavailable(name, err):
    module = err.name
    if module is None:
        return Unavailable(name, None, 'cannot be imported: %s' % err)
    hint = plugins.EXTRAS.get(module.split('.')[0])
    if hint is None:
        return Unavailable(name, module, 'needs the module %s, which is '
                           'not installed' % module)
    return Unavailable(name, module,
                       'needs the module %s: install %s' % (module, hint))


def _cell(value):
    return YES if value else NO


# -- renderers ---------------------------------------------------------------

def _label(row):
    return '%s (mandatory)' % row.title if row.mandatory else row.title


def _driver_headers(columns):
    """Driver names over the first column of each driver's setups; none
    over a driver's only column when that is titled with its name."""
    names = []
    for i, column in enumerate(columns):
        group = [c for c in columns if c.driver == column.driver]
        first = i == 0 or columns[i - 1].driver != column.driver
        alone = len(group) == 1 and column.title == column.driver
        names.append(column.driver if first and not alone else '')
    return names


def _header_rows(corner, columns):
    """The setup titles, under a row of driver names if any is shown."""
    drivers = _driver_headers(columns)
    titles = [corner] + [c.title for c in columns]
    return [[''] + drivers, titles] if any(drivers) else [titles]


def _text_table(corner, columns, rows):
    header = _header_rows(corner, columns)
    grid = header + [[_label(row)] + list(row.cells) for row in rows]
    widths = [max(len(line[i]) for line in grid) for i in range(len(grid[0]))]
    lines = ['  '.join(cell.ljust(width) for cell, width in zip(line, widths,
                                                                strict=True))
             .rstrip() for line in grid]
    lines.insert(len(header), '  '.join('-' * width for width in widths))
    return lines


def as_text(matrix):
    """An aligned plain-text rendering for the terminal."""
    lines = _text_table('Operation', matrix.columns, matrix.rows)
    lines += [''] + _text_table('Capability', matrix.columns,
                                matrix.capability_rows)
    lines += _unavailable_lines(matrix, '', str)
    return '\n'.join(lines) + '\n'


def _rst_table(caption, corner, columns, rows):
    header = _header_rows(corner, columns)
    lines = ['.. list-table:: %s' % caption,
             '   :header-rows: %d' % len(header), '   :stub-columns: 1', '']
    grid = header + [[_label(row)] + list(row.cells) for row in rows]
    for line in grid:
        first, *rest = (_rst_escape(cell) for cell in line)
        lines.append(('   * - %s' % first).rstrip())
        lines += [('     - %s' % cell).rstrip() for cell in rest]
    return lines + ['']


def _rst_escape(text):
    return text.replace('\\', '\\\\').replace('*', '\\*').replace('`', '\\`')


def as_rst(matrix):
    """reStructuredText: two ``list-table`` directives, a legend of the
    operations and capability keys, and a note per unavailable driver."""
    if not matrix.columns:
        lines = ['No compute driver could be loaded.', '']
    else:
        lines = _rst_table('Operations', 'Operation', matrix.columns,
                           matrix.rows)
        lines += _rst_table("Nova's capability keys", 'Capability',
                            matrix.columns, matrix.capability_rows)
    lines += ['Operations and the driver methods they cover:', '']
    for op in caps.OPERATIONS:
        methods = ', '.join('``%s``' % m for m in op.methods)
        lines += ['%s (``%s``)' % (_rst_escape(op.title), op.name),
                  '   %s' % (methods or 'a feature of another call')]
    lines += ['', 'Capability keys:', '']
    for key, meaning in caps.CAPABILITY_DOCS.items():
        lines += ['``%s``' % key, '   %s' % _rst_escape(meaning)]
    lines.append('')
    lines += _unavailable_lines(matrix, '* ', _rst_escape)
    return '\n'.join(lines) + '\n'


def _unavailable_lines(matrix, bullet, escape):
    if not matrix.unavailable:
        return []
    lines = ['', 'Not shown (the driver cannot be imported here):', '']
    lines += ['%s%s: %s' % (bullet, escape(u.driver), escape(u.reason))
              for u in matrix.unavailable]
    return lines + ['']


def as_json(matrix):
    """The matrix as a JSON document (``indent=2``)."""
    def rows(rows):
        return [{'name': r.name, 'title': r.title, 'mandatory': r.mandatory,
                 'cells': list(r.cells)} for r in rows]

    return json.dumps({
        'columns': [{'driver': c.driver, 'title': c.title}
                    for c in matrix.columns],
        'operations': rows(matrix.rows),
        'capabilities': rows(matrix.capability_rows),
        'unavailable': [dataclasses.asdict(u) for u in matrix.unavailable],
    }, indent=2)
