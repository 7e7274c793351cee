"""The ``[libvirt]`` options of the ``rbd`` backend: :class:`RbdSettings`,
read once, and the option names its errors give."""

import dataclasses
import uuid as uuidlib

from virtdrivers import exception
from virtdrivers.libvirt.builder import context

OPTION_POOL = '[libvirt] images_rbd_pool'
OPTION_CONF = '[libvirt] images_rbd_ceph_conf'
OPTION_USER = '[libvirt] rbd_user'
OPTION_SECRET = '[libvirt] rbd_secret_uuid'


@dataclasses.dataclass(frozen=True)
class RbdSettings:
    """The ``[libvirt]`` options of the rbd backend.

    :ivar pool: ``images_rbd_pool``.
    :ivar ceph_conf: ``images_rbd_ceph_conf`` (``''``: Ceph's default).
    :ivar user: ``rbd_user`` (None: librados' default, ``admin``).
    :ivar secret_uuid: ``rbd_secret_uuid``: the libvirt secret with the
        user's key; disks carry ``<auth>`` only when it and *user* are set.
    :ivar connect_timeout: seconds to reach the cluster.
    :raises ConfigurationError: no pool, or a secret uuid that is none.
    """

    pool: str = 'rbd'
    ceph_conf: str = ''
    user: str | None = None
    secret_uuid: str | None = None
    connect_timeout: int = 5

    def __post_init__(self):
        if not self.pool or '/' in self.pool or '@' in self.pool:
            raise exception.ConfigurationError(
                reason='%s=%r does not name a Ceph pool' % (OPTION_POOL,
                                                             self.pool))
        if self.secret_uuid:
            try:
                uuidlib.UUID(self.secret_uuid)
            except ValueError as err:
                raise exception.ConfigurationError(
                    reason='%s=%r is not a uuid' % (OPTION_SECRET,
                                                    self.secret_uuid)) from err

    @classmethod
    def from_conf(cls, conf):
        group = conf.libvirt
        return cls(pool=group.images_rbd_pool,
                   ceph_conf=group.images_rbd_ceph_conf or '',
                   user=group.rbd_user or None,
                   secret_uuid=group.rbd_secret_uuid or None)

    @property
    def auth(self):
        """The disks' :class:`~.context.DiskAuth`, or None."""
        if self.user and self.secret_uuid:
            return context.DiskAuth(self.user, self.secret_uuid, 'ceph')
        return None
