"""The image service interface drivers fetch images from and upload to.

Implementations: :class:`~virtdrivers.image.local.LocalImageStore` (a
directory; the embedded default) and the Glance v2 client
(:mod:`virtdrivers.image.glance`).
"""

import abc


class ImageService(abc.ABC):
    """Glance-shaped image service. Every method raises ``ImageNotFound``
    for an unknown *image_id*.
    """

    @abc.abstractmethod
    def show(self, context, image_id):
        """Return the image's :class:`~virtdrivers.objects.ImageMeta`."""

    @abc.abstractmethod
    def download(self, context, image_id, dst_path):
        """Write the image's data to *dst_path*; return the bytes written.

        The data is verified against the image's checksum when it has one.

        :raises ImageDownloadError: the transfer failed or the checksum did
            not match; *dst_path* is removed.
        """

    @abc.abstractmethod
    def create(self, context, metadata, data_path=None):
        """Create an image record (and upload *data_path* if given).

        :param metadata: a dict of Glance fields and ``properties``.
        :returns: the new :class:`~virtdrivers.objects.ImageMeta`.
        """

    @abc.abstractmethod
    def update(self, context, image_id, metadata, data_path=None):
        """Update the record and, with *data_path*, upload its data.

        Uploading makes the image ``active``; an image's data can be set
        only once (Glance's rule).
        """

    @abc.abstractmethod
    def delete(self, context, image_id):
        """Delete the image record and its data."""

    @abc.abstractmethod
    def list(self, context):
        """Return every image's :class:`~virtdrivers.objects.ImageMeta`."""


def from_conf(conf):
    """The image service ``[image_store] backend`` chooses."""
    backend = conf.image_store.backend
    if backend == 'glance':
        from virtdrivers.image import glance
        return glance.GlanceImageService.from_conf(conf)
    from virtdrivers.image import local
    return local.LocalImageStore(conf.image_store.local_directory)
