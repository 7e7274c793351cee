#!/bin/bash
# Build a tiny, real, bootable x86_64 guest offline from Debian 12 packages only.
#
#   usage: tools/realhv/build-guest.sh OUTDIR
#
# Writes into OUTDIR:
#   vmlinuz      Debian cloud kernel, extracted from its .deb (never installed)
#   initrd.img   busybox-static initramfs; /init prints to ttyS0
#                  "REALHV-BOOT-OK uptime=... disks=[...] cmdline=[...]" once,
#                  "REALHV-DISKS-CHANGED disks=[...]" when /proc/partitions changes,
#                  "REALHV-ALIVE uptime=..." every 5 s;
#                runs busybox acpid (power button -> "REALHV-POWERBUTTON..." then
#                poweroff) unless the kernel command line has realhv_noacpid;
#                prints "REALHV-CONFIG <line>" for each line read from the virtio-serial
#                port org.virtdrivers.config.0 (the driver's configuration channel)
#   disk.raw     64 MiB: MBR + FAT16 + SYSLINUX holding the two files above; boots from
#                disk with console=ttyS0
#   disk.qcow2   the same disk, compressed qcow2
#   stamp        package versions and this script's checksum
# If OUTDIR already has all of them and a stamp that matches, nothing is rebuilt.
#
# Host tools (tools/realhv/setup-libvirt.sh installs them): apt-get, dpkg-deb, sfdisk
# (fdisk), mkfs.fat (dosfstools), mcopy (mtools), syslinux, syslinux-common, qemu-img.
# env: REALHV_SKIP_APT=1  never run apt-get update (apt-get download is still needed)
set -euo pipefail

OUT=$(realpath -m "${1:?usage: $0 OUTDIR}")
SELF=$(realpath "${BASH_SOURCE[0]}")
t0=$(date +%s%N)
tp=$t0
ts() {
  local n
  n=$(date +%s%N)
  printf '[%6dms +%6dms] %s\n' $(((n - t0) / 1000000)) $(((n - tp) / 1000000)) "$*"
  tp=$n
}
die() { echo "build-guest: $*" >&2; exit 1; }

for t in apt-get apt-cache dpkg-deb sfdisk mkfs.fat mcopy syslinux qemu-img gzip; do
  command -v "$t" >/dev/null || die "$t not found (run tools/realhv/setup-libvirt.sh)"
done
MBR=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$MBR" ] || die "$MBR not found (package syslinux-common)"

mkdir -p "$OUT"
# Parallel test workers share the cache directory.
exec 9>"$OUT/.lock"
flock 9

apt_updated=
apt_update() {
  [ -z "$apt_updated" ] || return 1
  [ -z "${REALHV_SKIP_APT:-}" ] && [ "$(id -u)" = 0 ] || return 1
  apt-get update -qq
  apt_updated=1
  ts "apt-get update"
}
kernel_pkg() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}
# "name version" per line; one apt-cache call, as each one parses all package lists
pkg_versions() {
  apt-cache show --no-all-versions "$@" 2>/dev/null |
    awk '/^Package:/{p=$2} /^Version:/{print p, $2}'
}

KPKG=$(kernel_pkg)
if [ -z "$KPKG" ]; then
  apt_update || die "apt-cache knows no linux-image-cloud-amd64 (run apt-get update)"
  KPKG=$(kernel_pkg)
  [ -n "$KPKG" ] || die "apt-cache knows no linux-image-cloud-amd64"
fi
# The artifacts are not byte-reproducible (cpio inode numbers, FAT serial), so the cache
# is keyed on what goes into them.
STAMP="$(pkg_versions "$KPKG" busybox-static)
syslinux $(dpkg-query -W -f '${Version}' syslinux 2>/dev/null || echo '?')
script $(sha256sum "$SELF" | cut -d' ' -f1)"
ARTIFACTS="vmlinuz initrd.img disk.raw disk.qcow2"

cached=1
for f in $ARTIFACTS stamp; do [ -s "$OUT/$f" ] || cached=; done
if [ -n "$cached" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ]; then
  ts "cached in $OUT ($KPKG)"
  exit 0
fi
ts "building into $OUT ($KPKG)"

WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
rm -f "$OUT/stamp"

download() {
  (cd "$WORK" && apt-get download -q "$KPKG" busybox-static) >"$WORK/apt.log" 2>&1
}
if ! download; then
  # Stale package lists point at files the mirror no longer has.
  apt_update || { cat "$WORK/apt.log" >&2; die "apt-get download failed"; }
  download || { cat "$WORK/apt.log" >&2; die "apt-get download failed"; }
