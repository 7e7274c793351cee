"""The objects a compute service hands to a driver.

They carry the attribute names Nova's objects use (``nova.objects.Instance``,
``Flavor``, ``ImageMeta``, ``Migration``, ``nova.network.model.NetworkInfo``,
the ``block_device_info`` dict), and drivers only read those attributes, so a
Nova object can be passed wherever one of these is expected.
"""

import dataclasses
import uuid as uuidlib
from typing import Any

from virtdrivers import constants
from virtdrivers import exception


def _new_uuid():
    return str(uuidlib.uuid4())


class _DictCompat:
    """``obj['key']`` and ``obj.get('key')``, as Nova's dict-compat objects."""

    def __getitem__(self, key):
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key, default=None):
        return getattr(self, key, default)

    def obj_attr_is_set(self, key):
        return getattr(self, key, None) is not None


@dataclasses.dataclass
class Flavor(_DictCompat):
    """A flavor: sizes in MiB (memory, swap) and GiB (root, ephemeral)."""

    name: str = 'm1.tiny'
    memory_mb: int = 128
    vcpus: int = 1
    root_gb: int = 1
    ephemeral_gb: int = 0
    swap: int = 0
    flavorid: str = '1'
    id: int = 1
    extra_specs: dict = dataclasses.field(default_factory=dict)
    rxtx_factor: float = 1.0
    is_public: bool = True

    def __post_init__(self):
        for field in ('memory_mb', 'vcpus', 'root_gb', 'ephemeral_gb', 'swap'):
            value = getattr(self, field)
            if not isinstance(value, int) or value < 0:
                raise exception.InvalidInput(
                    reason='flavor %s: %s must be a non-negative integer, got %r'
                    % (self.name, field, value))
        if self.memory_mb == 0 or self.vcpus == 0:
            raise exception.InvalidInput(
                reason='flavor %s: memory_mb and vcpus must be positive'
                % self.name)


# Image properties that are not strings in Nova's ImageMetaProps.
_BOOL_PROPS = frozenset((
    'hw_qemu_guest_agent', 'hw_boot_menu', 'hw_vif_multiqueue_enabled',
    'hw_pointer_model_usb', 'os_require_quiesce', 'hw_time_hpet',
    'hw_ipxe_boot', 'auto_disk_config'))
_INT_PROPS = frozenset((
    'hw_video_ram', 'hw_rng_rate_bytes', 'hw_rng_rate_period',
    'hw_cpu_sockets', 'hw_cpu_cores', 'hw_cpu_threads', 'hw_serial_port_count',
    'hw_watchdog_action_seconds'))
# Legacy image property names and the field Nova maps them to.
_LEGACY_PROPS = {
    'vm_mode': 'hw_vm_mode',
    'hypervisor_type': 'img_hv_type',
    'architecture': 'hw_architecture',
    'hypervisor_version_requires': 'img_hv_requested_version',
}
_TRUE = ('1', 'true', 'yes', 'on', 'y', 't')
_FALSE = ('0', 'false', 'no', 'off', 'n', 'f')


