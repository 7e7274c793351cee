"""Domains built entirely from the XML objects, shared by several tests.

These describe shapes the builders will produce (a KVM guest with every
modelled device, a Xen PV guest, a container); they are test data, not policy.
"""

from virtdrivers.libvirt import xml as vxml

UUID = "c7a5fdbd-cdaf-9455-926a-d65c16db1809"
SECRET_UUID = "2a3bcd4e-5f60-4718-9abc-def012345678"
PASSWD = "s3cr3t-vnc"


def instance_metadata():
    """Our ``<vd:instance>`` for a small flavor."""
    meta = vxml.InstanceMetadata.new(
        package_version="1.0.0", name="web-1",
        creation_time="2026-01-01 10:00:00",
        user_uuid="85ab6ebd-0b17-4b15-8b53-0b0c4cdb1a6a", user_name="alice",
        project_uuid="2f5c4c1c-3b7e-4c8a-a5d2-5c0b3d3b0b44", project_name="web",
        root_type="image", root_uuid="0b3e7b2e-1b7c-4a4a-9d9e-8e1f8c7e6a55",
    )
    meta.flavor = vxml.FlavorMetadata.new(
        name="m1.small", memory=2048, disk=20, swap=0, ephemeral=0, vcpus=2
    )
    return meta


def kvm_disks():
    """A qcow2 file disk, an rbd disk with auth, a pool volume cdrom."""
    vda = vxml.Disk.new(
        type="file", device="disk", driver_name="qemu", driver_type="qcow2",
        driver_cache="none", driver_discard="unmap", driver_io="native",
        source_file="/var/lib/virtdrivers/instances/%s/disk" % UUID,
        target_dev="vda", target_bus="virtio", serial="vol-1", boot_order=1,
    )
    vdb = vxml.Disk.new(
        type="network", device="disk", driver_name="qemu", driver_type="raw",
        source_protocol="rbd", source_name="volumes/volume-1",
        target_dev="vdb", target_bus="virtio",
    )
    vdb.auth = vxml.Auth.new(
        username="cinder", secret_type="ceph", secret_uuid=SECRET_UUID
    )
    vdb.source_hosts.append(vxml.SourceHost.new(name="mon1", port=6789))
    vdb.source_hosts.append(vxml.SourceHost.new(name="mon2", port=6789))
    sda = vxml.Disk.new(
        type="volume", device="cdrom", driver_name="qemu", driver_type="raw",
        source_pool="nova-disks-pool", source_volume="config.iso",
        target_dev="sda", target_bus="sata", readonly=True,
    )
    return [vda, vdb, sda]


def kvm_devices():
    """One of every modelled device class, for a KVM guest."""
    nic = vxml.Interface.new(
        type="bridge", mac="fa:16:3e:12:34:56", source_bridge="br-int",
        model="virtio", target_dev="tap1234", mtu=1450,
        driver_name="vhost", driver_queues=2,
    )
    serial = vxml.Serial.new(
        type="pty", log_file="/var/log/vd/console.log", log_append=False,
        target_port=0,
    )
    console = vxml.Console.new(type="pty", target_type="serial", target_port=0)
    agent = vxml.Channel.new(
        type="unix", source_mode="bind", target_type="virtio",
        target_name="org.qemu.guest_agent.0",
    )
    graphics = vxml.Graphics.new(
        type="vnc", port=-1, autoport=True, listen="127.0.0.1", passwd=PASSWD,
    )
    graphics.listens.append(
        vxml.GraphicsListen.new(type="address", address="127.0.0.1")
    )
    return [
        *kvm_disks(),
        vxml.Filesystem.new(type="mount", accessmode="passthrough",
                            source_dir="/srv/share", target_dir="share"),
        vxml.Controller.new(type="usb", index=0, model="piix3-uhci"),
        nic, serial, console, agent,
        vxml.Input.new(type="tablet", bus="usb"),
        graphics,
        vxml.Video.new(model_type="virtio", heads=1, primary=True),
        vxml.Rng.new(model="virtio", backend_model="random",
                     backend_path="/dev/urandom", rate_bytes=1024,
                     rate_period=1000),
        vxml.MemBalloon.new(model="virtio", stats_period=10),
    ]


def kvm_domain(domain_type="kvm"):
    """A KVM-like guest with every modelled element."""
    dom = vxml.Domain.new(
        type=domain_type, name="instance-00000001", uuid=UUID,
        title="web-1", description="built by the XML tests",
        memory=2097152, current_memory=2097152, vcpu=2,
        vcpu_placement="static", on_poweroff="destroy",
        on_reboot="restart", on_crash="destroy",
    )
    dom.metadata.instance = instance_metadata()
    dom.sysinfo.type = "smbios"
    dom.sysinfo.system_entries.append(
        vxml.SysinfoEntry.new(name="manufacturer", value="virtdrivers")
    )
    dom.os.os_type = "hvm"
    dom.os.arch = "x86_64"
    dom.os.machine = "pc"
    dom.os.smbios_mode = "sysinfo"
    dom.os.bootmenu_enable = False
    dom.features.acpi = dom.features.apic = True
    dom.cpu.mode = "host-model"
    dom.cpu.sockets, dom.cpu.cores, dom.cpu.threads = 1, 2, 1
    dom.cpu.features.append(vxml.CPUFeature.new(name="vmx", policy="disable"))
    dom.clock.offset = "utc"
    dom.clock.timers.append(vxml.ClockTimer.new(name="rtc", tickpolicy="catchup"))
    dom.clock.timers.append(vxml.ClockTimer.new(name="hpet", present=False))
    dom.devices.emulator = "/usr/bin/qemu-system-x86_64"
    for device in kvm_devices():
        dom.devices.append(device)
    return dom


def xen_pv_domain():
    """A Xen PV guest: kernel boot, xen bus disk, xen console."""
    dom = vxml.Domain.new(
        type="xen", name="instance-00000002", memory=524288, vcpu=1
    )
    dom.os.os_type = "xen"
    dom.os.kernel = "/var/lib/xen/vmlinuz"
    dom.os.initrd = "/var/lib/xen/initrd.img"
    dom.os.cmdline = "root=/dev/xvda ro console=hvc0"
    dom.devices.append(vxml.Disk.new(
        type="file", device="disk", driver_name="qemu", driver_type="raw",
        source_file="/var/lib/xen/images/disk.img",
        target_dev="xvda", target_bus="xen",
    ))
    dom.devices.append(vxml.Interface.new(
        type="bridge", mac="fa:16:3e:00:00:02", source_bridge="xenbr0"
    ))
    dom.devices.append(vxml.Console.new(
        type="pty", target_type="xen", target_port=0
    ))
    return dom


def container_domain():
    """A Parallels-style container: os type exe, init, ploop root."""
    dom = vxml.Domain.new(
        type="vz", name="instance-00000003", memory=1048576, vcpu=1
    )
    dom.os.os_type = "exe"
    dom.os.init = "/sbin/init"
    dom.devices.append(vxml.Filesystem.new(
        type="file", accessmode="passthrough", driver_type="ploop",
        driver_format="ploop", source_file="/vz/private/3/root.hdd",
        target_dir="/",
    ))
    return dom
