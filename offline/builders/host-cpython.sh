# Builder of a CPython interpreter copied from the build scripts/cpython.mjs made on this machine
# (see python/host-cpython.nix), run by the store busybox `sh -e`. The build was made here against
# Debian's libraries; the copy runs from the store like the Debian interpreter: the store glibc's
# loader, RUNPATHs into the store copies of those Debian libraries, no path under the host prefix
# left.
#
# Environment: out, src (the host prefix), minor (3.13), version (3.13.5), glibc, patchelf,
# libSearchPaths (store paths of the Debian libraries), tzdata (store path), sitecustomize,
# relinkSh, patchShebangsSh, bytecodeSh, hostPython (the host interpreter itself, used once to edit the
# compiled-in prefix), hostRoot (the directory holding the prefix: /opt/nixlab/cpython).
set -e
set -o pipefail
export LC_ALL=C

tmp=$NIX_BUILD_TOP
die() { echo "error: $*" >&2; exit 1; }
lib=lib/python$minor

# --- 1. Copy: the interpreter, libpython and the standard library ---------------------------
# Left out, as nixpkgs' python3 leaves them out or splits them off: the test suite, IDLE and
# tkinter (nixpkgs builds without x11Support), turtledemo, ensurepip's bundled pip, whatever
# was installed into site-packages, the static library and build files (config-*; nothing
# compiles against this interpreter here), and the host's bytecode caches (the copy's own are
# compiled at the end, builders/bytecode.sh).
mkdir -p "$out/bin" "$out/lib"
cp -p "$src/bin/python$minor" "$out/bin/"
cp -p "$src/lib/libpython$minor.so.1.0" "$out/lib/"
ln -s "libpython$minor.so.1.0" "$out/lib/libpython$minor.so"
cp -a "$src/$lib" "$out/lib/"
cd "$out/$lib"
rm -rf test idlelib tkinter turtledemo ensurepip site-packages config-"$minor"-* \
    lib-dynload/_tkinter.* lib2to3/tests
find . -name __pycache__ -type d -prune -exec rm -rf {} +
mkdir site-packages
chmod -R u+w "$out"

# --- 2. Host paths ------------------------------------------------------------------------------
# The host prefix in the build configuration (sysconfig) becomes this store path; zoneinfo's
# search path (TZPATH, compiled in as /usr/share/zoneinfo:...) is the tzdata store path, as in
# nixpkgs (configure --with-tzpath).
sysconfig=$(ls _sysconfigdata_*.py)
[ -n "$sysconfig" ] || die "no _sysconfigdata module in $src/$lib"
grep -q "'TZPATH': '/usr/share/zoneinfo:" "$sysconfig" || die "$sysconfig: TZPATH is not the default"
# The build directory (abs_builddir: <root>/.build-X.Y.Z/Python-X.Y.Z) is only there while
# scripts/cpython.mjs builds: named nowhere either.
builddir=$(sed -n "s/.*'abs_builddir': '\([^']*\)'.*/\1/p" "$sysconfig")
case "$builddir" in /?*/?*) ;; *) die "$sysconfig: no abs_builddir" ;; esac
sed -i -e "s|$src|$out|g" -e "s|$builddir|/nonexistent/python-build|g" \
    -e "s|'TZPATH': '[^']*'|'TZPATH': '$tzdata/share/zoneinfo'|" "$sysconfig"
# Any other text file still naming the prefix is unexpected.
if grep -rl -- "$src" . > "$tmp/left"; then
    grep -v '\.so$' "$tmp/left" > "$tmp/left-text" || true
    [ ! -s "$tmp/left-text" ] || die "files still naming $src: $(cat "$tmp/left-text")"
fi
# --- 3. ELF: interpreter and RUNPATH into the store (builders/relink.sh) ------------------------
. "$relinkSh"
relinkElves "$out" "$glibc/lib/ld-linux-x86-64.so.2" "$out/lib" $(libDirsOf $libSearchPaths)

# What is left naming the prefix is in ELF files: libpython's compiled-in last-resort
# PREFIX/EXEC_PREFIX (used only when the standard library is not found next to the executable,
# which it always is here) and the old RUNPATH strings patchelf leaves in .dynstr. The host
# root part is overwritten in place with a path of the same length that does not exist: the
# linker shares string tails (PY_VERSION "3.13.5" is the end of the prefix string), so the bytes
# after it must stay as they are.
{ grep -rl -- "$src" "$out" || true; grep -rl -- "$builddir" "$out" || true; } | sort -u > "$tmp/elf-left"
"$hostPython" -I -S -c '
import os, sys
listing = sys.argv[1]
# (whole string, the leading part of it that is overwritten)
scrub = [(s.encode(), r.encode()) for s, r in ((sys.argv[2], sys.argv[3]), (sys.argv[4], os.path.dirname(sys.argv[4])))]
for path in open(listing).read().split():
    data = open(path, "rb").read()
    if not data.startswith(b"\x7fELF"):
        sys.exit("%s names a host path and is not an ELF file" % path)
    for whole, root in scrub:
        new = (b"/nonexistent" + b"_" * len(root))[: len(root)]
        data = data.replace(whole, new + whole[len(root):])
    open(path, "wb").write(data)
' "$tmp/elf-left" "$src" "$hostRoot" "$builddir"

# --- 3b. Shebangs of executable stdlib scripts (webbrowser.py, ...) -> this interpreter ---------
find "$out/$lib" -type f -perm -0100 > "$tmp/executables"
. "$patchShebangsSh"
patchShebangs "$tmp/executables" "$out/bin/python$minor" "" unexec

# --- 4. nixpkgs' layout: bin/python3 and bin/python; our sitecustomize ----------------------
ln -s "python$minor" "$out/bin/python3"
ln -s "python$minor" "$out/bin/python"
cp "$sitecustomize" "$out/$lib/sitecustomize.py"

# --- 5. It runs from the store, with the store's libraries --------------------------------------
cd "$tmp"
got=$(PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1 "$out/bin/python$minor" -c '
import ctypes, bz2, lzma, zlib, sqlite3, ssl, readline, decimal, uuid, zoneinfo, sys, platform
zoneinfo.ZoneInfo("Europe/Paris")
assert sys.prefix == sys.argv[1], (sys.prefix, sys.argv[1])
print(platform.python_version())
' "$out") || die "the copied interpreter does not run"
[ "$got" = "$version" ] || die "the copied interpreter is Python $got, expected $version"
if grep -rl -e "$src" -e "$builddir" "$out" > "$tmp/left"; then die "still naming $src or $builddir: $(cat "$tmp/left")"; fi

# --- 6. Bytecode of the standard library, by this interpreter (builders/bytecode.sh) -----------
. "$bytecodeSh"
compileBytecode "$out/bin/python$minor" "$out/$lib"
