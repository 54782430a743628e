#!/usr/bin/env bash
# One-kernel change of the demo (pyyaml added to py-data), loaded three ways side by side on the
# engine at DOCKER_HOST, each starting from an engine that holds the unchanged image only:
# `nixlab build --load`, `nixlab build -o - | docker load`, and `docker load` of the full archive.
# The changed kernel env is built once before the runs, so the times are pack + load.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DOCKER_HOST:?start an engine: bash scripts/dockerd.sh start DIR}"
W=$(mktemp -d /tmp/nixlab-bench-load.XXXX); trap 'rm -rf "$W"' EXIT
export NIXLAB_CACHE_DIR="$W/cache"
cp -r examples/demo "$W/demo"; C="$W/demo/nixlab.yaml"
sed -i 's/tag: latest/tag: bench-load/' "$C"
B=(node bin/run.js build "$C" --pkgs offline -q --out-link "$W/result" --generated-dir "$W/gen")
t() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
"${B[@]}" --load >/dev/null                                   # the unchanged image, held
sed -i 's/packages: \[pandas, requests\]/packages: [pandas, requests, pyyaml]/' "$C"
"${B[@]}" -o "$W/changed.tar" >/dev/null                      # build the change once
reset() { docker rmi nixlab-demo:bench-load >/dev/null; sed -i 's/, pyyaml\]/]/' "$C"; "${B[@]}" --load >/dev/null; sed -i 's/packages: \[pandas, requests\]/packages: [pandas, requests, pyyaml]/' "$C"; }
reset; a=$(t "${B[@]}" --load)
reset; b=$(t bash -c "$(printf '%q ' "${B[@]}") -o - | docker load")
reset; c=$(t docker load -i "$W/changed.tar")
echo "one-kernel change, to loaded: build --load ${a}s; build -o - | docker load ${b}s; docker load (full archive) ${c}s"
docker rmi nixlab-demo:bench-load >/dev/null || true
