#!/usr/bin/env bash
# Bring up a throw-away one-node Ceph cluster (1 mon, 1 BlueStore OSD on a sparse file, no mgr,
# auth off) with the RADOS Gateway serving S3 on 127.0.0.1:PORT, for tests.
#
#   scripts/ceph/start-rgw.sh [DIR=/tmp/quire-ceph] [PORT=7480]
#
# Installs the Debian packages radosgw, ceph-mon, ceph-osd if missing (needs root).
# Writes DIR/env (QUIRE_TEST_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION)
# and DIR/pids (one PID a line: mon, osd, rgw). Stop with scripts/ceph/stop-rgw.sh DIR.
# If DIR already holds a cluster this script started and it still answers, it is left as is;
# if it holds one that does not, that one is stopped and replaced.
# Environment: QUIRE_CEPH_WAIT (s, default 120) bounds each wait; QUIRE_CEPH_BLOCK_GIB (default
# 20) sizes the OSD's sparse file; QUIRE_CEPH_KEEP_ON_FAIL=1 leaves the daemons up after a failure.
# Every daemon binds to 127.0.0.1 only: mon on 3300 (msgr2) and 6789 (msgr1), the OSD in
# 6800-7300, radosgw on PORT.
set -euo pipefail

DIR=${1:-/tmp/quire-ceph}
PORT=${2:-7480}
HERE=$(cd "$(dirname "$0")" && pwd)
MARK=.quire-ceph            # marks a directory this script made, so stop-rgw.sh may remove it
ACCESS_KEY=QUIRETESTACCESSKEY00
SECRET_KEY=quire-test-secret-key-0000000000000000000
REGION=us-east-1
WAIT=${QUIRE_CEPH_WAIT:-120} # seconds each daemon gets to come up
BLOCK_GIB=${QUIRE_CEPH_BLOCK_GIB:-20} # size of the OSD's sparse block file
PKGS=(radosgw ceph-mon ceph-osd)

case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
[[ $PORT =~ ^[0-9]+$ ]] || { echo "start-rgw: PORT must be a number, got '$PORT'" >&2; exit 2; }
ENDPOINT=http://127.0.0.1:$PORT

T0=$EPOCHREALTIME
phase_start=$T0
secs () { awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $1}"; }
phase () { # phase NAME: print how long the phase since the last call took
  printf 'start-rgw: %-10s %6s s\n' "$1" "$(secs "$phase_start")"
  phase_start=$EPOCHREALTIME
}

