"""Sphinx directive ``.. support-matrix::``: the generated support matrix.

It calls :func:`virtdrivers.supportmatrix.collect` at build time and parses
the RST that :func:`~virtdrivers.supportmatrix.as_rst` returns, so the page
shows what the installed drivers declare and cannot drift from the code.
"""

import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from virtdrivers import supportmatrix


class SupportMatrixDirective(SphinxDirective):
    has_content = False

    def run(self):
        matrix = supportmatrix.collect()
        self._note_code_dependencies()
        source = self.get_source_info()[0]
        lines = StringList(supportmatrix.as_rst(matrix).splitlines(), source)
        container = nodes.container()
        self.state.nested_parse(lines, self.content_offset, container)
        return container.children

    def _note_code_dependencies(self):
        # Rebuild the page when the declarations change, not only the .rst.
        for name, module in list(sys.modules.items()):
            path = getattr(module, '__file__', None)
            if name.startswith('virtdrivers') and path:
                self.env.note_dependency(path)


def setup(app):
    app.add_directive('support-matrix', SupportMatrixDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
