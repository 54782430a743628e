#!/usr/bin/env bash
# Under Docker: the time from the start of `nixlab test CONFIG` (which runs `nixlab build`
# first: generate, nix-build, pack) to the first kernel answer, cold (a fresh engine data-root,
# nothing loaded, and an empty nixlab cache: every layer hashed) then warm (the same engine and
# cache, the image already there), RUNS times; and the image's size as the engine reports it. Needs root (dockerd). Prints one line per run.
#   bash bench/docker.sh [CONFIG] [RUNS]      (default: examples/demo/nixlab.yaml, 3)
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-examples/demo/nixlab.yaml}
runs=${2:-3}
ms() { echo $(( $(date +%s%N) / 1000000 )); }
for i in $(seq 1 "$runs"); do
  d=$(mktemp -d /tmp/dk.XXXX)
  host=$(bash scripts/dockerd.sh start "$d")
  line="run $i:"
  export NIXLAB_CACHE_DIR="$d/cache"
  for kind in cold warm; do
    start=$(ms)
    DOCKER_HOST=$host node bin/run.js test "$config" --pkgs offline --json -q >"$d/$kind.json" || true
    wall=$(( $(ms) - start ))
    # firstKernelAnswer counts from inside the command; add node's start-up (wall - total).
    line="$line $(node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const t = r.timings, wall = Number(process.argv[2]), first = t.firstKernelAnswer + (wall - t.total);
      const s = (x) => (x / 1000).toFixed(1);
      console.log(`${process.argv[3]} first-kernel-answer ${s(first)} s (build ${s(t.build)}, load ${s(t.load)}, server up ${s(t.serverUp)}; ok=${r.ok})`);
    ' "$d/$kind.json" "$wall" "$kind");"
  done
  ref=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).image.id)' "$d/warm.json")
  line="$line size $(/usr/bin/docker -H "$host" image inspect -f '{{.Size}}' "$ref") bytes; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "$line"
  bash scripts/dockerd.sh stop "$d" && rm -rf "$d"
done
