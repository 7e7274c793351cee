"""Instances, images, disks and VIFs the builder tests share."""

import datetime

from virtdrivers import network
from virtdrivers import objects
from virtdrivers.libvirt import profiles
from virtdrivers.libvirt.builder import context
from virtdrivers.libvirt.builder.context import BuildContext
from virtdrivers.libvirt.builder.context import BuilderSettings
from virtdrivers.libvirt.builder.context import DiskSource
from virtdrivers.libvirt.builder.context import DiskSpec

UUID = "6c0d3f8e-2a41-4c55-9a8e-1f7b3c2d4e5a"
IMAGE_ID = "0b3e7b2e-1b7c-4a4a-9d9e-8e1f8c7e6a55"
VIF1 = "9b1c1e2a-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
VIF2 = "3f2c1b5e-9a7d-4c1e-8f00-0a1b2c3d4e5f"
INSTANCE_DIR = "/var/lib/virtdrivers/instances/" + UUID
CONSOLE_LOG = INSTANCE_DIR + "/console.log"
CREATED = datetime.datetime(2026, 1, 1, 10, 0, 0, tzinfo=datetime.UTC)
VERSION = "1.0.0"


def flavor(**kwargs):
    values = dict(name="m1.small", memory_mb=2048, vcpus=2, root_gb=20,
                  ephemeral_gb=0, swap=0)
    values.update(kwargs)
    return objects.Flavor(**values)


def instance(**flavor_kwargs):
    return objects.Instance(uuid=UUID, display_name="web-1",
                            image_ref=IMAGE_ID, user_id="alice-id",
                            project_id="web-id", flavor=flavor(**flavor_kwargs))


def image(**props):
    return objects.ImageMeta.from_dict(
        {"id": IMAGE_ID, "name": "cirros", "disk_format": "qcow2",
         "properties": props})


def file_disk(name, fmt="raw", **spec):
    return DiskSpec(name, DiskSource(path="%s/%s" % (INSTANCE_DIR, name),
                                     format=fmt), **spec)


def root_disk(**spec):
    return file_disk(context.ROOT, fmt="qcow2", **spec)


def ploop_disk(name=context.ROOT, **spec):
    """A ploop disk: a directory with DiskDescriptor.xml and root.hds."""
    return file_disk(name, fmt="ploop", **spec)


def ephemeral_disk():
    return file_disk(context.EPHEMERAL, fmt="qcow2")


def swap_disk():
    return file_disk(context.SWAP)


def config_drive():
    return file_disk(context.CONFIG, device="cdrom")


def rescue_disk(**spec):
    return file_disk(context.RESCUE, fmt="qcow2", **spec)


def bridge_vif(vif_id=VIF1, mtu=1450, **kwargs):
    net = network.Network(bridge="br-int", label="private", mtu=mtu)
    return network.VIF(id=vif_id, address="fa:16:3e:12:34:56", network=net,
                       **kwargs)


def ovs_vif(vif_id=VIF2, hybrid=False, address="fa:16:3e:65:43:21"):
    net = network.Network(bridge="br-int", label="private")
    return network.VIF(id=vif_id, address=address, network=net,
                       type="ovs", details={"ovs_hybrid_plug": hybrid})


def hybrid_vif():
    """An OVS port plugged through a per-port Linux bridge (qbr...)."""
    return ovs_vif(VIF1, hybrid=True, address="fa:16:3e:65:43:22")


def ctx(virt_type="kvm", props=None, disks=None, vifs=None, settings=None,
        flavor_kwargs=None, **kwargs):
    """A context for one instance; defaults: root disk, one bridged VIF."""
    values = dict(
        instance=instance(**(flavor_kwargs or {})),
        image_meta=image(**(props or {})),
        profile=profiles.get(virt_type),
        network_info=network.NetworkInfo(
            [bridge_vif()] if vifs is None else vifs),
        disks=[root_disk()] if disks is None else disks,
        console_log_path=CONSOLE_LOG,
        settings=settings or BuilderSettings(),
        creation_time=CREATED,
        package_version=VERSION,
    )
    values.update(kwargs)
    return BuildContext(**values)