fail () { # fail MESSAGE: print it with the tail of every log, stop the daemons, keep DIR, exit 1
  trap - ERR
  echo "start-rgw: ERROR: $*" >&2
  local f
  for f in "$DIR"/log/*; do
    [[ -s $f ]] || continue
    echo "---- tail of $f" >&2
    tail -n 30 "$f" >&2
  done
  if [[ ${QUIRE_CEPH_KEEP_ON_FAIL:-} == 1 ]]; then
    echo "start-rgw: daemons left running (QUIRE_CEPH_KEEP_ON_FAIL=1); stop them with: $HERE/stop-rgw.sh $DIR" >&2
  elif [[ -f $DIR/$MARK ]]; then
    QUIRE_CEPH_KEEP_DIR=1 "$HERE/stop-rgw.sh" "$DIR" >&2 || true
    echo "start-rgw: logs kept in $DIR/log; remove it with: $HERE/stop-rgw.sh $DIR" >&2
  fi
  exit 1
}

s3_answers () { # anonymous ListBuckets answers 200 once the gateway serves
  [[ $(curl -s -o /dev/null -m 5 -w '%{http_code}' "$ENDPOINT/" 2>/dev/null) == 200 ]]
}

# ---- already running? ---------------------------------------------------------------------------
if [[ -f $DIR/$MARK && -f $DIR/pids && -f $DIR/env ]]; then
  alive=1
  while read -r pid; do
    [[ -n $pid ]] || continue
    kill -0 "$pid" 2>/dev/null || alive=0
  done <"$DIR/pids"
  if ((alive)) && grep -qx "QUIRE_TEST_S3_ENDPOINT=$ENDPOINT" "$DIR/env" && s3_answers; then
    echo "start-rgw: already running in $DIR ($ENDPOINT)"
    exit 0
  fi
fi
if [[ -e $DIR ]]; then
  if [[ -f $DIR/$MARK ]]; then
    echo "start-rgw: $DIR holds an old cluster: stopping it and starting afresh"
    "$HERE/stop-rgw.sh" "$DIR"
  elif [[ -n $(ls -A "$DIR") ]]; then
    echo "start-rgw: $DIR exists, is not empty and was not made by this script: refusing" >&2
    exit 2
  fi
fi

# ---- install ------------------------------------------------------------------------------------
missing=()
for p in "${PKGS[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == 'install ok installed' ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  ((EUID == 0)) || { echo "start-rgw: must run as root to install ${missing[*]}" >&2; exit 2; }
  export DEBIAN_FRONTEND=noninteractive
  apt_install () {
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=120 \
      -o Dpkg::Options::=--force-unsafe-io "${missing[@]}"
  }
  # An old package list can name versions the mirror no longer has: update, then try once more.
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1 || ! apt_install; then
    apt-get update -q -o DPkg::Lock::Timeout=120
    apt_install
  fi
fi
phase install

# ---- config -------------------------------------------------------------------------------------
for p in 3300 6789 "$PORT"; do
  if ss -ltnH "sport = :$p" | grep -q .; then
    echo "start-rgw: something already listens on port $p:" >&2
    ss -ltnp "sport = :$p" >&2
    exit 2
  fi
done

mkdir -p "$DIR"
touch "$DIR/$MARK"
trap 'fail "line $LINENO: a command failed (exit $?)"' ERR
mkdir -p "$DIR"/{log,run,mon,osd,rgw,crash}
: >"$DIR/pids"
FSID=$(cat /proc/sys/kernel/random/uuid)
CONF=$DIR/ceph.conf
export CEPH_CONF=$CONF   # every ceph tool below reads this config, never /etc/ceph
cat >"$CONF" <<EOF
# One-node test cluster made by $0: not for data anyone wants to keep.
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.0/8
# No authentication. With auth none the msgr2 'secure' mode has no session key, so clients
# must speak 'crc' to the monitor, or radosgw cannot connect.
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
# global_id reclaim is a cephx matter: no health warning about it.
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
keyring = $DIR/keyring
# One OSD: pools of one replica, no warnings about it.
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
# Few placement groups (radosgw makes about 8 pools), no autoscaler (that is a mgr module).
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
# Each map change (pool create, crush update, OSD boot) waits out the proposal interval: 1 s by
# default, which made radosgw's first start take about 10 s.
paxos propose interval = 0.05
# Everything under DIR.
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
mon cluster log file = $DIR/log/cluster.log
crash dir = $DIR/crash
pid file = $DIR/run/\$name.pid
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id

[mon]
# The disk is shared with the rest of the machine: warn late, never stop the monitor for it.
mon data avail warn = 2
mon data avail crit = 1

[osd]
osd objectstore = bluestore
bluestore block create = true
bluestore block size = $((BLOCK_GIB << 30))
bluestore fsck on mkfs = false
osd memory target = 1073741824

[client.rgw.a]
rgw data = $DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$PORT
EOF

ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null

start_daemon () { # start_daemon NAME COMMAND...: run it in the foreground mode, detached, record its PID
  local name=$1; shift
  setsid "$@" -f </dev/null >"$DIR/log/$name.out" 2>&1 &
  local pid=$!
  echo "$pid" >>"$DIR/pids"
  echo "start-rgw: started $name, pid $pid"
}

wait_for () { # wait_for WHAT COMMAND...: retry COMMAND every 0.5 s for up to WAIT seconds
  local what=$1; shift
  local t=$EPOCHREALTIME
  until "$@" >/dev/null 2>&1; do
    if awk "BEGIN{exit !($EPOCHREALTIME - $t > $WAIT)}"; then fail "$what not ready after $WAIT s"; fi
    while read -r pid; do
      kill -0 "$pid" 2>/dev/null || fail "daemon pid $pid exited while waiting for $what"
    done <"$DIR/pids"
    sleep 0.5
  done
}

ceph_q () { ceph --connect-timeout 10 "$@"; }

# ---- monitor ------------------------------------------------------------------------------------
monmaptool --create --fsid "$FSID" --addv a '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]' "$DIR/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" >"$DIR/log/mon-mkfs.out" 2>&1 \
  || fail "ceph-mon --mkfs failed"
start_daemon mon.a ceph-mon -i a
wait_for "the monitor" ceph_q mon stat
phase mon

# ---- OSD ----------------------------------------------------------------------------------------
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(ceph_q osd new "$OSD_UUID") || fail "ceph osd new failed"
mkdir -p "$DIR/osd/ceph-$OSD_ID"
ceph-osd -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd-mkfs.out" 2>&1 || fail "ceph-osd --mkfs failed"
start_daemon "osd.$OSD_ID" ceph-osd -i "$OSD_ID"
osd_up () { ceph_q osd stat -f json | grep -q '"num_up_osds":1,'; }
wait_for "the OSD" osd_up
phase osd

# ---- gateway ------------------------------------------------------------------------------------
start_daemon rgw.a radosgw -n client.rgw.a
wait_for "radosgw on $ENDPOINT" s3_answers
# The user is made once the gateway has made its zone and pools, so the two never race.
radosgw-admin user create --uid=quire-test --display-name='Quire tests' \
  --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$DIR/log/user-create.out" 2>&1 \
  || fail "radosgw-admin user create failed"
cat >"$DIR/env" <<EOF
QUIRE_TEST_S3_ENDPOINT=$ENDPOINT
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
AWS_REGION=$REGION
EOF
phase rgw-ready
printf 'start-rgw: ready in %s s: %s (env in %s/env, pids in %s/pids)\n' "$(secs "$T0")" "$ENDPOINT" "$DIR" "$DIR"
