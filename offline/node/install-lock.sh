# Installs npm packages from their tarballs where a package-lock.json puts them (see
# node/default.nix), run by the store busybox `sh -e`, as nixpkgs' buildNpmPackage installs a
# package with its production dependencies into $out/lib/node_modules/<name>.
#
# Environment:
#   modules  "dest tarball" lines, parents first: unpack the npm tarball at $out/dest
#   bins     "name target" lines: $out/bin/name links to $out/target, whose shebang is pointed at
#            the store node (patchShebangs)
#   node     the store node binary
set -e
set -o pipefail
export LC_ALL=C
die() { echo "error: $*" >&2; exit 1; }

echo "$modules" | while read -r dest tarball; do
    [ -n "$dest" ] || continue
    mkdir -p "$out/$dest"
    # npm tarballs hold one top directory (usually "package/"); owners are not kept.
    tar -xzof "$tarball" -C "$out/$dest" --strip-components 1
done
# npm installs files readable by all and directories searchable; some tarballs record odd modes.
chmod -R u+w,a+rX "$out"

mkdir -p "$out/bin"
echo "$bins" | while read -r name target; do
    [ -n "$name" ] || continue
    [ -f "$out/$target" ] || die "bin $name: $target is not in the package"
    IFS= read -r first < "$out/$target"
    case "$first" in
        "#!/usr/bin/env node" | "#!/usr/bin/env node "* | "#!/usr/bin/node"*) ;;
        *) die "bin $name: unexpected shebang $first" ;;
    esac
    { printf '#!%s\n' "$node"; tail -n +2 "$out/$target"; } > "$NIX_BUILD_TOP/script"
    cat "$NIX_BUILD_TOP/script" > "$out/$target"
    chmod 555 "$out/$target"
    ln -s "../$target" "$out/bin/$name"
done
