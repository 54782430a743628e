#!/usr/bin/env bash
# The README's demo command: set up the machine, build the demo image offline, start it.
# Prints the URL and the token; Ctrl-C stops it. Needs root (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=.nixlab-out
mkdir -p "$out/data"
chown 1000:100 "$out/data"   # the image user (jovyan 1000:100) owns the notebook volume
node bin/run.js build examples/demo/nixlab.yaml --pkgs offline -o "$out/demo.tar" --out-link "$out/result"
exec node bin/run.js run "$out/demo.tar" --port "${PORT:-8888}" --volume "$PWD/$out/data:/data"
