#!/usr/bin/env bash
# Stop the cluster scripts/ceph/start-rgw.sh made in DIR and remove DIR.
#
#   scripts/ceph/stop-rgw.sh [DIR=/tmp/quire-ceph]
#
# Only the PIDs listed in DIR/pids are signalled, and only while they still are a Ceph daemon
# (a PID reused by another program is left alone): TERM, then KILL after a bounded wait.
# Never kills by name. A DIR without start-rgw.sh's mark is not removed.
set -euo pipefail

DIR=${1:-/tmp/quire-ceph}
MARK=.quire-ceph
GRACE=${QUIRE_CEPH_STOP_WAIT:-20} # seconds between TERM and KILL

if [[ ! -e $DIR ]]; then
  echo "stop-rgw: $DIR does not exist: nothing to do"
  exit 0
fi
if [[ ! -f $DIR/$MARK ]]; then
  echo "stop-rgw: $DIR was not made by start-rgw.sh (no $MARK): refusing to touch it" >&2
  exit 2
fi

is_ours () { # is_ours PID: alive (not a zombie) and one of the daemons start-rgw.sh runs
  local comm stat
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]] || return 1
  [[ $comm == ceph-mon || $comm == ceph-osd || $comm == radosgw ]]
}

pids=()
if [[ -f $DIR/pids ]]; then
  while read -r pid; do
    [[ $pid =~ ^[0-9]+$ ]] && pids=("$pid" "${pids[@]}")   # reversed: gateway, OSD, then monitor
  done <"$DIR/pids"
fi

left=()
for pid in "${pids[@]}"; do
  if is_ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    left+=("$pid")
  fi
done

deadline=$((SECONDS + GRACE))
while ((${#left[@]})) && ((SECONDS < deadline)); do
  still=()
  for pid in "${left[@]}"; do is_ours "$pid" && still+=("$pid"); done
  left=("${still[@]}")
  ((${#left[@]})) && sleep 0.2
done
for pid in "${left[@]}"; do
  if is_ours "$pid"; then
    echo "stop-rgw: pid $pid did not stop in $GRACE s: KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
done
# A killed process is gone from /proc only once reaped; wait a little for that too.
for _ in $(seq 50); do
  alive=0
  for pid in "${left[@]}"; do is_ours "$pid" && alive=1; done
  ((alive)) || break
  sleep 0.1
done

rm -rf --one-file-system -- "$DIR"
echo "stop-rgw: stopped ${#pids[@]} daemon(s), removed $DIR"
