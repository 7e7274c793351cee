"""What a driver can do, as data.

:class:`Capabilities` holds Nova's capability keys (``driver.capabilities``
in Nova is a dict; ours is also a read-only mapping of those keys, so Nova's
resource tracker reads it unchanged) plus the set of operations the driver
supports. The operations are listed once, in :data:`OPERATIONS`: each names
the driver methods it covers. The contract suite and the generated support
matrix both read these declarations, so they cannot drift from the code.
"""

import collections.abc
import dataclasses

# Nova 34's capability keys, with Nova's meaning.
CAPABILITY_DOCS = {
    'has_imagecache': 'The driver keeps a local cache of base images.',
    'supports_evacuate': 'Instances can be rebuilt here after their host failed.',
    'supports_migrate_to_same_host': 'A resize may land on the same host.',
    'supports_attach_interface': 'Network interfaces can be hot-plugged.',
    'supports_device_tagging': 'Devices can carry tags at boot.',
    'supports_tagged_attach_interface': 'Hot-plugged interfaces can carry tags.',
    'supports_tagged_attach_volume': 'Hot-plugged volumes can carry tags.',
    'supports_extend_volume': 'An attached volume can be grown online.',
    'supports_multiattach': 'A volume can be attached to several instances.',
    'supports_trusted_certs': 'Image signatures are checked with trusted certs.',
    'supports_pcpus': 'Dedicated (pinned) host CPUs can be given to guests.',
    'supports_accelerators': 'Cyborg accelerators can be attached.',
    'supports_bfv_rescue': 'Volume-backed instances can be rescued.',
    'supports_vtpm': 'Guests can get an emulated TPM.',
    'supports_secure_boot': 'Guests can boot with UEFI secure boot.',
    'supports_socket_pci_numa_affinity': 'PCI NUMA affinity per socket.',
    'supports_remote_managed_ports': 'Ports managed by a SmartNIC DPU.',
    'supports_address_space_passthrough': 'Guest physical address bits = host.',
    'supports_address_space_emulated': 'Guest physical address bits are set.',
    'supports_virtio_fs': 'Shares can be mounted over virtio-fs.',
    'supports_mem_backing_file': 'Guest memory can be backed by a file.',
    'supports_ephemeral_encryption': 'Ephemeral disks can be encrypted.',
    'supports_ephemeral_encryption_luks': 'Ephemeral encryption with LUKS.',
    'supports_ephemeral_encryption_plain': 'Ephemeral encryption with dm-crypt.',
    'supports_image_type_aki': 'Boots images of disk_format aki.',
    'supports_image_type_ami': 'Boots images of disk_format ami.',
    'supports_image_type_ari': 'Boots images of disk_format ari.',
    'supports_image_type_iso': 'Boots images of disk_format iso.',
    'supports_image_type_qcow2': 'Boots images of disk_format qcow2.',
    'supports_image_type_raw': 'Boots images of disk_format raw.',
    'supports_image_type_vdi': 'Boots images of disk_format vdi.',
    'supports_image_type_vhd': 'Boots images of disk_format vhd.',
    'supports_image_type_vhdx': 'Boots images of disk_format vhdx.',
    'supports_image_type_vmdk': 'Boots images of disk_format vmdk.',
    'supports_image_type_ploop': 'Boots images of disk_format ploop.',
}
CAPABILITY_KEYS = tuple(CAPABILITY_DOCS)

# Nova's CAPABILITY_TRAITS_MAP: capability key -> os-traits trait name.
CAPABILITY_TRAITS = {
    'supports_attach_interface': 'COMPUTE_NET_ATTACH_INTERFACE',
    'supports_device_tagging': 'COMPUTE_DEVICE_TAGGING',
    'supports_tagged_attach_interface': 'COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG',
    'supports_tagged_attach_volume': 'COMPUTE_VOLUME_ATTACH_WITH_TAG',
    'supports_extend_volume': 'COMPUTE_VOLUME_EXTEND',
    'supports_multiattach': 'COMPUTE_VOLUME_MULTI_ATTACH',
    'supports_trusted_certs': 'COMPUTE_TRUSTED_CERTS',
    'supports_accelerators': 'COMPUTE_ACCELERATORS',
    'supports_migrate_to_same_host': 'COMPUTE_SAME_HOST_COLD_MIGRATE',
    'supports_bfv_rescue': 'COMPUTE_RESCUE_BFV',
    'supports_secure_boot': 'COMPUTE_SECURITY_UEFI_SECURE_BOOT',
    'supports_socket_pci_numa_affinity': 'COMPUTE_SOCKET_PCI_NUMA_AFFINITY',
    'supports_remote_managed_ports': 'COMPUTE_REMOTE_MANAGED_PORTS',
    'supports_ephemeral_encryption': 'COMPUTE_EPHEMERAL_ENCRYPTION',
    'supports_ephemeral_encryption_luks': 'COMPUTE_EPHEMERAL_ENCRYPTION_LUKS',
    'supports_ephemeral_encryption_plain': 'COMPUTE_EPHEMERAL_ENCRYPTION_PLAIN',
    'supports_address_space_passthrough': 'COMPUTE_ADDRESS_SPACE_PASSTHROUGH',
    'supports_address_space_emulated': 'COMPUTE_ADDRESS_SPACE_EMULATED',
    'supports_virtio_fs': 'COMPUTE_STORAGE_VIRTIO_FS',
    'supports_mem_backing_file': 'COMPUTE_MEM_BACKING_FILE',
}
CAPABILITY_TRAITS.update(
    {'supports_image_type_%s' % t: 'COMPUTE_IMAGE_TYPE_%s' % t.upper()
     for t in ('aki', 'ami', 'ari', 'iso', 'qcow2', 'raw', 'vdi', 'vhd', 'vhdx',
               'vmdk', 'ploop')})


