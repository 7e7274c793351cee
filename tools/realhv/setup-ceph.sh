#!/bin/bash
# A single-node Ceph cluster (Debian 12's ceph 16.2 "pacific") in one directory, for
# the RBD tests (virtdrivers/tests/realhv/test_rbd*.py). No systemd, no /etc/ceph:
# one monitor, one manager (pool statistics need it) and one memstore OSD, all on
# 127.0.0.1. About 10 s to start once the packages are installed.
#
#   usage: tools/realhv/setup-ceph.sh install       install the packages (as root)
#          tools/realhv/setup-ceph.sh start DIR     install, then build and start a
#                                                   cluster in DIR (safe to run again:
#                                                   a cluster that answers is kept)
#          tools/realhv/setup-ceph.sh stop DIR      stop its daemons and remove DIR
#
# After start the last lines are KEY=value pairs:
#   CEPH_CONF=DIR/ceph.conf   the client configuration (cephx keyring included)
#   CEPH_POOL=rbd             the RBD pool
#   CEPH_EXTRA_POOLS=images   the other pools (CEPH_EXTRA_POOLS)
#   CEPH_USER=virtdrivers     a client with "profile rbd" caps on those pools
#   CEPH_KEY=...              its cephx key (what a libvirt secret holds)
#   CEPH_FSID=...
# The client.admin key is in DIR/keyring as well (CEPH_CONF names it).
#
# env:
#   REALHV_SKIP_APT=1        never run apt-get (fail if a package is missing)
#   CEPH_MON_PORT (6789), CEPH_MON_PORT2 (3300)
#                            the monitor's msgr v1 and v2 ports; another cluster on
#                            this host needs others (the OSD and mgr pick free ones)
#   CEPH_POOL (rbd)          the pool to create
#   CEPH_EXTRA_POOLS (images) more pools (Glance's, say); the client may use them too
#   CEPH_MEMSTORE_BYTES      the OSD's capacity (default 2 GiB, held in RAM as used)
set -euo pipefail

PKGS="ceph-mon ceph-osd ceph-mgr ceph-common python3-rados python3-rbd qemu-block-extra
  qemu-utils uuid-runtime"
CLIENT=virtdrivers

die() { echo "setup-ceph: $*" >&2; exit 1; }
now() { date +%s.%N; }
t0=$(now)
elapsed() { awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }

install_packages() {
  local missing=() p st
  # shellcheck disable=SC2086  # the list is split on purpose
  for p in $PKGS; do
    st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "not root; cannot install ${missing[*]}"
  [ -z "${REALHV_SKIP_APT:-}" ] || die "REALHV_SKIP_APT is set but packages are missing: ${missing[*]}"
  command -v apt-get >/dev/null || die "apt-get not found; missing: ${missing[*]}"
  # Two test processes may install at once; dpkg cannot.
  mkdir -p /run/lock
  exec 9>/run/lock/virtdrivers-realhv-setup.lock
  flock 9
  export DEBIAN_FRONTEND=noninteractive
  # The postinst scripts complain that systemd is not running: harmless, they only
  # try to enable units.
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    die "apt-get install ${missing[*]} failed"
  exec 9>&-
  echo "setup-ceph: installed ${missing[*]} in $(elapsed)s"
}

