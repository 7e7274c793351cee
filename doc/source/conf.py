"""Sphinx configuration for the virtdrivers documentation.

Build with ``sphinx-build -W -b html doc/source doc/build/html`` after
installing ``doc/requirements.txt`` and the package (``pip install -e .``).
"""

import importlib.metadata
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '_exts'))

project = 'virtdrivers'
author = 'virtdrivers developers'
copyright = 'virtdrivers developers'
release = importlib.metadata.version('virtdrivers')
version = release

extensions = [
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'support_matrix',
]

# oslo_config.sphinxconfiggen writes the sample configuration file at every
# build from the same generator file that `tox -e genconfig` uses, so the
# page shows exactly what the generator produces.
config_generator_config_file = os.path.join(
    HERE, '..', '..', 'etc', 'virtdrivers', 'virtdrivers-config-generator.conf')
sample_config_basename = '_static/virtdrivers'

exclude_patterns = ['_exts']
templates_path = []
html_static_path = ['_static']
html_theme = 'alabaster'
html_theme_options = {'page_width': '1100px'}
html_title = 'virtdrivers %s' % release