@dataclasses.dataclass(frozen=True)
class Operation:
    """One row of the support matrix.

    ``methods`` are the driver methods that raise ``NotSupported`` when the
    operation is not declared; an operation without methods is a feature of
    another call (for example a config drive is a feature of ``spawn``).
    """

    name: str
    title: str
    methods: tuple = ()
    mandatory: bool = False


OPERATIONS = (
    Operation('launch', 'Launch instance', ('spawn',), True),
    Operation('terminate', 'Terminate instance', ('destroy', 'cleanup'), True),
    Operation('get-guest-info', 'Guest instance status',
              ('get_info', 'list_instances', 'list_instance_uuids'), True),
    Operation('resources', 'Report host resources',
              ('get_available_resource', 'update_provider_tree',
               'get_available_nodes'), True),
    Operation('reboot', 'Reboot instance', ('reboot',)),
    Operation('power', 'Power off and on', ('power_off', 'power_on')),
    Operation('pause', 'Pause and unpause', ('pause', 'unpause')),
    Operation('suspend', 'Suspend and resume', ('suspend', 'resume')),
    Operation('resume-state-on-host-boot', 'Restore state after host boot',
              ('resume_state_on_host_boot',)),
    Operation('rescue', 'Rescue and unrescue', ('rescue', 'unrescue')),
    Operation('snapshot', 'Snapshot instance', ('snapshot',)),
    Operation('rebuild', 'Rebuild instance', ('rebuild',)),
    Operation('evacuate', 'Evacuate instances'),
    Operation('resize', 'Resize and cold migrate',
              ('migrate_disk_and_power_off', 'finish_migration',
               'confirm_migration', 'finish_revert_migration',
               'check_instance_shared_storage_local',
               'check_instance_shared_storage_remote')),
    Operation('live-migrate', 'Live migrate',
              ('check_can_live_migrate_destination',
               'cleanup_live_migration_destination_check',
               'check_can_live_migrate_source', 'pre_live_migration',
               'live_migration', 'post_live_migration_at_source',
               'post_live_migration_at_destination',
               'rollback_live_migration_at_destination')),
    Operation('live-migrate-force-complete', 'Force live migration to complete',
              ('live_migration_force_complete',)),
    Operation('live-migrate-abort', 'Abort live migration',
              ('live_migration_abort',)),
    Operation('soft-delete', 'Soft delete and restore', ('soft_delete', 'restore')),
    Operation('set-admin-password', 'Set admin password', ('set_admin_password',)),
    Operation('trigger-crash-dump', 'Trigger crash dump', ('trigger_crash_dump',)),
    Operation('quiesce', 'Quiesce and unquiesce', ('quiesce', 'unquiesce')),
    Operation('console-output', 'Serial console log', ('get_console_output',)),
    Operation('vnc-console', 'VNC console', ('get_vnc_console',)),
    Operation('spice-console', 'SPICE console', ('get_spice_console',)),
    Operation('serial-console', 'Interactive serial console',
              ('get_serial_console',)),
    Operation('mks-console', 'MKS console', ('get_mks_console',)),
    Operation('diagnostics', 'Instance diagnostics',
              ('get_diagnostics', 'get_instance_diagnostics')),
    Operation('attach-volume', 'Attach and detach block volume',
              ('attach_volume', 'detach_volume', 'get_volume_connector')),
    Operation('swap-volume', 'Swap volumes', ('swap_volume',)),
    Operation('extend-volume', 'Extend attached volume', ('extend_volume',)),
    Operation('volume-snapshot', 'Assisted volume snapshots',
              ('volume_snapshot_create', 'volume_snapshot_delete')),
    Operation('volume-usage', 'Volume usage', ('get_all_volume_usage',)),
    Operation('block-stats', 'Block device statistics', ('block_stats',)),
    Operation('disk-info', 'Instance disk information', ('get_instance_disk_info',)),
    Operation('device-names', 'Choose device names',
              ('default_root_device_name', 'default_device_names_for_instance',
               'get_device_name_for_instance')),
    Operation('attach-interface', 'Attach and detach interface',
              ('attach_interface', 'detach_interface')),
    Operation('plug-vifs', 'Plug and unplug VIFs', ('plug_vifs', 'unplug_vifs')),
    Operation('inject-networking', 'Inject networking', ('inject_network_info',)),
    Operation('inject-files', 'Inject files at launch'),
    Operation('config-drive', 'Config drive'),
    Operation('swap-disk', 'Swap disk at launch'),
    Operation('ephemeral-disk', 'Ephemeral disk at launch'),
    Operation('auto-configure-disk', 'Auto configure disk'),
    Operation('shares', 'Mount shares',
              ('mount_share', 'umount_share', 'is_share_mounted')),
    Operation('cache-images', 'Cache images', ('cache_image',)),
    Operation('image-cache', 'Manage the image cache', ('manage_image_cache',)),
    Operation('poll-rebooting', 'Poll rebooting instances',
              ('poll_rebooting_instances',)),
    Operation('power-update-event', 'Power update events', ('power_update_event',)),
    Operation('host-uptime', 'Guest host uptime', ('get_host_uptime',)),
    Operation('host-ip', 'Guest host IP', ('get_host_ip_addr',)),
    Operation('host-cpu-stats', 'Host CPU statistics', ('get_host_cpu_stats',)),
    Operation('host-maintenance-mode', 'Host maintenance mode',
              ('host_maintenance_mode',)),
    Operation('set-host-enabled', 'Enable and disable host', ('set_host_enabled',)),
    Operation('host-power-action', 'Host power action', ('host_power_action',)),
)
OPERATION_NAMES = frozenset(op.name for op in OPERATIONS)
OPERATION_BY_NAME = {op.name: op for op in OPERATIONS}
OPERATION_BY_METHOD = {m: op.name for op in OPERATIONS for m in op.methods}
MANDATORY = frozenset(op.name for op in OPERATIONS if op.mandatory)


