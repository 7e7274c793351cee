"""A fixture that installs a throwaway distribution with entry points.

It writes a real ``.dist-info`` (and optional modules) into a temporary
directory on ``sys.path``, so plugin loading is tested through
importlib.metadata and stevedore exactly as in production.
"""

import os
import sys

import fixtures


class EntryPoints(fixtures.Fixture):
    """``EntryPoints({'group': {'name': 'module:attr'}}, modules={'m': src})``."""

    def __init__(self, entry_points, modules=None, dist='vdtestplugins'):
        super().__init__()
        self.entry_points = entry_points
        self.modules = modules or {}
        self.dist = dist

    def _setUp(self):
        path = self.useFixture(fixtures.TempDir()).path
        info = os.path.join(path, '%s-1.0.dist-info' % self.dist)
        os.mkdir(info)
        with open(os.path.join(info, 'METADATA'), 'w') as f:
            f.write('Metadata-Version: 2.1\nName: %s\nVersion: 1.0\n' % self.dist)
        with open(os.path.join(info, 'entry_points.txt'), 'w') as f:
            for group, eps in self.entry_points.items():
                f.write('[%s]\n' % group)
                for name, target in eps.items():
                    f.write('%s = %s\n' % (name, target))
        for name, source in self.modules.items():
            with open(os.path.join(path, name + '.py'), 'w') as f:
                f.write(source)
        self.useFixture(fixtures.MonkeyPatch('sys.path', [path] + sys.path))
        # stevedore caches entry points per namespace for the process.
        self.useFixture(fixtures.MonkeyPatch(
            'stevedore.extension.ExtensionManager.ENTRY_POINT_CACHE', {}))
        for name in self.modules:
            self.addCleanup(sys.modules.pop, name, None)