# SIGTERM the daemons of the given pid files, wait up to 10 s, then SIGKILL.
kill_wait() {
  local pids=() pf pid alive
  for pf in "$@"; do
    [ -e "$pf" ] || continue
    pid=$(cat "$pf")
    rm -f "$pf"
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  [ ${#pids[@]} -eq 0 ] && return 0
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

stop_cluster() {
  local d=$1
  [ -d "$d" ] || return 0
  # DIR is removed: never a directory that holds something else.
  if [ -n "$(ls -A "$d")" ] && [ ! -e "$d/ceph.conf" ] && [ ! -d "$d/run" ]; then
    die "$d is not empty and holds no cluster; not touching it"
  fi
  # The OSD first: stopped after the monitor it waits ~5 s for it.
  kill_wait "$d"/run/osd.*.pid
  kill_wait "$d"/run/*.pid
  rm -rf "$d"
}

answers() {
  [ -f "$1/ceph.conf" ] && [ -f "$1/client.env" ] &&
    timeout 15 ceph --conf "$1/ceph.conf" --connect-timeout 5 health >/dev/null 2>&1 &&
    timeout 15 rados --conf "$1/ceph.conf" -p "$(sed -n 's/^CEPH_POOL=//p' "$1/client.env")" \
      stat _virtdrivers_ready >/dev/null 2>&1
}

write_conf() {
  local d=$1 fsid=$2
  cat >"$d/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$MON_PORT2,v1:127.0.0.1:$MON_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = $d/keyring
run dir = $d/run
pid file = $d/run/\$name.pid
admin socket = $d/run/\$name.asok
log file = $d/log/\$name.log
log to stderr = false
err to stderr = true
crash dir = $d/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1

[mon]
mon data = $d/\$name
; Snapshot ids and pool changes are map updates; proposing them every 1 s
; (the default) makes each snapshot take a second.
paxos propose interval = 0.01
paxos min wait = 0.001
mon cluster log file = $d/log/cluster.log

[mgr]
mgr data = $d/\$name
keyring = $d/\$name/keyring
mgr initial modules =

[osd]
osd data = $d/\$name
; Its own keyring: with only [global]'s, mkfs --key would overwrite the admin's.
keyring = $d/\$name/keyring
osd objectstore = memstore
memstore device bytes = ${CEPH_MEMSTORE_BYTES:-2147483648}
osd memory target = 1073741824
osd max object name len = 460
osd max object namespace len = 64
EOF
}

start_cluster() {
  local d=$1 fsid osd_uuid osd_key key
  if answers "$d"; then
    echo "setup-ceph: the cluster in $d answers; kept"
    cat "$d/client.env"
    return 0
  fi
  # Anything else there (a crashed cluster: memstore data died with its OSD) is
  # rebuilt from scratch.
  stop_cluster "$d"
  mkdir -p "$d"/{run,log,crash,mon.a,mgr.x,osd.0}
  fsid=$(uuidgen)
  osd_uuid=$(uuidgen)
  write_conf "$d" "$fsid"
  export CEPH_CONF="$d/ceph.conf"

  ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$d/keyring" --gen-key -n client.admin --cap mon 'allow *' \
    --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" \
    --addv a "[v2:127.0.0.1:$MON_PORT2,v1:127.0.0.1:$MON_PORT]" "$d/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$d/monmap" --keyring "$d/keyring" ||
    die "ceph-mon --mkfs failed; see $d/log"
  ceph-mon -i a 2>>"$d/log/daemons.err" || die "ceph-mon did not start; see $d/log/mon.a.log"
  for _ in $(seq 60); do
    ceph --connect-timeout 2 mon stat >/dev/null 2>&1 && break
    sleep 0.5
  done
  ceph --connect-timeout 5 mon stat >/dev/null 2>&1 ||
    die "the monitor did not answer on 127.0.0.1:$MON_PORT; see $d/log/mon.a.log"
  echo "setup-ceph: mon up at $(elapsed)s"

  ceph auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' \
    -o "$d/mgr.x/keyring" >/dev/null
  ceph-mgr -i x 2>>"$d/log/daemons.err" || die "ceph-mgr did not start; see $d/log/mgr.x.log"

  osd_key=$(ceph-authtool --gen-print-key)
  printf '{"cephx_secret": "%s"}\n' "$osd_key" >"$d/osd-secret.json"
  [ "$(ceph osd new "$osd_uuid" -i "$d/osd-secret.json")" = 0 ] || die "ceph osd new failed"
  printf '[osd.0]\n\tkey = %s\n' "$osd_key" >"$d/osd.0/keyring"
  ceph-osd -i 0 --mkfs --osd-uuid "$osd_uuid" --key "$osd_key" >"$d/log/osd-mkfs.out" 2>&1 ||
    die "ceph-osd --mkfs failed; see $d/log/osd-mkfs.out"
  ceph-osd -i 0 2>>"$d/log/daemons.err" || die "ceph-osd did not start; see $d/log/osd.0.log"
  for _ in $(seq 120); do
    ceph osd dump 2>/dev/null | grep -q '^osd.0 up' && break
    sleep 0.5
  done
  ceph osd dump | grep -q '^osd.0 up' || die "osd.0 is not up; see $d/log/osd.0.log"
  echo "setup-ceph: osd up at $(elapsed)s"

  local pool osd_caps="" mgr_caps=""
  for pool in $POOL $EXTRA_POOLS; do
    ceph osd pool create "$pool" 8 8 replicated >/dev/null 2>&1 || die "pool $pool not created"
  done
  # What "rbd pool init" does, without its wait for the PGs (the I/O check
  # below waits for all pools at once).
  for pool in $POOL $EXTRA_POOLS; do
    ceph osd pool application enable "$pool" rbd >/dev/null 2>&1 ||
      die "pool $pool cannot be given to rbd"
    osd_caps="${osd_caps:+$osd_caps, }profile rbd pool=$pool"
    mgr_caps="${mgr_caps:+$mgr_caps, }profile rbd pool=$pool"
  done
  # What Nova's rbd_user usually is: RBD rights on its pools only.
  key=$(ceph auth get-or-create-key "client.$CLIENT" mon 'profile rbd' \
    osd "$osd_caps" mgr "$mgr_caps")
  ceph-authtool "$d/keyring" -n "client.$CLIENT" --add-key "$key" >/dev/null
  # The PGs take a few seconds to become active: wait until I/O works. The marker
  # object also tells answers() that this cluster was completely set up.
  for pool in $EXTRA_POOLS $POOL; do
    for _ in $(seq 120); do
      timeout 10 rados -p "$pool" put _virtdrivers_ready "$d/ceph.conf" 2>/dev/null && break
      sleep 0.2
    done
    rados -p "$pool" stat _virtdrivers_ready >/dev/null 2>&1 || die "no I/O to pool $pool"
  done
  # Pool statistics (what capacity() reads) come from the mgr's reports:
  # wait for the first one rather than let the first reader find none.
  for _ in $(seq 150); do
    ceph df --format=json 2>/dev/null | grep -q "\"name\":\"$POOL\"" && break
    sleep 0.2
  done
  ceph df --format=json 2>/dev/null | grep -q "\"name\":\"$POOL\"" ||
    echo "setup-ceph: warning: no pool statistics yet (ceph-mgr slow?)" >&2
  {
    echo "CEPH_CONF=$d/ceph.conf"
    echo "CEPH_POOL=$POOL"
    echo "CEPH_EXTRA_POOLS=$EXTRA_POOLS"
    echo "CEPH_USER=$CLIENT"
    echo "CEPH_KEY=$key"
    echo "CEPH_FSID=$fsid"
  } >"$d/client.env"
  echo "setup-ceph: pool $POOL usable at $(elapsed)s"
  cat "$d/client.env"
}

cmd=${1:-}
MON_PORT=${CEPH_MON_PORT:-6789}
MON_PORT2=${CEPH_MON_PORT2:-3300}
POOL=${CEPH_POOL:-rbd}
EXTRA_POOLS=${CEPH_EXTRA_POOLS-images}
case "$cmd" in
  install) install_packages ;;
  start)
    [ -n "${2:-}" ] || die "usage: $0 start DIR"
    install_packages
    start_cluster "$(realpath -m "$2")"
    ;;
  stop)
    [ -n "${2:-}" ] || die "usage: $0 stop DIR"
    stop_cluster "$(realpath -m "$2")"
    ;;
  *) die "usage: $0 install | start DIR | stop DIR" ;;
esac
