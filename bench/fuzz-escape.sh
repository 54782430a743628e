#!/usr/bin/env bash
# Runs the escaping property test with many more cases than CI (default 20,000):
#   bash bench/fuzz-escape.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
NIXLAB_FC_RUNS="${1:-20000}" NODE_OPTIONS=--experimental-vm-modules npx jest test/nix/escape.test.ts -t 'round-trips any string'
