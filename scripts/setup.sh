#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) for nixlab's demo and tests: Debian packages,
# single-user Nix settings, npm dependencies, the compiled CLI. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root (it installs Debian packages and configures Nix)" >&2
  exit 2
fi

packages() {
  grep -v '^#' scripts/debian-packages.txt | grep -v '^$'
  # The offline package set's list: "- name" lines under the "Debian packages" heading.
  awk '/^#+ *Debian packages/{on=1; next} /^#/{on=0} on && /^- /{print $2}' offline/README.md 2>/dev/null || true
}

echo "==> apt-get install"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2046
apt-get install -y -qq --no-install-recommends $(packages | sort -u) >/dev/null

echo "==> PyPI wheels of the offline package set (offline/python/wheels.lock.json, hash-checked)"
# Downloaded by Debian's python3 from the lock's URLs: no pyenv interpreter is needed for this.
bash scripts/wheels.sh

echo "==> CPython 3.13 of the offline package set, built from Debian 13's source (offline/python/cpython.json)"
# Debian 12 has only 3.11 and Debian 13's binaries need its newer glibc: the pinned source,
# checked against trixie's signed Sources, is built with Debian 12's gcc into
# ${NIXLAB_CPYTHON_ROOT:-/opt/nixlab/cpython}/<version> (a few minutes on 2 cores; a no-op once built).
node scripts/cpython.mjs

echo "==> Nix settings (single-user as root, no build users, no sandbox, no binary cache)"
# The offline package set copies Debian files into the store, so builds must see the host
# (sandbox = false); there is no nixbld group on a plain Debian install; and no cache is
# reachable offline, so don't wait for one.
mkdir -p /etc/nix
touch /etc/nix/nix.conf
ensure() { grep -q "^$1 *=" /etc/nix/nix.conf || echo "$1 = $2" >> /etc/nix/nix.conf; }
ensure build-users-group ''
ensure sandbox false
ensure substituters ''
ensure experimental-features 'nix-command flakes'

echo "==> Nix 2.26 from Debian 13 beside Debian 12's 2.8, for real nixpkgs 26.x (needs >= 2.18)"
# Checked .debs unpacked into a prefix, run by trixie's own loader: scripts/modern-nix.mjs.
node scripts/modern-nix.mjs

echo "==> npm ci && npm run build"
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

echo "==> npm tarballs of the offline package set (deno, node, configurable-http-proxy; sha512-checked)"
# Into ${NIXLAB_NPM_CACHE:-/var/cache/nixlab/npm-tarballs}, read by offline/node/fetch.nix.
node scripts/fetch-npm-tarballs.mjs

echo "==> spdx-tools for the SBOM tests (scripts/requirements-spdx.txt, hash-checked)"
# Its own venv (python3-venv), so it cannot touch the system Python or the offline set's wheels.
SPDX_VENV=${NIXLAB_SPDX_VENV:-/var/cache/nixlab/venv-spdx}
# A venv whose interpreter is gone (made by a pyenv Python that is no longer there) is made again.
# Debian's own python3 (/usr/bin), never a pyenv one that a later run may not see.
"$SPDX_VENV/bin/python3" -c '' 2>/dev/null || /usr/bin/python3 -m venv --clear "$SPDX_VENV"
"$SPDX_VENV/bin/pip" install -q --require-hashes -r scripts/requirements-spdx.txt

echo "==> KubeSpawner for the kubernetes target's static check (the offline set's locked wheels, hash-checked)"
# Its own venv: the target's verify hook (and test/deploy/targets/kubernetes.test.ts) builds a pod
# manifest from the generated values with it. The versions and files are the ones the offline
# set's Python 3.11 locks (the hub image's), from the wheel cache wheels.sh filled above: one pin.
KUBESPAWNER_VENV=${NIXLAB_KUBESPAWNER_VENV:-/var/cache/nixlab/venv-kubespawner}
"$KUBESPAWNER_VENV/bin/python3" -c '' 2>/dev/null || /usr/bin/python3 -m venv --clear "$KUBESPAWNER_VENV"
kubespawner_reqs=$(mktemp)
python3 scripts/lock-requirements.py 3.11 jupyterhub-kubespawner > "$kubespawner_reqs"
PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS='' "$KUBESPAWNER_VENV/bin/pip" install -q --no-index \
  --find-links "${NIXLAB_WHEELS_DIR:-/var/cache/nixlab/wheels}" --require-hashes -r "$kubespawner_reqs"
rm -f "$kubespawner_reqs"
