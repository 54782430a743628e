#!/usr/bin/env bash
# A real two-node Docker Swarm on one machine, for the swarm hub target's test:
#   swarm.sh start DIR   two network namespaces joined by a veth pair (addresses only inside
#                        them), one dockerd in each (scripts/dockerd.sh, started through
#                        `nsenter --net`: `ip netns exec` remounts /sys and dockerd then fails),
#                        `swarm init` on the first and `join` on the second, and Debian's
#                        docker-registry inside the first namespace, which both engines pull from.
#                        Prints KEY=VALUE lines (A_HOST, B_HOST, ADDR_A, ADDR_B, REGISTRY, NS_A, NS_B).
#   swarm.sh stop DIR    removes all of it (engines, their mounts, the registry, the namespaces
#                        and with them the veth pair); safe to run after a failed or partial start.
# DIR must be short (unix socket names), e.g. $(mktemp -d /tmp/sw.XXXX).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
cmd=$1
dir=$(cd "$2" && pwd -P)
here=$(cd "$(dirname "$0")/../.." && pwd -P)
id=$(basename "$dir" | tr -cd 'a-zA-Z0-9' | tail -c 6)
nsA=nixlab-sw-$id-a
nsB=nixlab-sw-$id-b
vethA=nxsw${id}a
vethB=nxsw${id}b
octet=$(( 0x$(printf %s "$id" | md5sum | head -c 2) ))
addrA=10.213.$octet.1
addrB=10.213.$octet.2
in_ns() { local ns=$1; shift; nsenter --net="/var/run/netns/$ns" "$@"; }

start() {
  ip netns add "$nsA"
  ip netns add "$nsB"
  ip link add "$vethA" type veth peer name "$vethB"
  ip link set "$vethA" netns "$nsA"
  ip link set "$vethB" netns "$nsB"
  in_ns "$nsA" ip addr add "$addrA/24" dev "$vethA"
  in_ns "$nsB" ip addr add "$addrB/24" dev "$vethB"
  for ns in "$nsA" "$nsB"; do in_ns "$ns" ip link set lo up; done
  in_ns "$nsA" ip link set "$vethA" up
  in_ns "$nsB" ip link set "$vethB" up

  # The registry, inside the first namespace, on its address there.
  mkdir -p "$dir/registry"
  cat >"$dir/registry/config.yml" <<YML
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: "$dir/registry/storage" }, delete: { enabled: true } }
http: { addr: "$addrA:5000" }
YML
  # setsid -f: it outlives this script, which returns at once.
  in_ns "$nsA" setsid -f docker-registry serve "$dir/registry/config.yml" </dev/null >"$dir/registry/log" 2>&1

  local a b
  a=$(DOCKERD_EXTRA_ARGS="--insecure-registry $addrA:5000" in_ns "$nsA" bash "$here/scripts/dockerd.sh" start "$dir/a")
  b=$(DOCKERD_EXTRA_ARGS="--insecure-registry $addrA:5000" in_ns "$nsB" bash "$here/scripts/dockerd.sh" start "$dir/b")
  docker -H "$a" swarm init --advertise-addr "$addrA" --listen-addr "$addrA:2377" >/dev/null
  docker -H "$b" swarm join --token "$(docker -H "$a" swarm join-token -q worker)" --advertise-addr "$addrB" --listen-addr "$addrB:2377" "$addrA:2377" >/dev/null
  local waited=0
  until in_ns "$nsA" curl -sf "http://$addrA:5000/v2/" >/dev/null; do
    [ "$waited" -lt 120 ] || { cat "$dir/registry/log" >&2; echo "swarm.sh: the registry did not start" >&2; exit 1; }
    sleep 0.25; waited=$(( waited + 1 ))
  done
  echo "A_HOST=$a"
  echo "B_HOST=$b"
  echo "ADDR_A=$addrA"
  echo "ADDR_B=$addrB"
  echo "REGISTRY=$addrA:5000"
  echo "NS_A=$nsA"
  echo "NS_B=$nsB"
}

stop() {
  local status=0
  for n in b a; do
    if [ -d "$dir/$n" ]; then
      DOCKERD_STOP_TIMEOUT=${DOCKERD_STOP_TIMEOUT:-60} bash "$here/scripts/dockerd.sh" stop "$dir/$n" || status=1
    fi
  done
  # The registry: found by its config's path on its command line.
  local p
  for p in $(grep -lasF -- "$dir/registry/config.yml" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = docker-registry ] && kill -TERM "$p" 2>/dev/null || true
  done
  # Deleting a namespace deletes the veth end in it, and so the pair.
  for ns in "$nsA" "$nsB"; do
    if [ -e "/var/run/netns/$ns" ]; then ip netns del "$ns" || status=1; fi
  done
  ip link del "$vethA" 2>/dev/null || true
  return $status
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
