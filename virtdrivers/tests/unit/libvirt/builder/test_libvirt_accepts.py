"""Built domains are valid, and libvirt defines and starts them.

Each case is built for both QEMU profiles, and the Xen and Parallels cases
for each of their profiles and a few flavors, validated against
``domain.rng``, then defined and started on ``test:///default``; libvirt's
view of the running domain must agree with ours on what a user would check
(disk names and buses, NIC models, video, channels, machine, CPU topology).
"""

from virtdrivers.libvirt import builder
from virtdrivers.libvirt.builder import BuilderSettings
from virtdrivers.libvirt.builder import DiskSource
from virtdrivers.libvirt.builder import DiskSpec
from virtdrivers.libvirt.builder import context
from virtdrivers.tests.unit.libvirt.builder import base
from virtdrivers.tests.unit.libvirt.builder import fixtures as fx
from virtdrivers.tests.unit.libvirt.builder import test_disks_nics


def _all_disks():
    return [fx.root_disk(), fx.ephemeral_disk(), fx.swap_disk(),
            fx.config_drive()]


CASES = {
    "defaults": {},
    "virtio-ephemeral-swap-config": {"disks": _all_disks()},
    "scsi": {"props": {"hw_disk_bus": "scsi"}, "disks": _all_disks()},
    "sata": {"props": {"hw_disk_bus": "sata", "hw_cdrom_bus": "sata"},
             "disks": _all_disks()},
    "ide": {"props": {"hw_disk_bus": "ide"}, "disks": _all_disks()},
    "usb": {"props": {"hw_disk_bus": "usb"}},
    "q35-config-drive": {"props": {"hw_machine_type": "q35"},
                         "disks": _all_disks()},
    "e1000-vga": {"props": {"hw_vif_model": "e1000", "hw_video_model": "vga"}},
    "rtl8139-cirrus": {"props": {"hw_vif_model": "rtl8139",
                                 "hw_video_model": "cirrus"}},
    "pcnet-bochs": {"props": {"hw_vif_model": "pcnet",
                              "hw_video_model": "bochs"}},
    "ne2k-no-video": {"props": {"hw_vif_model": "ne2k_pci",
                                "hw_video_model": "none"}},
    "e1000e-qxl-spice": {
        "props": {"hw_vif_model": "e1000e", "hw_video_model": "qxl"},
        "settings": BuilderSettings(spice_enabled=True)},
    "agent-rng": {"props": {"hw_qemu_guest_agent": "true",
                            "hw_rng_model": "virtio"}},
    "topology": {"props": {"hw_cpu_sockets": 2, "hw_cpu_threads": 2},
                 "flavor_kwargs": {"vcpus": 8}},
    "rescue": {"disks": [fx.root_disk(), fx.rescue_disk(), fx.config_drive()],
               "rescue": True},
    "kernel-boot": {"kernel_path": "/var/lib/k/kernel",
                    "initrd_path": "/var/lib/k/ramdisk"},
    "boot-from-volume": {"disks": [
        DiskSpec("vol-1", DiskSource(type="block", path="/dev/sdx"),
                 boot_index=0, serial="vol-1"),
        test_disks_nics.rbd_disk()]},
    "pool-volumes": {"disks": [DiskSpec("disk", DiskSource(
        type="volume", pool="nova-disks-pool", volume=fx.UUID + "_disk",
        format="qcow2"))]},
    "tcp-serial-windows": {
        "settings": BuilderSettings(serial_console_enabled=True),
        "serial_ports": (10000,), "props": {"os_type": "windows"}},
    "ovs-and-tap": {"vifs": [fx.ovs_vif(), fx.bridge_vif(type="tap")]},
}


def _ct_disks():
    return [fx.ploop_disk(), fx.config_drive()]


# profile name -> (virt_type, image properties that select it, cases).
FAMILY_CASES = {
    "xen-pv": ("xen", {}, {
        "defaults": {},
        "ephemeral-swap-config": {"disks": _all_disks()},
        "kernel-boot": {"kernel_path": "/var/lib/k/kernel",
                        "initrd_path": "/var/lib/k/ramdisk"},
        "boot-from-volume": {"disks": [
            DiskSpec("vol-1", DiskSource(type="block", path="/dev/sdx"),
                     boot_index=0, serial="vol-1")]},
        "rescue": {"disks": [fx.root_disk(), fx.rescue_disk()],
                   "rescue": True},
        "ovs-agentless": {"vifs": [fx.ovs_vif(), fx.hybrid_vif()],
                          "props": {"hw_qemu_guest_agent": "yes"}},
    }),
    "xen-hvm": ("xen", {"vm_mode": "hvm"}, {
        "defaults": {},
        "ephemeral-swap-config": {"disks": _all_disks()},
        "pv-on-hvm": {"props": {"hw_disk_bus": "xen",
                                "hw_vif_model": "netfront"},
                      "disks": _all_disks()},
        "rtl8139-cirrus-hvmloader": {
            "props": {"hw_vif_model": "rtl8139", "hw_video_model": "cirrus"},
            "settings": BuilderSettings(
                hvm_loader_path="/usr/lib/xen-4.17/boot/hvmloader")},
        "windows-hpet": {"props": {"os_type": "windows",
                                   "hw_time_hpet": True}},
        "rescue": {"disks": [fx.root_disk(), fx.rescue_disk(),
                             fx.config_drive()], "rescue": True},
    }),
    "parallels-vm": ("parallels", {}, {
        "defaults": {},
        "ephemeral-swap-config": {"disks": _all_disks()},
        "ide-virtio-nic": {"props": {"hw_disk_bus": "ide",
                                     "hw_vif_model": "virtio"},
                           "disks": _all_disks()},
        "rescue": {"disks": [fx.root_disk(), fx.rescue_disk(),
                             fx.config_drive()], "rescue": True},
        "windows": {"props": {"os_type": "windows"}},
    }),
    "parallels-ct": ("parallels", {"vm_mode": "exe"}, {
        "defaults": {"disks": [fx.ploop_disk()]},
        "config-drive": {"disks": _ct_disks()},
        "rescue": {"disks": [fx.ploop_disk(),
                             fx.ploop_disk(context.RESCUE)], "rescue": True},
        "no-nic": {"disks": _ct_disks(), "vifs": []},
    }),
}