def _to_bool(name, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise exception.InvalidImage(
        image_id='(properties)',
        reason='image property %s=%r is not a boolean' % (name, value))


def _to_int(name, value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exception.InvalidImage(
            image_id='(properties)',
            reason='image property %s=%r is not an integer' % (name, value))


class ImageMetaProps:
    """Image properties (``hw_*``, ``os_type``, ``vm_mode`` ...).

    Unset properties read as None. Legacy names (``vm_mode``,
    ``hypervisor_type``, ``architecture``) are stored under Nova's field names
    and readable by both names. Booleans and integers are converted, and a
    value that cannot be raises :class:`InvalidImage` naming the property.
    """

    def __init__(self, **props):
        self._props = {}
        for key, value in props.items():
            self._set(key, value)

    def _set(self, key, value):
        key = _LEGACY_PROPS.get(key, key)
        if value is None:
            return
        if key in _BOOL_PROPS:
            value = _to_bool(key, value)
        elif key in _INT_PROPS:
            value = _to_int(key, value)
        elif key == 'hw_vm_mode':
            try:
                value = constants.canonical_vm_mode(value)
            except ValueError as err:
                raise exception.InvalidImage(
                    image_id='(properties)',
                    reason='image property vm_mode: %s' % err) from err
        self._props[key] = value

    @classmethod
    def from_dict(cls, props):
        return cls(**(props or {}))

    def get(self, key, default=None):
        value = self._props.get(_LEGACY_PROPS.get(key, key))
        return default if value is None else value

    def obj_attr_is_set(self, key):
        return _LEGACY_PROPS.get(key, key) in self._props

    def __getattr__(self, key):
        if key.startswith('_'):
            raise AttributeError(key)
        return self.get(key)

    def __contains__(self, key):
        return self.obj_attr_is_set(key)

    def to_dict(self):
        return dict(self._props)

    def __eq__(self, other):
        return isinstance(other, ImageMetaProps) and self._props == other._props

    def __repr__(self):
        return 'ImageMetaProps(%r)' % (self._props,)


@dataclasses.dataclass
class ImageMeta(_DictCompat):
    """Metadata of an image, as Glance v2 (and Nova's ImageMeta) has it.

    ``direct_url`` and ``locations`` are Glance's (shown with
    ``show_image_direct_url`` and ``show_multiple_locations``): where the
    image's data is in its store, e.g. ``rbd://<fsid>/<pool>/<image>/snap``,
    which lets the rbd image backend clone it instead of downloading it.
    ``locations`` is a list of ``{'url': ..., 'metadata': {...}}``. Nova's
    ImageMeta has neither; a backend reads them with ``getattr``.
    """

    id: str | None = None
    name: str | None = None
    disk_format: str | None = None
    container_format: str | None = 'bare'
    size: int | None = None
    virtual_size: int | None = None
    checksum: str | None = None
    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    status: str | None = None
    owner: str | None = None
    visibility: str | None = None
    direct_url: str | None = None
    locations: list | None = None
    properties: ImageMetaProps = dataclasses.field(default_factory=ImageMetaProps)

    _FIELDS = ('id', 'name', 'disk_format', 'container_format', 'size',
               'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value',
               'min_disk', 'min_ram', 'status', 'owner', 'visibility',
               'direct_url', 'locations')

    @classmethod
    def from_dict(cls, data):
        """Build from a Glance-style dict; unknown top-level keys are ignored."""
        data = dict(data or {})
        props = data.get('properties')
        if isinstance(props, dict):
            props = ImageMetaProps.from_dict(props)
        kwargs = {k: data[k] for k in cls._FIELDS if data.get(k) is not None}
        return cls(properties=props or ImageMetaProps(), **kwargs)

    def to_dict(self):
        data = {k: getattr(self, k) for k in self._FIELDS
                if getattr(self, k) is not None}
        data['properties'] = self.properties.to_dict()
        return data


@dataclasses.dataclass
class Instance(_DictCompat):
    """An instance, with the attributes drivers read from Nova's Instance.

    ``name`` is the hypervisor-side name (Nova's ``instance_name_template``);
    it defaults to ``instance-`` plus the uuid.
    """

    uuid: str = dataclasses.field(default_factory=_new_uuid)
    display_name: str = 'instance'
    name: str | None = None
    flavor: Flavor = dataclasses.field(default_factory=Flavor)
    image_ref: str | None = None
    project_id: str = 'project'
    user_id: str = 'user'
    host: str | None = None
    node: str | None = None
    hostname: str | None = None
    vm_state: str = 'building'
    task_state: str | None = None
    power_state: int = 0
    vm_mode: str | None = None
    os_type: str | None = None
    architecture: str | None = None
    kernel_id: str | None = None
    ramdisk_id: str | None = None
    config_drive: str = ''
    key_name: str | None = None
    key_data: str | None = None
    user_data: str | None = None
    root_device_name: str | None = None
    availability_zone: str | None = None
    metadata: dict = dataclasses.field(default_factory=dict)
    system_metadata: dict = dataclasses.field(default_factory=dict)
    launched_at: Any = None
    created_at: Any = None
    id: int | None = None

    def __post_init__(self):
        if not self.name:
            self.name = 'instance-%s' % self.uuid
        if self.hostname is None:
            self.hostname = self.display_name

    # Nova keeps these on the instance and on its flavor; drivers read both.
    @property
    def memory_mb(self):
        return self.flavor.memory_mb

    @property
    def vcpus(self):
        return self.flavor.vcpus

    @property
    def root_gb(self):
        return self.flavor.root_gb

    @property
    def ephemeral_gb(self):
        return self.flavor.ephemeral_gb

    def save(self, *args, **kwargs):
        """Nova persists here; an in-memory instance has nothing to write."""


@dataclasses.dataclass
class Migration(_DictCompat):
    """A cold or live migration record (Nova's ``objects.Migration``)."""

    instance_uuid: str
    source_compute: str
    dest_compute: str
    source_node: str | None = None
    dest_node: str | None = None
    dest_host: str | None = None
    migration_type: str = 'migration'   # migration, resize, live-migration
    status: str = 'pre-migrating'
    uuid: str = dataclasses.field(default_factory=_new_uuid)
    id: int | None = None


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """What ``get_info`` returns (Nova's ``hardware.InstanceInfo``)."""

    state: int
    internal_id: Any = None


# Re-exported so that ``objects`` holds every type a driver is handed.
from virtdrivers.network import IP  # noqa: E402,F401
from virtdrivers.network import VIF  # noqa: E402,F401
from virtdrivers.network import Network  # noqa: E402,F401
from virtdrivers.network import NetworkInfo  # noqa: E402,F401
from virtdrivers.network import Subnet  # noqa: E402,F401
from virtdrivers.network import block_device_info  # noqa: E402,F401
