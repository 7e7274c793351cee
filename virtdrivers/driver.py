"""The compute driver contract and how a driver is chosen.

:class:`ComputeDriver` has Nova 34's public method names, arguments and
defaults (``nova/virt/driver.py``), grouped by area in
:mod:`virtdrivers.interface`. The core lifecycle is abstract; every optional
operation raises :class:`~virtdrivers.exception.NotSupported` until a driver
implements it and declares it in :attr:`ComputeDriver.capabilities`.
"""

import dataclasses
import datetime

from virtdrivers import capabilities as caps
from virtdrivers import exception
from virtdrivers import plugins
from virtdrivers.interface.host import HostInterface
from virtdrivers.interface.host import NetworkInterface
from virtdrivers.interface.instance import InstanceInterface
from virtdrivers.interface.migration import MigrationInterface
from virtdrivers.interface.storage import StorageInterface

NAMESPACE = 'virtdrivers.compute_drivers'

# Nova's spellings of ``[DEFAULT] compute_driver`` -> our entry point names.
NOVA_SPELLINGS = {
    'fake.FakeDriver': 'fake',
    'fake.SmallFakeDriver': 'fake',
    'libvirt.LibvirtDriver': 'libvirt',
    'libvirt.driver.LibvirtDriver': 'libvirt',
    'xenapi.XenAPIDriver': 'xenapi',
    'xenapi.driver.XenAPIDriver': 'xenapi',
    'powervm.PowerVMDriver': 'powervm',
    'powervm.driver.PowerVMDriver': 'powervm',
}


@dataclasses.dataclass(frozen=True)
class InstanceDriverMetadata:
    """What a driver records about an instance (Nova's dataclass of the name)."""

    root_type: str
    root_id: str | None
    instance_meta: dict
    owner: dict
    image: dict
    flavor: dict
    network_info: object
    creation_time: float


class ComputeDriver(InstanceInterface, StorageInterface, MigrationInterface,
                    NetworkInterface, HostInterface):
    """Base of every driver.

    :param virtapi: the compute service's :class:`~virtdrivers.virtapi.VirtAPI`.
    :param conf: an oslo.config ``ConfigOpts`` with our options registered;
        read once here (drivers turn it into settings in their constructor).
    :param image_service: an :class:`~virtdrivers.image.api.ImageService`;
        by default the one ``[image_store]`` configures.
    """

    #: Name shown in the support matrix and in messages.
    driver_name = 'abstract'
    #: Declared capabilities; refined per instance by :meth:`capabilities_for`.
    capabilities = caps.Capabilities()
    #: Ironic only (Nova's attribute).
    rebalances_nodes = False

    def __init__(self, virtapi, conf=None, image_service=None):
        from virtdrivers import conf as vconf
        self.virtapi = virtapi
        self.conf = conf if conf is not None else vconf.CONF
        self._image_service = image_service
        self._compute_event_callback = None

    @property
    def image_service(self):
        """The image service snapshots are uploaded to (created on first use)."""
        if self._image_service is None:
            from virtdrivers.image import api as image_api
            self._image_service = image_api.from_conf(self.conf)
        return self._image_service

    def capabilities_for(self, instance=None, image_meta=None):
        """The capabilities that apply to *instance* (booted from *image_meta*).

        Drivers whose support differs per kind of instance (a container
        cannot pause) override this; by default it is :attr:`capabilities`.
        """
        return self.capabilities

    def require(self, operation, instance=None, image_meta=None):
        """Raise ``NotSupported`` unless *operation* applies to *instance*."""
        if not self.capabilities_for(instance, image_meta).supports(operation):
            raise exception.NotSupported(
                operation=operation,
                reason='%s does not support it for %s' % (
                    self.driver_name, self.describe_kind(instance, image_meta)))

    def describe_kind(self, instance=None, image_meta=None):
        """Name the kind of *instance* in messages ("container", ...)."""
        return 'this instance' if instance is not None else 'any instance'

    @classmethod
    def support_matrix_columns(cls):
        """``{column title: Capabilities}`` for the generated support matrix.

        Must not contact a hypervisor: it reads declarations only.
        """
        return {cls.driver_name: cls.capabilities}

    @classmethod
    def get_instance_driver_metadata(cls, instance, network_info):
        """Describe *instance* for the driver's own records (domain metadata)."""
        flavor = instance.flavor
        root_id = instance.image_ref
        return InstanceDriverMetadata(
            root_type='image' if root_id else 'volume',
            root_id=root_id,
            instance_meta={'uuid': instance.uuid, 'name': instance.display_name},
            owner={'user_id': instance.user_id, 'project_id': instance.project_id},
            image={'id': root_id},
            flavor={'name': flavor.name, 'memory_mb': flavor.memory_mb,
                    'vcpus': flavor.vcpus, 'root_gb': flavor.root_gb,
                    'ephemeral_gb': flavor.ephemeral_gb, 'swap': flavor.swap},
            network_info=network_info,
            creation_time=datetime.datetime.now(datetime.UTC).timestamp())


def driver_name_from_option(value):
    """Our entry point name for a ``compute_driver`` value (Nova's or ours)."""
    value = (value or '').strip()
    if value.startswith('nova.virt.'):
        value = value[len('nova.virt.'):]
    return NOVA_SPELLINGS.get(value, value)


def load_driver(conf, virtapi, image_service=None):
    """Construct the driver ``[DEFAULT] compute_driver`` names.

    Accepts our names (``libvirt``) and Nova's (``libvirt.LibvirtDriver``).

    :raises ConfigurationError: the option is unset or names no installed
        driver (the message lists the choices), or the driver's library is
        missing (the message names what to install). Never exits.
    """
    name = driver_name_from_option(conf.compute_driver)
    if not name:
        raise exception.ConfigurationError(
            reason='[DEFAULT] compute_driver is not set; choose one of: %s'
            % ', '.join(plugins.available(NAMESPACE)))
    cls = plugins.load(NAMESPACE, name, 'compute driver', 'compute_driver')
    if not (isinstance(cls, type) and issubclass(cls, ComputeDriver)):
        raise exception.ConfigurationError(
            reason='compute_driver=%r is not a virtdrivers ComputeDriver' % name)
    return cls(virtapi, conf=conf, image_service=image_service)