FLAVORS = {
    "tiny": {"vcpus": 1, "memory_mb": 512, "root_gb": 1},
    "small": {},
    "big": {"vcpus": 8, "memory_mb": 16384, "ephemeral_gb": 10,
            "swap": 2048},
}


def summary(dom):
    """What a user would check, as libvirt and we both say it."""
    return {
        "disks": [(d.device, d.target_dev, d.target_bus)
                  for d in dom.devices.disks],
        "nics": [(n.type, n.model, n.target_dev) for n in dom.devices.interfaces],
        "video": [v.model_type for v in dom.devices.videos],
        "graphics": [g.type for g in dom.devices.graphics],
        "channels": [c.target_name for c in dom.devices.channels],
        "serials": [(s.type, s.log_file) for s in dom.devices.serials],
        "rng": [r.model for r in dom.devices.rngs],
        "machine": dom.os.machine,
        "boot": (dom.os.boot_devs, dom.os.kernel, dom.os.cmdline),
        "cpu": (dom.cpu.mode, dom.cpu.sockets, dom.cpu.cores, dom.cpu.threads),
        "memory": (dom.memory, dom.vcpu),
        "filesystems": [(f.driver_type, f.driver_format, f.target_dir)
                        for f in dom.devices.filesystems],
        "consoles": [(c.type, c.target_type) for c in dom.devices.consoles],
        "init": (dom.os.init, dom.bootloader),
    }


def _forget_libvirt_defaults(ours, theirs, dom):
    """Drop values libvirt fills in where we left the choice to it."""
    if ours["machine"] is None:
        theirs["machine"] = None
    # A container has no video adapter of ours; libvirt gives its graphics
    # its default one (vz ignores it for containers).
    if not ours["video"] and ours["graphics"]:
        theirs["video"] = []
    # Without any boot order libvirt boots from the first hard disk, and
    # says so with <boot dev='hd'/>.
    if not dom.os.boot_devs and not any(d.boot_order
                                        for d in dom.devices.disks):
        theirs["boot"] = (dom.os.boot_devs,) + theirs["boot"][1:]


class TestLibvirtAccepts(base.BuilderTestCase):

    def test_every_case_defines_and_starts(self):
        for virt_type in ("kvm", "qemu"):
            for name, kwargs in CASES.items():
                with self.subTest(virt_type=virt_type, case=name):
                    dom = self.build(fx.ctx(virt_type, **kwargs))
                    live = self.assertBoots(dom)
                    ours = summary(dom)
                    theirs = summary(live)
                    _forget_libvirt_defaults(ours, theirs, dom)
                    self.assertEqual(ours, theirs)
                    self.assertEqual(virt_type, live.type)

    def test_every_xen_and_parallels_case_defines_and_starts(self):
        for profile, (virt_type, selector, cases) in FAMILY_CASES.items():
            for name, kwargs in cases.items():
                for flavor, flavor_kwargs in FLAVORS.items():
                    with self.subTest(profile=profile, case=name,
                                      flavor=flavor):
                        self.check_family_case(virt_type, selector, kwargs,
                                               flavor_kwargs, profile)

    def check_family_case(self, virt_type, selector, kwargs, flavor_kwargs,
                          profile):
        kwargs = dict(kwargs, flavor_kwargs=flavor_kwargs,
                      props=dict(kwargs.get("props", {}), **selector))
        ctx = fx.ctx(virt_type, **kwargs)
        self.assertEqual(profile, builder.prepare(ctx).profile.name)
        dom = self.build(ctx)
        live = self.assertBoots(dom)
        ours, theirs = summary(dom), summary(live)
        _forget_libvirt_defaults(ours, theirs, dom)
        self.assertEqual(ours, theirs)
        self.assertEqual(builder.prepare(ctx).profile.domain_type, live.type)
