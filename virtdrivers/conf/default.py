"""``[DEFAULT]`` options, with Nova's names and defaults where Nova has them."""

import socket

from oslo_config import cfg
from oslo_utils import netutils

opts = [
    cfg.StrOpt('compute_driver',
               help="""
The compute driver to load.

Possible values:

* ``fake``, ``libvirt``, ``xenapi``, ``powervm`` (entry points in the
  ``virtdrivers.compute_drivers`` namespace), or Nova's spellings
  ``fake.FakeDriver``, ``libvirt.LibvirtDriver``, ``xenapi.XenAPIDriver``,
  ``powervm.PowerVMDriver``.

An unset or unknown value stops the driver from loading with an error that
lists the installed choices.
"""),
    cfg.StrOpt('host', default=socket.gethostname(),
               sample_default='<current_hostname>',
               help='Name of this compute host; also the node name drivers '
                    'report.'),
    cfg.StrOpt('my_ip', default=netutils.get_my_ipv4(),
               sample_default='<host_ipv4>',
               help='IP address of this host on the management network; '
                    'returned by get_host_ip_addr.'),
    cfg.StrOpt('state_path', default='/var/lib/virtdrivers',
               help='Top-level directory for the driver\'s state.'),
    cfg.StrOpt('instances_path', default='$state_path/instances',
               help='Where instance disks, console logs and the image cache '
                    '(``[image_cache] subdirectory_name``) live.'),
    cfg.BoolOpt('use_cow_images', default=True,
                help="""
Use copy-on-write (qcow2) disks over a cached base image.

Only used when ``[libvirt] images_type`` is ``default``: True chooses
``qcow2``, False chooses ``flat`` (a full copy of the base).
"""),
    cfg.BoolOpt('force_raw_images', default=True,
                help='Convert cached base images to raw. Costs disk space and '
                     'a conversion, saves CPU in the guest.'),
    cfg.StrOpt('preallocate_images', default='none',
               choices=[('none', 'allocate on write (sparse)'),
                        ('space', 'reserve the whole disk with fallocate at '
                                  'creation')],
               help='How instance disks are allocated.'),
    cfg.BoolOpt('flat_injected', default=False,
                help='Write static network configuration into the guest '
                     '(config drive) instead of relying on DHCP.'),
    cfg.StrOpt('default_ephemeral_format',
               choices=['ext2', 'ext3', 'ext4', 'xfs', 'vfat', 'ntfs'],
               help='Filesystem for new ephemeral disks; unset leaves them '
                    'unformatted (the guest formats them).'),
    cfg.BoolOpt('force_config_drive', default=False,
                help='Give every instance a config drive, whether or not it '
                     'asked for one.'),
    cfg.StrOpt('config_drive_format', default='iso9660',
               choices=[('iso9660', 'an ISO 9660 image labelled config-2')],
               help='Format of config drives.'),
    cfg.IntOpt('reserved_host_memory_mb', default=512, min=0,
               help='Memory (MiB) kept back for the host; not offered to '
                    'instances.'),
    cfg.IntOpt('reserved_host_disk_mb', default=0, min=0,
               help='Disk (MiB) kept back for the host.'),
    cfg.IntOpt('reserved_host_cpus', default=0, min=0,
               help='Host CPUs kept back for the host.'),
    cfg.FloatOpt('initial_cpu_allocation_ratio', default=4.0, min=0.0,
                 help='VCPU over-commit ratio reported for a new node.'),
    cfg.FloatOpt('initial_ram_allocation_ratio', default=1.0, min=0.0,
                 help='Memory over-commit ratio reported for a new node.'),
    cfg.FloatOpt('initial_disk_allocation_ratio', default=1.0, min=0.0,
                 help='Disk over-commit ratio reported for a new node.'),
    cfg.IntOpt('max_concurrent_builds', default=10, min=0,
               help='Spawns run at once; 0 means unlimited.'),
    cfg.IntOpt('max_concurrent_disk_ops', default=0, min=0,
               help='Concurrent image downloads, conversions and snapshot '
                    'extractions; 0 means unlimited.'),
    cfg.IntOpt('shutdown_timeout', default=60, min=0,
               help='Seconds a guest gets to shut down cleanly before it is '
                    'powered off hard (power_off without a timeout).'),
    cfg.IntOpt('vif_plugging_timeout', default=300, min=0,
               help='Seconds to wait for network-vif-plugged events at spawn; '
                    '0 does not wait.'),
    cfg.BoolOpt('vif_plugging_is_fatal', default=True,
                help='Fail the spawn when VIF plugging times out.'),
    cfg.BoolOpt('resume_guests_state_on_host_boot', default=False,
                help='Start guests that were running before the host rebooted.'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
