"""Benchmarks of virtdrivers (``tox -e bench``; ``python -m benchmarks``).

Speed targets are figures measured here, as ratios to a baseline measured
in the same run, never by timed unit tests. Each module measures one thing:

* :mod:`.spawn`: ``LibvirtDriver.spawn`` against the bare libvirt calls
  with the same domain XML and the same disk creation.
* :mod:`.scaling`: libvirt calls and wall time of the information
  operations at growing numbers of domains.

Everything runs on libvirt's test driver, in a private host per benchmark.
"""
