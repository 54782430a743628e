#!/usr/bin/env bash
# `docker load` of the demo, two benchmarks:
#
#   DOCKER_HOST=… bash bench/load.sh [RUNS]                     (default 3)
#     The one-kernel change of the demo (pyyaml added to py-data) as a user lives it, from an
#     engine that holds the unchanged image: three times from the start of the command, (1) the
#     new image loaded, (2) its container healthy, (3) the first answer of the changed kernel
#     (bench/first-answer.mjs: kernelspecs, kernel started, kernel_info_reply over its
#     websocket). Each of the ways below runs once per round, in turn, so each is set beside
#     `nixlab build --load` run seconds before it (ratios pair by pair):
#       nixlab  `nixlab build --load`
#       pipe    `nixlab build -o - | docker load`
#       sli     with NIXLAB_NIXPKGS=DIR: DIR's stream_layered_image.py (nixpkgs'
#               streamLayeredImage) `| docker load`, given the same layers, config and system
#               layer (bench/sli-conf.mjs); its unchanged image (loaded the same way) is what the
#               engine holds before each of its runs.
#     Both versions are built once before the rounds (nix-build's part is not timed: these are
#     pack + load + start).
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
runs=${1:-3}
sli=
if [ -n "${NIXLAB_NIXPKGS:-}" ]; then
  sli=$NIXLAB_NIXPKGS/pkgs/build-support/docker/stream_layered_image.py
  [ -f "$sli" ] || { echo "bench: no $sli" >&2; exit 1; }
fi
[ -f dist/src/engine/kernel-client.js ] || npm run build >&2
TAG=nixlab-demo:bench-load
cp -r examples/demo "$W/demo"; C="$W/demo/nixlab.yaml"
sed -i 's/tag: latest/tag: bench-load/' "$C"
B=(node bin/run.js build "$C" --pkgs offline -q --out-link "$W/result" --generated-dir "$W/gen")
v1() { sed -i 's/, pyyaml\]/]/' "$C"; }
v2() { sed -i "$ADD_PYYAML" "$C"; }
echo "bench: building both versions" >&2
v1; "${B[@]}" -o "$W/v1.tar" >/dev/null
v2; "${B[@]}" -o "$W/v2.tar" >/dev/null
ways=(nixlab pipe)
if [ -n "$sli" ]; then
  node bench/sli-conf.mjs "$W/v1.tar" "$W/sli-v1"; node bench/sli-conf.mjs "$W/v2.tar" "$W/sli-v2"
  ways+=(sli)
fi
rm -f "$W/v1.tar" "$W/v2.tar"
# The engine holds the unchanged image, loaded the way's own way, and not the changed one.
reset() {
  docker rmi -f "$TAG" >/dev/null 2>&1 || true
  if [ "$1" = sli ]; then python3 "$sli" "$W/sli-v1/conf.json" 2>/dev/null | docker load >/dev/null
  else v1; "${B[@]}" --load >/dev/null; v2; fi
}
change() {
  case $1 in
    nixlab) "${B[@]}" --load ;;
    pipe) "${B[@]}" -o - | docker load ;;
    sli) python3 "$sli" "$W/sli-v2/conf.json" 2>/dev/null | docker load ;;
  esac
}
now() { date +%s%3N; }
for round in $(seq "$runs"); do
  for way in "${ways[@]}"; do
    reset "$way"
    t0=$(now)
    change "$way" >/dev/null
    loaded=$(( $(now) - t0 ))
    times=$(node bench/first-answer.mjs "$TAG" "$t0" py-data)
    echo "$way $round $loaded $times" >>"$W/runs"
  done
done
docker rmi -f "$TAG" >/dev/null 2>&1 || true
node - "$W/runs" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'JS'
const fs = require('fs');
const [file, runs, load] = process.argv.slice(2);
const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => {
  const [way, round, loaded, ...json] = l.split(' ');
  const t = JSON.parse(json.join(' '));
  return { way, round: +round, loaded: +loaded / 1000, healthy: t.healthy, answer: t.answer };
});
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const label = { nixlab: '`nixlab build --load`', pipe: '`nixlab build -o - | docker load`', sli: '`stream_layered_image.py | docker load`' };
const ways = Object.keys(label).filter((w) => rows.some((r) => r.way === w));
const fields = ['loaded', 'healthy', 'answer'];
console.log(`one-kernel change (pyyaml added to py-data), ${runs} rounds, medians (range); times from the start of the command; load average at the end ${load}\n`);
console.log('| way | to loaded | to healthy | to first kernel answer | vs `build --load` (loaded / healthy / answer) |\n|---|---:|---:|---:|---|');
for (const w of ways) {
  const rs = rows.filter((r) => r.way === w);
  const cell = (f) => {
    const xs = rs.map((r) => r[f]);
    return `${median(xs).toFixed(1)} s (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  };
  const vs = w === 'nixlab' ? '1' : fields.map((f) => {
    const base = new Map(rows.filter((r) => r.way === 'nixlab').map((r) => [r.round, r[f]]));
    return `${median(rs.filter((r) => base.has(r.round)).map((r) => r[f] / base.get(r.round))).toFixed(2)}×`;
  }).join(' / ');
  console.log(`| ${label[w].replace(/\|/g, '\\|')} | ${fields.map(cell).join(' | ')} | ${vs} |`);
}
JS
