#!/usr/bin/env bash
# Stop the cluster scripts/ceph/start-rgw.sh made in DIR and remove DIR.
#
#   scripts/ceph/stop-rgw.sh [DIR=/tmp/quire-ceph]
#
# Only the PIDs listed in DIR/pids are signalled, and only while they still are a Ceph daemon
# (a PID reused by another program is left alone): TERM, then KILL after a bounded wait.
# Never kills by name. A DIR without start-rgw.sh's mark is not removed (nor, with
# QUIRE_CEPH_KEEP_DIR=1, a marked one).
set -euo pipefail

DIR=${1:-/tmp/quire-ceph}
MARK=.quire-ceph
GRACE=${QUIRE_CEPH_STOP_WAIT:-15} # seconds between TERM and KILL, for each daemon

if [[ ! -e $DIR ]]; then
  echo "stop-rgw: $DIR does not exist: nothing to do"
  exit 0
fi
if [[ ! -f $DIR/$MARK ]]; then
  echo "stop-rgw: $DIR was not made by start-rgw.sh (no $MARK): refusing to touch it" >&2
  exit 2
fi

is_ours () { # is_ours PID: still running and one of the daemons start-rgw.sh runs
  local comm stat tasks
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  [[ $comm == ceph-mon || $comm == ceph-osd || $comm == radosgw ]] || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # A zombie is gone, unless only its main thread has exited and other threads still run.
  if [[ ${stat:0:1} == Z ]]; then
    tasks=(/proc/"$1"/task/*)
    ((${#tasks[@]} > 1)) || return 1
  fi
  return 0
}

pids=()
if [[ -f $DIR/pids ]]; then
  while read -r pid; do
    [[ $pid =~ ^[0-9]+$ ]] && pids=("$pid" "${pids[@]}")   # reversed: gateway, OSD, then monitor
  done <"$DIR/pids"
fi

stop_one () { # stop_one PID: TERM, wait up to GRACE s, then KILL and wait up to 5 s more
  local pid=$1 t
  is_ours "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((t = 0; t < GRACE * 10; t++)); do
    is_ours "$pid" || return 0
    sleep 0.1
  done
  echo "stop-rgw: pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) did not stop in $GRACE s: KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((t = 0; t < 50; t++)); do
    is_ours "$pid" || return 0
    sleep 0.1
  done
  echo "stop-rgw: pid $pid still there after KILL" >&2
}

# One at a time: radosgw shuts down cleanly in well under a second while the OSD and monitor are
# up, but waits on them (and is KILLed after GRACE) when they go first.
for pid in "${pids[@]}"; do stop_one "$pid"; done

if [[ ${QUIRE_CEPH_KEEP_DIR:-} == 1 ]]; then   # start-rgw.sh keeps a failed start's logs
  rm -f -- "$DIR/pids"
  echo "stop-rgw: stopped ${#pids[@]} daemon(s), kept $DIR"
  exit 0
fi
rm -rf --one-file-system -- "$DIR"
echo "stop-rgw: stopped ${#pids[@]} daemon(s), removed $DIR"