fi
ts "downloaded $KPKG busybox-static"

X="$WORK/x"
mkdir -p "$X"
for d in "$WORK"/*.deb; do dpkg-deb -x "$d" "$X"; done
KVER=${KPKG#linux-image-}
MODS="$X/lib/modules/$KVER/kernel"
cp "$X/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
ts "extracted"

R="$WORK/root"
mkdir -p "$R"/{bin,dev,proc,sys,etc/acpi/PWRF,lib/modules}
cp "$X/bin/busybox" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do
  [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"
done
# Load order resolved by hand: modules.dep is generated at install time, not shipped.
MODLIST="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci"
MODLIST="$MODLIST virtio_blk virtio_balloon failover net_failover virtio_net button evdev"
MODLIST="$MODLIST virtio_console"
for m in $MODLIST; do
  ko=$(find "$MODS" -name "$m.ko" -print -quit)
  [ -n "$ko" ] || die "module $m.ko not in $KPKG"
  cp "$ko" "$R/lib/modules/"
done
cat >"$R/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "REALHV-POWERBUTTON: powering off" > /dev/console
sync
poweroff -f
EOF
chmod +x "$R/etc/acpi/PWRF/00000080"
cat >"$R/init" <<EOF
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $MODLIST; do insmod /lib/modules/\$m.ko 2>/dev/null; done
EOF
cat >>"$R/init" <<'EOF'
# kernel arg realhv_noacpid: a guest that ignores ACPI shutdown/reboot requests
grep -q realhv_noacpid /proc/cmdline || acpid -c /etc/acpi -l /dev/null
disks() { awk 'NR>2 && $4 !~ /[0-9]$/ {printf "%s ", $4}' /proc/partitions; }
D=$(disks)
echo "REALHV-BOOT-OK uptime=$(cut -d' ' -f1 /proc/uptime) disks=[$D] cmdline=[$(cat /proc/cmdline)]" > /dev/console
# The configuration channel: a port's /dev node is named by its number, udev (absent)
# makes the /dev/virtio-ports/<name> link. A read returns EOF while the host is not
# connected: open it again a second later.
config_port() {
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat "$p/name" 2>/dev/null)" = org.virtdrivers.config.0 ] && echo "/dev/${p##*/}"
  done
}
(while true; do
  P=$(config_port)
  [ -n "$P" ] && while read -r l; do echo "REALHV-CONFIG $l" > /dev/console; done < "$P"
  sleep 1
done) &
n=0
while true; do
  sleep 1; n=$((n+1))
  N=$(disks)
  if [ "$N" != "$D" ]; then echo "REALHV-DISKS-CHANGED disks=[$N]" > /dev/console; D=$N; fi
  [ $((n % 5)) -eq 0 ] && echo "REALHV-ALIVE uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/console
done
EOF
chmod +x "$R/init"
find "$R" -exec touch -h -d @1 {} +
# busybox's own cpio: no cpio package needed on the host
(cd "$R" && find . | LC_ALL=C sort | "$R/bin/busybox" cpio -o -H newc 2>/dev/null |
  gzip -9n >"$WORK/initrd.img")
ts "initrd.img built"

IMG="$WORK/disk.raw"
truncate -s 64M "$IMG"
echo 'start=2048, type=6, bootable' | sfdisk -q "$IMG"
PSECT=$((64 * 2048 - 2048))
mkfs.fat -F 16 -n REALHV --offset 2048 "$IMG" $((PSECT / 2)) >/dev/null
syslinux --offset $((2048 * 512)) --install "$IMG"
dd if="$MBR" of="$IMG" bs=440 count=1 conv=notrunc status=none
cat >"$WORK/syslinux.cfg" <<'EOF'
SERIAL 0 115200
DEFAULT realhv
PROMPT 0
LABEL realhv
  KERNEL /vmlinuz
  APPEND initrd=/initrd.img console=ttyS0 quiet
EOF
mcopy -i "$IMG@@1M" "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/syslinux.cfg" ::/
ts "disk.raw built"
qemu-img convert -c -f raw -O qcow2 "$IMG" "$WORK/disk.qcow2"
ts "disk.qcow2 built"

for f in $ARTIFACTS; do mv -f "$WORK/$f" "$OUT/$f"; done
printf '%s\n' "$STAMP" >"$OUT/stamp.tmp"
mv -f "$OUT/stamp.tmp" "$OUT/stamp"
ts "done: $ARTIFACTS in $OUT"
