"""Nova's compute driver interface, split by area.

:class:`virtdrivers.driver.ComputeDriver` combines these mixins. Every
optional method raises :class:`~virtdrivers.exception.NotSupported` naming its
operation until a driver overrides it; hooks that Nova gives a default keep
that default.
"""
