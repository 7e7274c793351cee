#!/bin/bash
# Bring up libvirtd + virtlogd + QEMU on Debian 12 without systemd (containers, CI jobs)
# for the real-hypervisor tests (virtdrivers/tests/realhv), and install the tools that
# tools/realhv/build-guest.sh needs.
#
#   usage: tools/realhv/setup-libvirt.sh          (as root; safe to run again)
#
# If qemu:///system already answers, the daemons and their configuration are left
# alone; only missing packages are installed and the virt type is reported.
#
# env:
#   REALHV_SKIP_APT=1         never run apt-get (fail if a package is missing)
#   REALHV_EXTRA_PKGS="..."   more packages to install (e.g. "lvm2 iproute2")
#   REALHV_VIRT_TYPE=kvm|qemu skip detection, report this domain type
#   REALHV_IGNORE_KVM_PVM=1   do not reject kvm_pvm outright: probe-boot it like any KVM
#   REALHV_KVM_PROBE_TIMEOUT  seconds a KVM probe boot may take (default 30)
#   REALHV_CACHE_DIR          guest artifacts for the KVM probe boot (see build-guest.sh)
#
# Prints per-step timings; the last line is REALHV_VIRT_TYPE=qemu|kvm, the domain type
# to use.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
URI=qemu:///system
t0=$(date +%s%N)
tp=$t0
ts() {
  local n
  n=$(date +%s%N)
  printf '[%6dms +%6dms] %s\n' $(((n - t0) / 1000000)) $(((n - tp) / 1000000)) "$*"
  tp=$n
}
die() { echo "setup-libvirt: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

# Two test workers may call this at once: apt/dpkg and the daemons' start-up are not
# safe to run twice in parallel.
LOCK=/run/lock/virtdrivers-realhv-setup.lock
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
flock 9
ts "lock taken"

answers() { virsh -q -c "$URI" version >/dev/null 2>&1; }

DAEMON_PKGS="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils"
# busybox-static and the kernel are downloaded by build-guest.sh, never installed.
GUEST_PKGS="dosfstools mtools syslinux syslinux-common fdisk"
# shellcheck disable=SC2086  # word splitting of the package lists is intended
set -- $DAEMON_PKGS $GUEST_PKGS ${REALHV_EXTRA_PKGS:-}
missing=()
for p in "$@"; do
  st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  ts "packages already installed"
elif [ -n "${REALHV_SKIP_APT:-}" ]; then
  die "REALHV_SKIP_APT is set but packages are missing: ${missing[*]}"
else
  command -v apt-get >/dev/null || die "apt-get not found; missing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  ts "apt-get update"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  ts "apt-get install ${missing[*]}"
fi

start_daemons() {
  # Debian's libvirt resolves qemu_user/qemu_group=libvirt-qemu at start-up even when
  # qemu.conf overrides them; libvirt-daemon-system's postinst (not installed: it brings
  # systemd units and polkit) would create them.
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
  ts "user libvirt-qemu"

  mkdir -p /etc/libvirt
  cat >/etc/libvirt/qemu.conf <<'EOF'
# written by virtdrivers tools/realhv/setup-libvirt.sh
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
remember_owner = 0
# no per-VM private /dev mount namespace: it needs "/" to be a mount point (fails in a
# chroot with "Failed disable mount propagation out of the root filesystem")
namespaces = [ ]
EOF
  mkdir -p /var/run/libvirt /var/lib/libvirt/images /var/lib/libvirt/qemu \
    /var/log/libvirt/qemu /var/cache/libvirt
  ts "qemu.conf written"

  # The daemons must keep neither our stdout (a caller capturing it would never see
  # EOF) nor fd 9 (they would hold the setup lock for their whole life).
  local errlog=/var/log/libvirt/realhv-daemons.log
  if ! { [ -f /var/run/virtlogd.pid ] && kill -0 "$(cat /var/run/virtlogd.pid)" 2>/dev/null; }; then
    virtlogd -d </dev/null >>"$errlog" 2>&1 9>&-
  fi
  if ! { [ -f /var/run/libvirtd.pid ] && kill -0 "$(cat /var/run/libvirtd.pid)" 2>/dev/null; }; then
    libvirtd -d </dev/null >>"$errlog" 2>&1 9>&-
  fi
  # The socket appears before the daemon is ready; a cold start probes QEMU for ~8 s.
  local i
  for i in $(seq 1 600); do
    answers && break
    sleep 0.1
  done
  answers || { tail -n 5 "$errlog" >&2 || true; die "libvirtd does not answer on $URI"; }
}

if answers; then
  ts "libvirtd already answering on $URI: daemons and config left alone"
else
  start_daemons
  ts "libvirtd answering on $URI (pid $(cat /var/run/libvirtd.pid 2>/dev/null || echo '?'))"
fi

# A KVM probe boot: a usable /dev/kvm is not proof that a guest boots (kvm_pvm).
kvm_boots() {
  local cache=${REALHV_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/virtdrivers-realhv}
  local end=$((SECONDS + ${REALHV_KVM_PROBE_TIMEOUT:-30})) dir name ok=1
  "$HERE/build-guest.sh" "$cache" >/dev/null || return 1
  dir=$(mktemp -d)
  name=realhv-kvmprobe-$$
  cat >"$dir/probe.xml" <<EOF
<domain type='kvm'>
  <name>$name</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$cache/vmlinuz</kernel><initrd>$cache/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet</cmdline></os>
  <features><acpi/></features>
  <devices>
    <serial type='pty'><log file='$dir/console.log' append='off'/><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
  </devices>
</domain>
EOF
  if virsh -q -c "$URI" create "$dir/probe.xml" >/dev/null 2>&1; then
    while [ $SECONDS -lt $end ]; do
      if grep -q REALHV-BOOT-OK "$dir/console.log" 2>/dev/null; then ok=0; break; fi
      virsh -q -c "$URI" domstate "$name" 2>/dev/null | grep -q running || break
      sleep 0.2
    done
    virsh -q -c "$URI" destroy "$name" >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  return $ok
}

if [ -n "${REALHV_VIRT_TYPE:-}" ]; then
  VT=$REALHV_VIRT_TYPE
  ts "virt type from REALHV_VIRT_TYPE"
else
  VT=qemu
  if [ -w /dev/kvm ] &&
    virsh -q -c "$URI" domcapabilities --virttype kvm --arch x86_64 >/dev/null 2>&1; then
    if [ -d /sys/module/kvm_pvm ] && [ -z "${REALHV_IGNORE_KVM_PVM:-}" ]; then
      # kvm_pvm (software nested virt) takes ~2 minutes to print the first kernel line,
      # then QEMU stops with "KVM internal error ... emulation failure".
      echo "note: /dev/kvm comes from kvm_pvm, which cannot boot a stock kernel: using TCG"
    elif kvm_boots; then
      VT=kvm
    else
      echo "note: /dev/kvm exists but a KVM guest did not boot: using TCG"
    fi
  fi
  ts "virt type chosen"
fi
echo "REALHV_VIRT_TYPE=$VT"
