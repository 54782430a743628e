#!/usr/bin/env bash
# Push benchmark, nixlab and skopeo side by side in one run, against a local registry (Debian's
# docker-registry on a free port of 127.0.0.1, plain HTTP, storage in a temporary directory):
#   1. cold push of the demo (examples/demo, built offline) into an empty repository, with an
#      empty nixlab cache: `nixlab push demo-v1.tar` vs `skopeo copy docker-archive:demo-v1.tar`
#      (each into a repository of its own, so neither can reuse the other's blobs);
#   2. re-push after a one-kernel change (pyyaml added to py-numpy): demo-v2.tar to the same
#      repository by each tool, with its own cache as the cold push left it.
# Bytes uploaded are counted by the registry: the blobs its access log shows completed (PUT …
# ?digest=…, 201) in the tool's repository, each blob's size asked with a HEAD.
#
#   bench/push.sh               (needs docker-registry, skopeo, curl, dist/; builds the demo offline)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/nixlab-bench-push.XXXXXX)
reg_pid=
cleanup() {
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for tool in docker-registry skopeo curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (bash scripts/setup.sh)" >&2; exit 1; }
done
[ -f dist/src/commands/push.js ] || { echo "bench: building (npm run build)" >&2; npm run build >&2; }
nixlab() { node bin/run.js "$@"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
host=127.0.0.1:$port
cat > "$work/registry.yml" <<EOF
version: 0.1
log: { level: info, accesslog: { disabled: false } }
storage: { filesystem: { rootdirectory: $work/storage } }
http: { addr: $host }
EOF
docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do curl -fs "http://$host/v2/" >/dev/null && break; sleep 0.1; done

echo "bench: building the demo offline (v1, and v2 with pyyaml added to kernel py-numpy)" >&2
mkdir -p "$work/v1" "$work/v2"
cp -r examples/demo/. "$work/v1/"
rm -rf "$work/v1/.nixlab"
cp -r "$work/v1/." "$work/v2/"
grep -q 'packages: \[numpy\]$' "$work/v2/nixlab.yaml" || { echo "bench: examples/demo/nixlab.yaml has no 'packages: [numpy]' line" >&2; exit 1; }
sed -i 's/packages: \[numpy\]$/packages: [numpy, pyyaml]/' "$work/v2/nixlab.yaml"
for v in v1 v2; do
  nixlab build "$work/$v/nixlab.yaml" --pkgs offline -q -o "$work/demo-$v.tar" --out-link "$work/result-$v" --generated-dir "$work/gen-$v" >/dev/null
done
export NIXLAB_CACHE_DIR=$work/nixlab-cache

# Seconds (3 decimals) that a command takes.
timed() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; exit 1; }
  t1=$(date +%s%N)
  echo "scale=3; ($t1 - $t0) / 1000000000" | bc
}

# Blobs and bytes the registry received into repository $1 since access-log line $2.
received() {
  local repo=$1 from=$2 n=0 bytes=0 size
  for d in $(tail -n +"$from" "$work/registry.log" | grep -oE "\"PUT /v2/$repo/blobs/uploads/[^\" ]*digest=sha256%3A[0-9a-f]{64}[^\"]*\" 201 " | grep -oE '[0-9a-f]{64}'); do
    size=$(curl -fsI "http://$host/v2/$repo/blobs/sha256:$d" | tr -d '\r' | awk 'tolower($1) == "content-length:" { print $2 }')
    n=$((n + 1)); bytes=$((bytes + size))
  done
  echo "$n $bytes"
}

row() { # what tool seconds repo from
  local r
  r=$(received "$4" "$5")
  printf '| %s | %s | %s s | %s | %s MiB |\n' "$1" "$2" "$3" "${r% *}" "$(echo "scale=1; ${r#* } / 1048576" | bc)"
}

lines() { wc -l < "$work/registry.log"; }

echo "| push | tool | time | blobs uploaded | bytes uploaded |"
echo "| --- | --- | --- | --- | --- |"
l=$(($(lines) + 1)); t=$(timed nixlab push "$work/demo-v1.tar" "docker://$host/nixlab/demo:t" --tls-verify=false -q); row "cold, demo v1" nixlab "$t" nixlab/demo "$l"
l=$(($(lines) + 1)); t=$(timed skopeo copy -q --dest-tls-verify=false "docker-archive:$work/demo-v1.tar" "docker://$host/skopeo/demo:t"); row "cold, demo v1" "skopeo copy" "$t" skopeo/demo "$l"
l=$(($(lines) + 1)); t=$(timed nixlab push "$work/demo-v2.tar" "docker://$host/nixlab/demo:t" --tls-verify=false -q); row "after a one-kernel change (v2)" nixlab "$t" nixlab/demo "$l"
l=$(($(lines) + 1)); t=$(timed skopeo copy -q --dest-tls-verify=false "docker-archive:$work/demo-v2.tar" "docker://$host/skopeo/demo:t"); row "after a one-kernel change (v2)" "skopeo copy" "$t" skopeo/demo "$l"
l=$(($(lines) + 1)); t=$(timed nixlab push "$work/demo-v2.tar" "docker://$host/nixlab/demo:t" --tls-verify=false -q); row "again, nothing changed (v2)" nixlab "$t" nixlab/demo "$l"
l=$(($(lines) + 1)); t=$(timed skopeo copy -q --dest-tls-verify=false "docker-archive:$work/demo-v2.tar" "docker://$host/skopeo/demo:t"); row "again, nothing changed (v2)" "skopeo copy" "$t" skopeo/demo "$l"
echo
echo "demo v1: $(du -m "$work/demo-v1.tar" | cut -f1) MiB docker-archive; $(nproc) cores; $(node --version); $(skopeo --version)"