def _check_operations(names):
    unknown = set(names) - OPERATION_NAMES
    if unknown:
        raise ValueError('unknown operation(s): %s' % ', '.join(sorted(unknown)))
    return frozenset(names)


@dataclasses.dataclass(frozen=True)
class _Keys:
    has_imagecache: bool = False
    supports_evacuate: bool = False
    supports_migrate_to_same_host: bool = False
    supports_attach_interface: bool = False
    supports_device_tagging: bool = False
    supports_tagged_attach_interface: bool = False
    supports_tagged_attach_volume: bool = False
    supports_extend_volume: bool = False
    supports_multiattach: bool = False
    supports_trusted_certs: bool = False
    supports_pcpus: bool = False
    supports_accelerators: bool = False
    supports_bfv_rescue: bool = False
    supports_vtpm: bool = False
    supports_secure_boot: bool = False
    supports_socket_pci_numa_affinity: bool = False
    supports_remote_managed_ports: bool = False
    supports_address_space_passthrough: bool = False
    supports_address_space_emulated: bool = False
    supports_virtio_fs: bool = False
    supports_mem_backing_file: bool = False
    supports_ephemeral_encryption: bool = False
    supports_ephemeral_encryption_luks: bool = False
    supports_ephemeral_encryption_plain: bool = False
    supports_image_type_aki: bool = False
    supports_image_type_ami: bool = False
    supports_image_type_ari: bool = False
    supports_image_type_iso: bool = False
    supports_image_type_qcow2: bool = False
    supports_image_type_raw: bool = False
    supports_image_type_vdi: bool = False
    supports_image_type_vhd: bool = False
    supports_image_type_vhdx: bool = False
    supports_image_type_vmdk: bool = False
    supports_image_type_ploop: bool = False


@dataclasses.dataclass(frozen=True)
class Capabilities(_Keys, collections.abc.Mapping):
    """Nova's capability keys (a read-only mapping) plus supported operations.

    ``operations`` is validated against :data:`OPERATIONS`; the mandatory
    operations are always included.
    """

    operations: frozenset = frozenset()

    def __post_init__(self):
        object.__setattr__(self, 'operations',
                           _check_operations(self.operations) | MANDATORY)

    # Mapping of Nova's keys only: ``operations`` is not a Nova capability.
    def __getitem__(self, key):
        if key not in CAPABILITY_DOCS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(CAPABILITY_KEYS)

    def __len__(self):
        return len(CAPABILITY_KEYS)

    def supports(self, operation):
        """True when *operation* (a name from :data:`OPERATIONS`) is declared."""
        if operation not in OPERATION_NAMES:
            raise ValueError('unknown operation %r' % (operation,))
        return operation in self.operations

    def replace(self, **changes):
        """A copy with some keys changed (``operations`` may be among them)."""
        return dataclasses.replace(self, **changes)

    def without(self, *operations):
        """A copy that no longer declares *operations*."""
        return self.replace(operations=self.operations - _check_operations(operations))

    def with_(self, *operations):
        """A copy that also declares *operations*."""
        return self.replace(operations=self.operations | _check_operations(operations))

    def as_traits(self, exclude_image_types=()):
        """``{trait: bool}`` as Nova's ``capabilities_as_traits``."""
        return {trait: bool(self[key]) for key, trait in CAPABILITY_TRAITS.items()
                if key.replace('supports_image_type_', '') not in exclude_image_types}
