#!/usr/bin/env bash
# A private Docker engine for the tests: `dockerd.sh start DIR` runs Debian's dockerd (as root)
# with all its state under DIR and prints its DOCKER_HOST; `dockerd.sh stop DIR` stops it.
#
# No NAT, no bridge, no iptables rules: containers get host networking or networks a test
# creates, and nothing they do can reach past the machine. dockerd starts its own containerd
# (state under DIR/exec/containerd, DIR/root/containerd) because it is given no --containerd
# and no system containerd runs at /run/containerd/containerd.sock; if one does, this refuses
# to start rather than share it. DOCKERD_EXTRA_ARGS adds flags (e.g. --insecure-registry for a
# test's registry). DOCKERD_BRIDGE=ADDR/PREFIX (e.g. 172.29.7.1/24) gives the engine the default
# bridge network a fresh Docker install has, for tests that run users' `docker run -p …` lines
# as typed: a Linux bridge of its own, named after DIR, with that address (still no iptables
# rules: docker-proxy publishes the ports); `stop` removes it. DIR must be short: the socket path has to stay under the
# kernel's limit for unix socket names (108 bytes), e.g. `mktemp -d /tmp/dk.XXXX`.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  echo "  start: run dockerd with its state in DIR, print DOCKER_HOST (unix://DIR/docker.sock)" >&2
  echo "  stop:  stop the dockerd started in DIR (SIGTERM, wait, unmount what is left)" >&2
  exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
# The client from Debian's docker.io, not whatever else is first on PATH.
docker_cli=${DOCKER_CLI:-/usr/bin/docker}
start_timeout=${DOCKERD_START_TIMEOUT:-60}
stop_timeout=${DOCKERD_STOP_TIMEOUT:-40}

die() { echo "dockerd.sh: $*" >&2; exit 1; }

log_tail() {
  if [ -f "$dir/dockerd.log" ]; then
    echo "--- last 30 lines of $dir/dockerd.log ---" >&2
    tail -n 30 "$dir/dockerd.log" >&2
  fi
}

# The pid of the dockerd started in DIR, if it is still alive (and is a dockerd).
running_pid() {
  local pid
  for f in "$dir/pid" "$dir/launch.pid"; do
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if [ -d "/proc/$pid" ] && grep -qa dockerd "/proc/$pid/cmdline" 2>/dev/null; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# Mount points at or below DIR, deepest first.
mounts_under() {
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

start() {
  [ "$(id -u)" = 0 ] || die "run as root (dockerd needs it)"
  command -v dockerd >/dev/null || die "dockerd not found: install Debian's docker.io (bash scripts/setup.sh)"
  [ -x "$docker_cli" ] || die "$docker_cli not found: install Debian's docker.io (bash scripts/setup.sh)"
  # containerd's own sockets live deeper (exec/containerd/containerd.sock.ttrpc): keep room.
  check_length() {
    if [ $(( ${#1} + 40 )) -gt 100 ]; then
      die "DIR is too long (${#1} characters): unix socket paths below it would pass the kernel's limit; use e.g. \$(mktemp -d /tmp/dk.XXXX)"
    fi
  }
  case $dir in /*) check_length "$dir" ;; *) check_length "$PWD/$dir" ;; esac
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  check_length "$dir"
  local sock=$dir/docker.sock
  if pid=$(running_pid); then
    die "a dockerd (pid $pid) already runs with its state in $dir"
  fi
  if [ -S /run/containerd/containerd.sock ]; then
    die "a system containerd runs at /run/containerd/containerd.sock; dockerd would share it instead of starting its own. Stop it, or use that engine's DOCKER_HOST."
  fi
  rm -f "$dir/pid" "$dir/launch.pid" "$sock"
  local bridge_arg=--bridge=none
  if [ -n "${DOCKERD_BRIDGE:-}" ]; then
    # Linux interface names have at most 15 characters.
    local br
    br=nxl-$(basename "$dir" | tr -dc 'A-Za-z0-9' | tail -c 11)
    ip link add "$br" type bridge || die "cannot create the bridge $br (DOCKERD_BRIDGE=$DOCKERD_BRIDGE)"
    echo "$br" >"$dir/bridge"
    ip addr add "$DOCKERD_BRIDGE" dev "$br" || die "cannot give the bridge $br the address $DOCKERD_BRIDGE"
    ip link set "$br" up
    bridge_arg=--bridge=$br
  fi
  # setsid: dockerd outlives this script and no terminal signal reaches it.
  setsid dockerd \
    --iptables=false --ip6tables=false "$bridge_arg" \
    --storage-driver=overlay2 \
    --data-root="$dir/root" --exec-root="$dir/exec" \
    -H "unix://$sock" --pidfile="$dir/pid" \
    ${DOCKERD_EXTRA_ARGS:-} \
    </dev/null >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/launch.pid"
  local launched=$! waited=0
  until "$docker_cli" -H "unix://$sock" version >/dev/null 2>&1; do
    if ! [ -d "/proc/$launched" ] && ! running_pid >/dev/null; then
      log_tail
      die "dockerd exited while starting (log: $dir/dockerd.log)"
    fi
    if [ "$waited" -ge $(( start_timeout * 4 )) ]; then
      log_tail
      die "dockerd did not answer on unix://$sock within ${start_timeout}s (log: $dir/dockerd.log); stop it with: $0 stop $dir"
    fi
    sleep 0.25
    waited=$(( waited + 1 ))
  done
  echo "unix://$sock"
}

stop() {
  [ -d "$dir" ] || die "$dir does not exist"
  dir=$(cd "$dir" && pwd -P)
  local pid waited=0
  if pid=$(running_pid); then
    # SIGTERM: dockerd stops its containers (up to its shutdown timeout), then its containerd.
    kill -TERM "$pid"
    while [ -d "/proc/$pid" ]; do
      if [ "$waited" -ge $(( stop_timeout * 4 )) ]; then
        echo "dockerd.sh: dockerd (pid $pid) still runs after ${stop_timeout}s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
        break
      fi
      sleep 0.25
      waited=$(( waited + 1 ))
    done
  fi
  # What a killed dockerd leaves behind: its containerd and container shims (found by the
  # socket path under DIR on their command line), then mounts under DIR.
  local p
  for p in $(grep -lasF -- "$dir/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    case $(cat "/proc/$p/comm" 2>/dev/null) in
      containerd*) kill -KILL "$p" 2>/dev/null || true ;;
    esac
  done
  local m
  for m in $(mounts_under); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  if [ -n "$(mounts_under)" ]; then
    echo "dockerd.sh: still mounted under $dir:" >&2
    mounts_under >&2
    exit 1
  fi
  if [ -f "$dir/bridge" ]; then
    ip link del "$(cat "$dir/bridge")" 2>/dev/null || true
    rm -f "$dir/bridge"
  fi
  rm -f "$dir/pid" "$dir/launch.pid"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
