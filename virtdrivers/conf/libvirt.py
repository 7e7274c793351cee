"""``[libvirt]`` options (Nova's names and defaults)."""

from oslo_config import cfg

group = cfg.OptGroup('libvirt', title='libvirt driver options')

opts = [
    cfg.StrOpt('virt_type', default='kvm',
               choices=[('kvm', 'QEMU with KVM acceleration'),
                        ('qemu', 'QEMU without acceleration (TCG)'),
                        ('xen', 'Xen through libxl'),
                        ('parallels', 'Parallels / Virtuozzo (VMs and '
                                      'containers)')],
               help='The hypervisor libvirt manages on this host.'),
    cfg.StrOpt('connection_uri', default='',
               help="""
libvirt URI to connect to. Empty chooses the URI of ``virt_type``
(``qemu:///system``, ``xen:///system``, ``parallels:///system``).

``test:///default`` is libvirt's in-process test driver: no daemon needed.
"""),
    cfg.StrOpt('images_type', default='default',
               help="""
Storage of instance disks: the name of an image backend (an entry point in
``virtdrivers.libvirt.image_backends``, so other packages can add their own).

Possible values (the backends virtdrivers ships):

* ``flat`` (Nova's ``raw``): a full copy of the base image
* ``qcow2``: a qcow2 overlay over the cached base
* ``lvm``: a logical volume in ``images_volume_group``
* ``rbd``: an RBD image in ``images_rbd_pool``
* ``ploop``: a ploop disk (Parallels/Virtuozzo)
* ``pool``: a volume in a libvirt storage pool
* ``default``: ``pool`` with ``use_storage_pools`` (but see there), else
  ``qcow2`` if ``[DEFAULT] use_cow_images``, else ``flat``

A name no installed backend has stops the driver at start-up with an error
that lists the installed ones.
"""),
    cfg.BoolOpt('use_storage_pools', default=True,
                help="""
Keep the disks of new instances in libvirt storage pools.

The image cache directory is registered as the ``dir`` pool
``nova-base-images-pool`` (its layout does not change) and instance disks
are volumes ``<instance uuid>_<disk name>`` of ``nova-disks-pool``, made by
libvirt: copies with ``virStorageVolCreateXMLFrom``, copy-on-write volumes
(``[DEFAULT] use_cow_images``, file pools only) with a ``<backingStore>``
on the base. Both pools are defined and started at start-up when missing.

How it combines with ``images_type``: it applies when ``images_type`` is
``default`` on QEMU/KVM (``qemu://`` connections); ``pool`` always uses
pools, and naming any other backend keeps that backend. Instances whose
disks are still files of the ``flat`` or ``qcow2`` backend keep working: a
warning names them at start-up, and their disks are copied into the pool at
their next hard reboot or power on, while the guest is off (never while it
runs).

Elsewhere ``default`` stays on the file backends: libvirt's test driver
(``test://``) keeps no volume data (``images_type = pool`` works there
without config drives, swap disks and snapshots), and volume disks are not
verified with libxl and vz (Parallels containers mount their root by
path).

Related options: ``storage_pool_type``, ``storage_pool_target``,
``storage_pool_source``, ``images_type``, ``[DEFAULT] use_cow_images``.
"""),
    cfg.StrOpt('storage_pool_type', default='dir',
               choices=[('dir', 'a directory (storage_pool_target)'),
                        ('fs', 'a file system on the block device '
                               'storage_pool_source, mounted on '
                               'storage_pool_target'),
                        ('netfs', 'an NFS export storage_pool_source '
                                  '(``HOST:/PATH``) mounted on '
                                  'storage_pool_target'),
                        ('logical', 'the LVM volume group named '
                                    'storage_pool_source'),
                        ('zfs', 'the ZFS pool named storage_pool_source'),
                        ('rbd', 'the Ceph pool storage_pool_source '
                                '(``POOL`` or ``MONITORS:POOL``), as '
                                'rbd_user with rbd_secret_uuid'),
                        ('gluster', 'the Gluster volume storage_pool_source '
                                    '(``HOST:VOLUME``)'),
                        ('vstorage', 'the Virtuozzo Storage cluster named '
                                     'storage_pool_source, mounted on '
                                     'storage_pool_target')],
               help="""
libvirt pool type of ``nova-disks-pool``, the pool of instance disks.

Volumes are qcow2 (copy-on-write, with ``[DEFAULT] use_cow_images``) or
raw in the file pools (``dir``, ``fs``, ``netfs``, ``vstorage``), raw
elsewhere. Only ``dir`` pools are built (their directory created); the
storage behind any other type (volume group, device, export, Ceph pool)
must exist: start-up fails with an error naming the option otherwise.
libvirt cannot copy a volume into an RBD pool (``createXMLFrom``): there
base images are uploaded through libvirt where it can stream volumes, and
written with librbd where it cannot (libvirt 9.0), which needs the keyring
of ``images_rbd_ceph_conf``; guests get network disks naming the images.

Related options: ``use_storage_pools``, ``storage_pool_target``,
``storage_pool_source``.
"""),
    cfg.StrOpt('storage_pool_target', default='$instances_path/pool',
               help="""
Where ``nova-disks-pool`` keeps its volumes: the directory of a ``dir``
pool (created when missing), the mount point of ``fs``, ``netfs`` and
``vstorage`` pools. Ignored by the other types (a ``logical`` pool's
volumes are under ``/dev/<volume group>``).

Related options: ``storage_pool_type``, ``[DEFAULT] instances_path``.
"""),
    cfg.StrOpt('storage_pool_source', default='',
               help="""
What ``nova-disks-pool`` is made of, as its type needs it: the volume
group (``logical``), the block device (``fs``), ``HOST:/PATH`` (``netfs``),
the Ceph pool (``rbd``; ``MONITOR[,MONITOR...]:POOL`` names its
monitors, each ``HOST`` or ``HOST:PORT``, e.g.
``10.0.0.1:6789,10.0.0.2:6789:vms``), ``HOST:VOLUME`` (``gluster``),
the ZFS pool (``zfs``) or the cluster (``vstorage``). Unused by ``dir`` pools.

An ``rbd`` pool authenticates as ``rbd_user`` with the key in the libvirt
secret ``rbd_secret_uuid`` when both are set (the secret must be defined
on the host; instance disks take both from the pool).

Related options: ``storage_pool_type``, ``rbd_user``, ``rbd_secret_uuid``.
"""),
    cfg.StrOpt('images_volume_group',
               help='LVM volume group for images_type=lvm.'),
    cfg.BoolOpt('sparse_logical_volumes', default=False,
                help='Create thin (sparse) logical volumes.'),
    cfg.StrOpt('volume_clear', default='zero',
               choices=[('zero', 'overwrite a deleted logical volume with '
                                 'zeroes'),
                        ('shred', 'overwrite it three times with random data'),
                        ('none', 'do not clear it (fast; data may leak to the '
                                 'next user of the space)')],
               help='How logical volumes are cleared when deleted.'),
    cfg.IntOpt('volume_clear_size', default=0, min=0,
               help='MiB cleared from the start of a deleted logical volume; '
                    '0 clears all of it.'),
    cfg.StrOpt('images_rbd_pool', default='rbd',
               help='Ceph pool for images_type=rbd.'),
    cfg.StrOpt('images_rbd_ceph_conf', default='',
               help='ceph.conf to use; empty uses Ceph\'s default. Its '
                    'keyring also gives librbd rbd_user\'s key for an '
                    '``rbd`` storage pool.'),
    cfg.StrOpt('rbd_user', help='Ceph user (cephx) for RBD disks, and of '
                                'an ``rbd`` storage pool.'),
    cfg.StrOpt('rbd_secret_uuid',
               help='libvirt secret holding rbd_user\'s key (RBD disks and '
                    'an ``rbd`` storage pool).'),
    cfg.StrOpt('hw_machine_type',
               help='Default machine type (``pc``, ``q35``, ...); an image\'s '
                    'hw_machine_type wins.'),
    cfg.StrOpt('cpu_mode',
               choices=['host-model', 'host-passthrough', 'custom', 'none'],
               help='Guest CPU model policy; unset means host-model on kvm '
                    'and none on qemu.'),
    cfg.ListOpt('cpu_models', default=[],
                help='CPU models (in order of preference) for cpu_mode=custom, '
                     'e.g. ``Haswell-noTSX,SandyBridge``.'),
    cfg.IntOpt('wait_soft_reboot_seconds', default=120, min=0,
               help='Seconds to wait for a soft (ACPI) reboot before a hard '
                    'one.'),
    cfg.IntOpt('mem_stats_period_seconds', default=10, min=0,
               help='Balloon statistics period; 0 disables them.'),
    cfg.StrOpt('snapshot_image_format',
               choices=['raw', 'qcow2', 'vmdk', 'vdi'],
               help='Format of uploaded snapshots; unset keeps the disk\'s.'),
    cfg.DictOpt('disk_cachemodes', default={},
                help='Cache mode per disk source type, e.g. '
                     '``file:writeback,network:writeback``; unset uses '
                     'libvirt\'s default.'),
    cfg.IntOpt('max_console_log_bytes', default=100 * 1024, min=1024,
               help='get_console_output returns at most this many bytes '
                    '(the end of the serial console log).'),
    cfg.StrOpt('rescue_image_id',
               help='Image to rescue instances with; unset uses the '
                    'instance\'s own image.'),
    cfg.StrOpt('xen_default_vm_mode', default='xen',
               choices=[('xen', 'paravirtualised (PV) guests'),
                        ('hvm', 'fully virtualised (HVM) guests')],
               help="""
How Xen guests run when their image has no ``vm_mode`` property (an image's
``vm_mode=xen`` or ``vm_mode=hvm`` always wins).

PV guests get the Xen PV devices (``xvd*`` disks on the xen bus, netfront
NICs, the Xen console and framebuffer) and boot through
``xen_bootloader_path`` unless given a kernel; HVM guests get emulated IDE
disks, NICs and VGA, with the PV-on-HVM drivers on request
(``hw_disk_bus=xen``, ``hw_vif_model=netfront``).

Related options: ``virt_type`` (only ``xen`` reads this),
``xen_bootloader_path``, ``xen_hvmloader_path``.
"""),
    cfg.StrOpt('xen_bootloader_path', default='/usr/lib/xen-4.17/bin/pygrub',
               help="""
The PV bootloader Xen PV guests boot through when the driver gives them no
kernel: it reads the kernel and its command line from the image's own
``/boot``. A guest booted with a kernel (the image's ``kernel_id`` and
``ramdisk_id``) does not use it.

Possible values: a path on the Xen host (Debian's Xen 4.17 installs pygrub
here); empty leaves the choice to libxl (its own pygrub).

Related options: ``virt_type=xen``, ``xen_default_vm_mode``.
"""),
    cfg.StrOpt('xen_hvmloader_path', default='',
               help="""
Firmware of Xen HVM guests, written as their ``<os><loader>`` (Nova's
option).

Possible values: a path on the Xen host; empty (the default here; Nova's
was ``/usr/lib/xen/boot/hvmloader``) lets libxl use its own hvmloader.

Related options: ``virt_type=xen``, ``xen_default_vm_mode``.
"""),
    cfg.StrOpt('live_migration_scheme',
               help="""
Transport of the libvirt connection the source host opens to the
destination for a live migration (``qemu+SCHEME://DEST/system`` on
QEMU/KVM). Unset means ``tcp``.

Possible values: a libvirt transport: ``tcp``, ``tls``, ``ssh``...

Related options: ``live_migration_inbound_addr``, ``live_migration_uri``.
"""),
    cfg.StrOpt('live_migration_inbound_addr',
               help="""
Address (IP or host name) this host receives live migrations on: the
source's libvirt connects there, and QEMU's migration stream comes there,
instead of this host's name. Unset uses the host name the control plane
gives (``[DEFAULT] host`` of this host).

Related options: ``live_migration_scheme``.
"""),
    cfg.StrOpt('live_migration_uri',
               deprecated_for_removal=True,
               deprecated_reason='Use live_migration_scheme and '
                                 'live_migration_inbound_addr.',
               help="""
The libvirt URI of the destination, ``%s`` replaced by its host name, e.g.
``qemu+ssh://%s/system`` (Nova's deprecated template). When set it wins
over ``live_migration_scheme`` and ``live_migration_inbound_addr``.
"""),
    cfg.IntOpt('live_migration_bandwidth', default=0, min=0,
               help="""
Maximum bandwidth of a live migration, in MiB/s; 0 leaves it unlimited.
Parallels refuses a limit: set 0 on vz hosts, and on Xen it is not applied.
"""),
    cfg.IntOpt('live_migration_completion_timeout', default=800, min=0,
               help="""
Seconds a live migration may take per GiB of guest memory and local disk
(at least 2 GiB are counted) before it is aborted; 0 waits forever.
The guest keeps running on the source after an abort.

Related options: ``live_migration_timeout_action``.
"""),
    cfg.StrOpt('live_migration_timeout_action', default='abort',
               choices=[('abort', 'cancel the migration; the guest stays on '
                                  'the source'),
                        ('force_complete', 'pause the guest so that the '
                                           'migration converges')],
               help='What happens when ``live_migration_completion_timeout`` '
                    'is reached.'),
    cfg.BoolOpt('live_migration_permit_auto_converge', default=False,
                help="""
Let QEMU slow the guest's vCPUs down when its memory changes faster than
the migration copies it (QEMU/KVM only).
"""),
]


def register_opts(conf):
    # A fresh OptGroup per ConfigOpts: a shared one would share its
    # options' overrides between configurations.
    conf.register_group(cfg.OptGroup(group.name, title=group.title))
    conf.register_opts(opts, group=group.name)


def list_opts():
    return {group: opts}
