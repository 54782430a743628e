#!/usr/bin/env bash
# `docker load` of the demo, two benchmarks:
#
#   DOCKER_HOST=… bash bench/load.sh
#     One-kernel change of the demo (pyyaml added to py-data), loaded three ways side by side on
#     the engine at DOCKER_HOST, each starting from an engine that holds the unchanged image
#     only: `nixlab build --load`, `nixlab build -o - | docker load`, and `docker load` of the
#     full archive. The changed kernel env is built once before the runs, so the times are
#     pack + load.
#
#   bash bench/load.sh budgets [RUNS] [BUDGET…]      (default: 3 runs of 100 20 2; root)
#     The layer budget (`image.maxLayers`): the demo built at each budget, then per run, budgets
#     alternating, a cold `docker load -i` of each into an engine of its own started for it
#     (scripts/dockerd.sh on a fresh data root: no layer, no image, no build cache). And, per
#     budget, what the one-kernel change touches: `nixlab inspect --json` of both archives, the
#     layers whose diff_id is new, their groups and bytes. Prints one line per budget.
set -euo pipefail
cd "$(dirname "$0")/.."
W=$(mktemp -d /tmp/nixlab-bench-load.XXXX); trap 'rm -rf "$W"' EXIT
export NIXLAB_CACHE_DIR="$W/cache"
t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
ADD_PYYAML='s/packages: \[pandas, requests\]/packages: [pandas, requests, pyyaml]/'

budgets() {
  local runs=${1:-3}; shift || true
  local list=("$@"); [ ${#list[@]} -gt 0 ] || list=(100 20 2)
  local n i
  for n in "${list[@]}"; do
    cp -r examples/demo "$W/demo-$n"; local C="$W/demo-$n/nixlab.yaml"
    sed -i "s/tag: latest/tag: bench-l$n/" "$C"
    printf '  maxLayers: %s\n' "$n" >>"$C"                     # the image section is the last
    local B=(node bin/run.js build "$C" --pkgs offline -q --out-link "$W/result-$n" --generated-dir "$W/gen-$n")
    "${B[@]}" -o "$W/v1-$n.tar" >/dev/null
    sed -i "$ADD_PYYAML" "$C"
    "${B[@]}" -o "$W/v2-$n.tar" >/dev/null
    node bin/run.js inspect "$W/v1-$n.tar" --json >"$W/v1-$n.json"
    node bin/run.js inspect "$W/v2-$n.tar" --json >"$W/v2-$n.json"
  done
  for i in $(seq 1 "$runs"); do
    for n in "${list[@]}"; do
      local d; d=$(mktemp -d /tmp/dk.XXXX)
      local host; host=$(bash scripts/dockerd.sh start "$d")
      echo "$(t /usr/bin/docker -H "$host" load -i "$W/v1-$n.tar")" >>"$W/cold-$n"
      bash scripts/dockerd.sh stop "$d" && rm -rf "$d"
    done
  done
  for n in "${list[@]}"; do
    node -e '
      const fs = require("fs"), [w, n, base] = process.argv.slice(1);
      const v1 = JSON.parse(fs.readFileSync(`${w}/v1-${n}.json`, "utf8")), v2 = JSON.parse(fs.readFileSync(`${w}/v2-${n}.json`, "utf8"));
      const times = (b) => fs.readFileSync(`${w}/cold-${b}`, "utf8").trim().split("\n").map(Number).sort((a, b) => a - b);
      const median = (xs) => xs[Math.floor(xs.length / 2)];
      const held = new Set(v1.layers.map((l) => l.diffId));
      const changed = v2.layers.filter((l) => !held.has(l.diffId));
      const MiB = (b) => (b / 1048576).toFixed(1);
      const cold = times(n), ratio = base === undefined ? "" : `, ${(median(cold) / median(times(base))).toFixed(2)}x the ${base}-layer image`;
      console.log(`maxLayers ${n}: ${v1.layers.length} layers, ${MiB(v1.layers.reduce((s, l) => s + l.size, 0))} MiB; cold docker load median ${median(cold).toFixed(1)} s (${cold.map((x) => x.toFixed(1)).join(", ")})${ratio}; ` +
        `one-kernel change: ${changed.length} new layer(s), ${MiB(changed.reduce((s, l) => s + l.size, 0))} MiB, groups ${[...new Set(changed.map((l) => l.group))].join(" ")}`);
    ' "$W" "$n" "$(printf '%s\n' "${list[@]}" | sort -n | head -1)"
  done
  echo "runs $runs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

if [ "${1:-}" = budgets ]; then shift; budgets "$@"; exit; fi

: "${DOCKER_HOST:?start an engine: bash scripts/dockerd.sh start DIR}"
cp -r examples/demo "$W/demo"; C="$W/demo/nixlab.yaml"
sed -i 's/tag: latest/tag: bench-load/' "$C"
B=(node bin/run.js build "$C" --pkgs offline -q --out-link "$W/result" --generated-dir "$W/gen")
"${B[@]}" --load >/dev/null                                   # the unchanged image, held
sed -i "$ADD_PYYAML" "$C"
"${B[@]}" -o "$W/changed.tar" >/dev/null                      # build the change once
reset() { docker rmi nixlab-demo:bench-load >/dev/null; sed -i 's/, pyyaml\]/]/' "$C"; "${B[@]}" --load >/dev/null; sed -i "$ADD_PYYAML" "$C"; }
reset; a=$(t "${B[@]}" --load)
reset; b=$(t bash -c "$(printf '%q ' "${B[@]}") -o - | docker load")
reset; c=$(t docker load -i "$W/changed.tar")
echo "one-kernel change, to loaded: build --load ${a}s; build -o - | docker load ${b}s; docker load (full archive) ${c}s"
docker rmi nixlab-demo:bench-load >/dev/null || true
