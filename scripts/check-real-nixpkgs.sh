#!/usr/bin/env bash
# Evaluates every kernel preset × every option value, every front end, lab extension and hub
# authenticator, and every example against a real nixpkgs tree, with a Nix >= 2.18:
#   bash scripts/check-real-nixpkgs.sh NIX_PREFIX NIXPKGS_TREE
# NIX_PREFIX holds bin/nix-instantiate (setup installs Debian 13's Nix 2.26 at
# /opt/nixlab/nix-trixie); DEVELOPERS.md says how to get a tree. One row per target, then the
# totals; exit 1 when a target fails. NIXLAB_CHECK_ONLY=REGEX limits the projects,
# NIXLAB_CHECK_TIMEOUT (seconds, default 600) bounds each evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 2 ]; then
  echo "usage: $0 NIX_PREFIX NIXPKGS_TREE   (e.g. /opt/nixlab/nix-trixie /work/nixpkgs)" >&2
  exit 2
fi
prefix=$1
tree=$2
[ -x "$prefix/bin/nix-instantiate" ] || { echo "check-real-nixpkgs: $prefix/bin/nix-instantiate is missing (node scripts/modern-nix.mjs installs one)" >&2; exit 2; }
[ -f "$tree/pkgs/top-level/all-packages.nix" ] || { echo "check-real-nixpkgs: $tree is not a nixpkgs tree (no pkgs/top-level/all-packages.nix)" >&2; exit 2; }
[ -f dist/src/index.js ] || npm run build --silent
exec node scripts/check-real-nixpkgs.mjs "$prefix/bin" "$tree"
