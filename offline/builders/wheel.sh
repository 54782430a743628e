# Builder of one Python package made from a PyPI wheel (see python/wheels.nix), run by the store
# busybox `sh -e`: what pip's installer does, laid out as nixpkgs' buildPythonPackage leaves it.
#
# Environment (set by python/wheels.nix):
#   out, src (the wheel, a fixed-output store path), sitePackages (lib/python3.X/site-packages),
#   python (the interpreter store path) and executable (python3.X), glibc, patchelf (binary),
#   libSearchPaths (store paths whose lib/ may satisfy NEEDED: glibc, libstdc++, zlib),
#   pythonPropagated (the dependencies' store paths), relinkSh, patchShebangsSh, makeWrapperSh, wrapperShell,
#   substitutionsPath ("file<TAB>from<TAB>to" lines, relative to $out; each must match),
#   wrapArgs (makeWrapper flags for every program in bin/, e.g. jupyterlab's JUPYTERLAB_DIR),
#   postInstall (shell code run last, in $out), bytecodeSh (builders/bytecode.sh).
set -e
set -o pipefail
export LC_ALL=C

tmp=$NIX_BUILD_TOP
die() { echo "error: $*" >&2; exit 1; }
site=$out/$sitePackages
storePython=$python/bin/$executable

# --- 1. Unpack; the .data directory's parts go where the wheel spec (and pip) put them --------
mkdir -p "$tmp/w" "$site"
unzip -q "$src" -d "$tmp/w"
cd "$tmp/w"
for d in *.data; do
    [ -d "$d" ] || continue
    for sub in purelib platlib; do
        if [ -d "$d/$sub" ]; then cp -a "$d/$sub/." "$site/"; fi
    done
    # data/: share/jupyter/labextensions/..., share/jupyter/kernels/..., etc/jupyter/... go to
    # the prefix, where Jupyter's data and config paths find them in an environment. Manual
    # pages are left out, as in the Debian builder (nixpkgs moves them to a "man" output).
    if [ -d "$d/data" ]; then
        rm -rf "$d/data/share/man"
        mkdir -p "$out"
        cp -a "$d/data/." "$out/"
    fi
    if [ -d "$d/headers" ]; then
        mkdir -p "$out/include"
        cp -a "$d/headers/." "$out/include/"
    fi
    # scripts/: "#!python" (or any python) is the interpreter, as pip rewrites it
    if [ -d "$d/scripts" ]; then
        mkdir -p "$out/bin"
        for s in "$d"/scripts/*; do
            dest=$out/bin/${s##*/}
            first=
            IFS= read -r first < "$s" || true
            case "$first" in
                '#!python'* | '#!/usr/bin/env python'* | '#!/usr/bin/python'*)
                    { printf '#!%s\n' "$storePython"; tail -n +2 "$s"; } > "$dest" ;;
                *) cp "$s" "$dest" ;;
            esac
            chmod 555 "$dest"
        done
    fi
    rm -rf "$d"
done
cp -a . "$site/"
cd "$out"

# --- 2. Console and GUI scripts from the entry points, as pip writes them --------------------
for ep in "$site"/*.dist-info/entry_points.txt; do
    [ -f "$ep" ] || continue
    awk '
        /^[ \t]*\[/ { s = ($0 ~ /^[ \t]*\[(console|gui)_scripts\][ \t]*$/); next }
        s && index($0, "=") {
            name = substr($0, 1, index($0, "=") - 1); val = substr($0, index($0, "=") + 1)
            gsub(/[ \t]/, "", name); sub(/\[.*$/, "", val); gsub(/[ \t]/, "", val)
            if (index(val, ":")) print name "\t" substr(val, 1, index(val, ":") - 1) "\t" substr(val, index(val, ":") + 1)
        }' "$ep"
done > "$tmp/scripts"
while IFS="$(printf '\t')" read -r sname smod sattr; do
    mkdir -p "$out/bin"
    cat > "$out/bin/$sname" <<SCRIPT
#!$storePython
# Entry point "$sname = $smod:$sattr" of the package.
import sys
from $smod import ${sattr%%.*}
if __name__ == "__main__":
    sys.exit($sattr())
SCRIPT
    chmod 555 "$out/bin/$sname"
done < "$tmp/scripts"

# --- 3. Literal substitutions (each must apply) -------------------------------------------------
tab="$(printf '\t')"
while IFS="$tab" read -r sfile sfrom sto; do
    [ -n "$sfile" ] || continue
    [ -f "$out/$sfile" ] && [ ! -L "$out/$sfile" ] || die "substitution target $sfile is not a file"
    awk -v from="$sfrom" -v to="$sto" '
        { out = ""; s = $0
          while ((i = index(s, from)) > 0) { out = out substr(s, 1, i - 1) to; s = substr(s, i + length(from)); n++ }
          print out s }
        END { if (!n) exit 3 }' "$out/$sfile" > "$tmp/subst" || die "\"$sfrom\" not found in $sfile"
    cat "$tmp/subst" > "$out/$sfile"
done < "$substitutionsPath"

# --- 4. Shebangs of executable files (nixpkgs' patchShebangs) -----------------------------------
# Python -> the store interpreter, POSIX sh -> the store busybox sh. Helper scripts for other
# interpreters (bash build scripts in debugpy and bleach, node scripts in jupyterlab's staging
# area and jupyterhub's static files) are never run from an installed package; they lose their
# executable bit instead of keeping a host interpreter path.
find "$out" -type f -perm -0100 > "$tmp/executables"
. "$patchShebangsSh"
patchShebangs "$tmp/executables" "$storePython" "$wrapperShell" unexec

# --- 5. Native code: interpreter and RUNPATH into the store (builders/relink.sh) ---------------
# manylinux wheels carry their own libraries (numpy.libs/, scipy.libs/, found through
# $ORIGIN); what the manylinux policy takes from the system (glibc, libgcc_s, libstdc++, zlib)
# comes from the store copies of Debian's packages.
. "$relinkSh"
relinkElves "$out" "$glibc/lib/ld-linux-x86-64.so.2" $(libDirsOf $libSearchPaths)

# --- 6. Wrapped programs, propagation, the package's own fix-ups --------------------------------
if [ -n "$wrapArgs" ] && [ -d "$out/bin" ]; then
    . "$makeWrapperSh"
    for prg in "$out"/bin/*; do
        [ -f "$prg" ] && [ -x "$prg" ] || continue
        mv "$prg" "$out/bin/.${prg##*/}-wrapped"
        eval "makeWrapper \"\$out/bin/.\${prg##*/}-wrapped\" \"\$prg\" $wrapArgs"
    done
fi
if [ -n "$pythonPropagated" ]; then
    mkdir -p "$out/nix-support"
    echo $pythonPropagated > "$out/nix-support/propagated-build-inputs"
fi
eval "$postInstall"

# --- 7. Bytecode of the installed (and fixed-up) sources, by the interpreter that runs them ----
. "$bytecodeSh"
compileBytecode "$storePython" "$site"
