"""The real-hypervisor recipe, end to end, with raw libvirt-python.

These tests prove the ground the realhv driver tests stand on: libvirtd and
QEMU come up (tools/realhv/setup-libvirt.sh), the tiny guest boots from its
disk and from kernel+initrd (tools/realhv/build-guest.sh), its console log
reaches us through virtlogd, ACPI shutdown works (or is ignored on request),
and nothing is left behind.
"""

import os
import shutil
import time
import uuid
from xml.sax.saxutils import quoteattr

import fixtures
import libvirt
import testtools
import testtools.content

from virtdrivers.testing import realhv

# Where libvirtd keeps per-domain runtime state; a domain that is gone leaves
# nothing here. (It keeps /var/log/libvirt/qemu/NAME.log on purpose.)
LIBVIRT_STATE_DIRS = ("/run/libvirt/qemu", "/var/lib/libvirt/qemu")


def domain_xml(name, virt_type, console_log, disk=None, disk_format="raw",
               readonly=False, kernel=None, initrd=None, cmdline=None):
    """A minimal domain: 128 MiB, one vCPU, serial pty logged to a file."""
    if kernel:
        boot = (f"<kernel>{kernel}</kernel><initrd>{initrd}</initrd>"
                f"<cmdline>{cmdline}</cmdline>")
    else:
        boot = "<boot dev='hd'/>"
    disk_xml = ""
    if disk:
        disk_xml = (
            "<disk type='file' device='disk'>"
            f"<driver name='qemu' type='{disk_format}'/>"
            f"<source file={quoteattr(disk)}/><target dev='vda' bus='virtio'/>"
            f"{'<readonly/>' if readonly else ''}</disk>")
    # No <cpu>: QEMU's default model. <acpi/> is needed for ACPI shutdown.
    return f"""<domain type='{virt_type}'>
  <name>{name}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>{boot}</os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    {disk_xml}
    <serial type='pty'><log file={quoteattr(console_log)} append='on'/>
      <target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>"""


class TestRecipe(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.hv = realhv.use_or_skip(self, realhv.RealLibvirtFixture())
        self.guest = realhv.use_or_skip(self, realhv.GuestImageFixture())
        self.conn = self.hv.connect()
        self.name = f"realhv-recipe-{uuid.uuid4().hex[:8]}"
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.console_log = os.path.join(self.tmp, f"{self.name}.console.log")
        self.read_console = realhv.log_reader(self.console_log)
        self.timings = []
        self.addDetail("timings", testtools.content.Content(
            testtools.content.UTF8_TEXT, lambda: ["\n".join(self.timings).encode()]))

    def _dirs(self):
        return (self.tmp, *LIBVIRT_STATE_DIRS)

    def _timed(self, label, func, *args):
        start = time.monotonic()
        result = func(*args)
        self.timings.append(f"{label}: {time.monotonic() - start:.2f} s")
        return result

    def _still_running(self, dom):
        def check():
            if not dom.isActive():
                raise AssertionError(f"{self.name} stopped:\n{self.read_console()}")
        return check

    def _wait_boot(self, dom):
        return self._timed(
            "create -> " + realhv.BOOT_MARKER, realhv.wait_for_marker,
            self.read_console, self.guest.boot_marker, self.guest.boot_timeout, 0,
            0.2, self._still_running(dom))

    def test_disk_boot_then_acpi_shutdown(self):
        before = realhv.snapshot_state(self.conn, self._dirs(), match=self.name)
        disk = os.path.join(self.tmp, f"{self.name}.qcow2")
        shutil.copyfile(self.guest.disk_qcow2, disk)
        dom = self.conn.defineXML(domain_xml(
            self.name, self.hv.virt_type, self.console_log, disk, "qcow2"))
        self.addCleanup(realhv.cleanup_domain, self.conn, self.name)

        self._timed("create()", dom.create)
        booted = self._wait_boot(dom)
        self.assertIn("disks=[vda ]", booted.line)
        # SYSLINUX, not direct kernel boot, started this kernel.
        self.assertIn("BOOT_IMAGE=/vmlinuz", booted.line)
        self.assertIn(self.guest.cmdline, booted.line)

        self._timed("shutdown()", dom.shutdown)
        self._timed("shutdown -> shutoff", realhv.wait_for_domain_state,
                    dom, libvirt.VIR_DOMAIN_SHUTOFF, 60)
        self.assertEqual(
            libvirt.VIR_DOMAIN_SHUTOFF_SHUTDOWN, dom.state()[1])
        self.assertIn(self.guest.poweroff_marker,
                      self.read_console()[booted.end:])

        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                          | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        self.assertNotIn(self.name, self.conn.listDefinedDomains())
        os.unlink(disk)
        os.unlink(self.console_log)
        after = realhv.snapshot_state(self.conn, self._dirs(), match=self.name)
        self.assertEqual([], after.new_since(before))

    def test_kernel_boot_without_acpid_ignores_shutdown(self):
        before = realhv.snapshot_state(self.conn, self._dirs(), match=self.name)
        cmdline = f"{self.guest.cmdline} {self.guest.noacpid_arg}"
        # Transient this time; the shared cached disk is attached read-only.
        dom = self._timed("createXML()", self.conn.createXML, domain_xml(
            self.name, self.hv.virt_type, self.console_log, self.guest.disk_raw,
            readonly=True, kernel=self.guest.kernel, initrd=self.guest.initrd,
            cmdline=cmdline), 0)
        self.addCleanup(realhv.cleanup_domain, self.conn, self.name)
        booted = self._wait_boot(dom)
        self.assertIn("disks=[vda ]", booted.line)
        self.assertIn(self.guest.noacpid_arg, booted.line)

        dom.shutdown()
        # The guest keeps printing heartbeats: it was not shut down.
        realhv.wait_for_marker(
            self.read_console, self.guest.alive_marker,
            self.guest.alive_period * 3, booted.end,
            check=self._still_running(dom))
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, dom.state()[0])
        self.assertNotIn(self.guest.poweroff_marker, self.read_console())

        self._timed("destroy()", dom.destroy)
        self.assertNotIn(self.name, [d.name() for d in self.conn.listAllDomains(0)])
        os.unlink(self.console_log)
        after = realhv.snapshot_state(self.conn, self._dirs(), match=self.name)
        self.assertEqual([], after.new_since(before))
