"""Images: the image service, safe format inspection and ``qemu-img``."""
