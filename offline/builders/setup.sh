# Builder of every derivation made by this package set's mkDerivation: a minimal stand-in for
# nixpkgs' pkgs/stdenv/generic/setup.sh, run by the store busybox `sh -e`. It keeps the parts
# runCommand-style builders rely on: `$buildCommand` (or the file `$buildCommandPath` when passed
# with passAsFile, as runCommandWith always does), fail-fast shell options, `runHook`, a fixed
# SOURCE_DATE_EPOCH. There are no phases (no unpack/configure/build/install): nothing in this set
# compiles, and emitted code uses runCommand/buildEnv/write* only.
set -e
set -o pipefail

# nixpkgs' setup.sh pins this for reproducible timestamps (1980-01-01).
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-315532800}"

# `runHook NAME` evaluates the shell code in the variable NAME (e.g. `runHook postBuild`), as
# nixpkgs does for string-valued hooks.
runHook() {
    eval "_hook=\${$1:-}"
    if [ -n "$_hook" ]; then eval "$_hook"; fi
}

if [ -n "${buildCommandPath:-}" ]; then
    . "$buildCommandPath"
elif [ -n "${buildCommand:-}" ]; then
    eval "$buildCommand"
else
    echo "offline-pkgs setup.sh: derivation $name has no buildCommand (this set has no stdenv phases)" >&2
    exit 1
fi
