"""Benchmarks of virtdrivers (``tox -e bench``; ``python -m benchmarks``).

Speed targets are figures measured here, as ratios to a baseline measured
in the same run, never by timed unit tests. Each module measures one thing:

* :mod:`.spawn`: ``LibvirtDriver.spawn`` against the bare libvirt calls
  with the same domain XML and the same disk creation.
* :mod:`.scaling`: libvirt calls and wall time of the information
  operations at growing numbers of domains.
* :mod:`.backends` (``--only backends``): spawns from one cached image per
  image backend against one ``cp --sparse=always`` of it, and one download
  for concurrent spawns of an uncached image.

Everything runs on libvirt's test driver, in a private host per benchmark,
except the image backends that need real storage (:mod:`.hosts`): the
``pool`` backend on the real libvirtd, ``rbd`` on a real Ceph cluster.
"""
