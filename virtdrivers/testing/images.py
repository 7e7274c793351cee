"""An image service wrapper that counts downloads, for tests and benchmarks
that must show an image is fetched once (however many spawns ask)."""

import collections
import threading
import time

from virtdrivers.image import api


class CountingImageService(api.ImageService):
    """Delegates to a real image service, counting downloads: in all
    (``downloads``), per image (``downloads_by_image``) and how many ran at
    once (``max_running``); *delay* widens the window a race would need."""

    def __init__(self, inner, delay=0.0):
        self.inner = inner
        self.delay = delay
        self.downloads = 0
        self.downloads_by_image = collections.Counter()
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def download(self, context, image_id, dst_path):
        with self._lock:
            self.downloads += 1
            self.downloads_by_image[image_id] += 1
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            time.sleep(self.delay)
            return self.inner.download(context, image_id, dst_path)
        finally:
            with self._lock:
                self.running -= 1

    def show(self, context, image_id):
        return self.inner.show(context, image_id)

    def create(self, context, metadata, data_path=None):
        return self.inner.create(context, metadata, data_path)

    def update(self, context, image_id, metadata, data_path=None):
        return self.inner.update(context, image_id, metadata, data_path)

    def delete(self, context, image_id):
        return self.inner.delete(context, image_id)

    def list(self, context):
        return self.inner.list(context)
