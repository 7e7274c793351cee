"""The ``virtdrivers`` command."""
