# Builder of a store path made from a prebuilt program shipped in an npm tarball (deno, node; see
# offline/deno.nix, offline/node/default.nix), run by the store busybox `sh -e`.
#
# Environment:
#   src       the npm tarball (a fixed-output store path, offline/node/fetch.nix)
#   install   "member dest" lines: a path inside the tarball (below its top directory) and where it
#             goes under $out; directories are copied whole
#   keepOnly  "dir entry" lines (optional): below $out/dir, remove everything but entry
#   libDeps   store paths whose lib/ holds the shared libraries the ELF files need, nearest first
#   glibc     the store glibc, whose loader every ELF gets as interpreter
#   patchelf  the store patchelf binary
set -e
set -o pipefail
export LC_ALL=C
die() { echo "error: $*" >&2; exit 1; }

tmp=$NIX_BUILD_TOP/unpacked
mkdir -p "$tmp" "$out"
# npm tarballs hold one top directory ("package/"); owners and modes are not kept from the tar.
tar -xzof "$src" -C "$tmp" --strip-components 1
chmod -R u+w "$tmp"

echo "$install" | while read -r member dest; do
    [ -n "$member" ] || continue
    [ -e "$tmp/$member" ] || die "$member is not in $src"
    mkdir -p "$out/$(dirname "$dest")"
    cp -R "$tmp/$member" "$out/$dest"
done

echo "${keepOnly:-}" | while read -r dir keep; do
    [ -n "$dir" ] || continue
    [ -e "$out/$dir/$keep" ] || die "keepOnly: $dir/$keep is not in the package"
    for e in "$out/$dir"/*; do
        [ "${e##*/}" = "$keep" ] || rm -rf "$e"
    done
done

# Every ELF: the store loader as interpreter, and as RPATH exactly the store directories that
# hold its NEEDED libraries (DT_RPATH, not RUNPATH: it also covers what libc dlopens, such as
# libgcc_s.so.1 for thread cancellation). A library found nowhere fails the build.
loader=$glibc/lib/ld-linux-x86-64.so.2
elfMagic="$(printf '\177ELF')"
find "$out" -type f -perm -0100 | sort > "$NIX_BUILD_TOP/executables"
while IFS= read -r f; do
    m=
    IFS= read -r -n 4 m < "$f" || true
    [ "$m" = "$elfMagic" ] || continue
    chmod u+w "$f"
    "$patchelf" --set-interpreter "$loader" "$f"
    rpath=
    for lib in $("$patchelf" --print-needed "$f"); do
        hit=
        for d in $libDeps; do
            if [ -e "$d/lib/$lib" ]; then hit=$d/lib; break; fi
        done
        [ -n "$hit" ] || die "${f#$out/} needs $lib, which none of $libDeps provides"
        case ":$rpath:" in *":$hit:"*) ;; *) rpath="$rpath:$hit" ;; esac
    done
    "$patchelf" --force-rpath --set-rpath "${rpath#:}" "$f"
    chmod 555 "$f"
done < "$NIX_BUILD_TOP/executables"
