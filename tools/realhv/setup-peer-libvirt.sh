#!/bin/bash
# A second libvirtd + virtlogd on this machine, as a separate "host" to live-migrate to
# (virtdrivers/tests/realhv). The main daemons (tools/realhv/setup-libvirt.sh) are never
# touched.
#
#   usage: tools/realhv/setup-peer-libvirt.sh [start|stop|status]   (as root; start is
#          safe to run again: a peer that answers is left alone)
#
# The peer runs in its own mount and UTS namespaces (unshare): another hostname and
# another host UUID, so libvirt does not take it for the same host, and private copies of
# /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt
# (bind mounts of directories under $REALHV_PEER_STATE_DIR). Everything else is shared:
# disks in one directory are "shared storage", disks in a directory of each host's own
# are not. It listens on TCP at $REALHV_PEER_ADDR without authentication, so the main
# libvirtd reaches it as qemu+tcp://$REALHV_PEER_ADDR/system; QEMU's migration stream
# goes over the same address, on ports of the peer's own range.
#
# env:
#   REALHV_PEER_ADDR       listen address, in 127.0.0.0/8 (default 127.0.0.2)
#   REALHV_PEER_HOSTNAME   the peer's hostname (default realhv-peer)
#   REALHV_PEER_STATE_DIR  its state (default /run/virtdrivers-realhv-peer)
#
# start prints, last, REALHV_PEER_URI=..., REALHV_PEER_HOSTNAME=... and
# REALHV_PEER_ADDR=...; stop destroys the peer's guests and stops its daemons.
set -euo pipefail

ADDR=${REALHV_PEER_ADDR:-127.0.0.2}
NAME=${REALHV_PEER_HOSTNAME:-realhv-peer}
STATE=${REALHV_PEER_STATE_DIR:-/run/virtdrivers-realhv-peer}
URI="qemu+tcp://$ADDR/system"
ACTION=${1:-start}

die() { echo "setup-peer-libvirt: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
case "$ADDR" in 127.*) ;; *) die "REALHV_PEER_ADDR=$ADDR is not in 127.0.0.0/8" ;; esac
command -v unshare >/dev/null || die "unshare not found (util-linux)"

LOCK=/run/lock/virtdrivers-realhv-peer.lock
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
flock 9

answers() { virsh -q -c "$URI" version >/dev/null 2>&1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

report() {
  echo "REALHV_PEER_URI=$URI"
  echo "REALHV_PEER_HOSTNAME=$NAME"
  echo "REALHV_PEER_ADDR=$ADDR"
}

stop_peer() {
  local dom pidfile pid i
  if answers; then
    for dom in $(virsh -q -c "$URI" list --all --uuid 2>/dev/null); do
      virsh -q -c "$URI" destroy "$dom" >/dev/null 2>&1 || true
      virsh -q -c "$URI" undefine --nvram "$dom" >/dev/null 2>&1 ||
        virsh -q -c "$URI" undefine "$dom" >/dev/null 2>&1 || true
    done
  fi
  for pidfile in "$STATE/libvirtd.pid" "$STATE/virtlogd.pid"; do
    alive "$pidfile" || continue
    pid=$(cat "$pidfile")
    kill "$pid"
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    rm -f "$pidfile"
  done
}

write_config() {
  mkdir -p "$STATE"/{etc,run,lib/qemu,lib/images,cache,log/qemu}
  # The main host's daemon settings (qemu.conf...), with the peer's differences; not
  # its domains, pools or secrets (the subdirectories).
  rm -rf "${STATE:?}/etc" && mkdir -p "$STATE/etc"
  find /etc/libvirt -maxdepth 1 -type f -name '*.conf' -exec cp {} "$STATE/etc/" \;
  cat >"$STATE/etc/libvirtd.conf" <<EOF
# written by virtdrivers tools/realhv/setup-peer-libvirt.sh
listen_tls = 0
listen_tcp = 1
listen_addr = "$ADDR"
auth_tcp = "none"
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
EOF
  cat >>"$STATE/etc/qemu.conf" <<EOF
# the peer host (setup-peer-libvirt.sh): its own ports, on its own address
migration_address = "$ADDR"
migration_host = "$ADDR"
migration_port_min = 49280
migration_port_max = 49343
remote_display_port_min = 6900
remote_display_port_max = 6999
EOF
}

start_peer() {
  local errlog=$STATE/daemons.log
  # The daemons must not keep our stdout or the lock (fd 9).
  unshare --mount --uts --propagation private -- bash -euc '
    STATE=$1 NAME=$2
    hostname "$NAME"
    mount --bind "$STATE/etc" /etc/libvirt
    mount --bind "$STATE/run" /run/libvirt
    mount --bind "$STATE/lib" /var/lib/libvirt
    mount --bind "$STATE/cache" /var/cache/libvirt
    mount --bind "$STATE/log" /var/log/libvirt
    virtlogd -d -p "$STATE/virtlogd.pid"
    libvirtd -d -l -p "$STATE/libvirtd.pid" -f /etc/libvirt/libvirtd.conf
  ' peer "$STATE" "$NAME" </dev/null >>"$errlog" 2>&1 9>&-
  local i
  for i in $(seq 1 600); do
    answers && return 0
    sleep 0.1
  done
  tail -n 5 "$errlog" >&2 || true
  die "the peer libvirtd does not answer on $URI"
}

case "$ACTION" in
  start)
    if answers; then
      echo "peer libvirtd already answering on $URI: left alone"
    else
      stop_peer
      mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
      write_config
      start_peer
      echo "peer libvirtd answering on $URI (pid $(cat "$STATE/libvirtd.pid"))"
    fi
    peer_host=$(virsh -q -c "$URI" hostname 2>/dev/null || true)
    [ "$peer_host" = "$NAME" ] ||
      die "$URI answers as host '$peer_host', not '$NAME' (another daemon on $ADDR?)"
    report
    ;;
  stop)
    stop_peer
    echo "peer libvirtd on $URI stopped"
    ;;
  status)
    answers || die "no peer libvirtd answers on $URI"
    report
    ;;
  *) die "unknown action '$ACTION' (start, stop or status)" ;;
esac
