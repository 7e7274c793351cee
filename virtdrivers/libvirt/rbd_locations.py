"""Where Glance keeps an image in Ceph: its RBD locations
(``rbd://<fsid>/<pool>/<image>/<snapshot>``), parsed from the image's
``direct_url`` and ``locations``. Plain text: no Ceph binding is needed."""

import dataclasses
import urllib.parse

URL_PREFIX = 'rbd://'


@dataclasses.dataclass(frozen=True)
class Location:
    """An RBD snapshot as Glance's RBD store hands it out:
    ``rbd://<fsid>/<pool>/<image>/<snapshot>``."""

    fsid: str
    pool: str
    image: str
    snapshot: str

    @property
    def url(self):
        return URL_PREFIX + '/'.join(
            urllib.parse.quote(part, safe='')
            for part in (self.fsid, self.pool, self.image, self.snapshot))


def parse_location(url):
    """The :class:`Location` of *url*, or None when it is not one.

    Glance quotes the parts (``%2F``...); ``rbd://pool/image`` (the form
    with no fsid and snapshot that Cinder uses) names no snapshot to clone
    and is not a location here.
    """
    if not isinstance(url, str) or not url.startswith(URL_PREFIX):
        return None
    pieces = [urllib.parse.unquote(piece)
              for piece in url[len(URL_PREFIX):].split('/')]
    if len(pieces) != 4 or '' in pieces:
        return None
    return Location(*pieces)


def image_locations(image_meta):
    """The RBD locations of an image: its ``direct_url`` first, then each
    of its ``locations`` (Glance v2 fields; a dict or an object)."""
    def field(name):
        if isinstance(image_meta, dict):
            return image_meta.get(name)
        return getattr(image_meta, name, None)

    urls = [field('direct_url')]
    for location in field('locations') or ():
        urls.append(location.get('url') if isinstance(location, dict)
                    else location)
    found = []
    for url in urls:
        location = parse_location(url)
        if location is not None and location not in found:
            found.append(location)
    return found
