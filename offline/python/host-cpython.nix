# CPython 3.13 for the offline package set: the build scripts/cpython.mjs makes on this machine
# from the source offline/python/cpython.json pins (Debian 13's orig tarball, built with Debian
# 12's gcc against Debian 12's libraries) into CPYTHON_ROOT/<version>. It is copied into the store
# and relinked like a Debian package (builders/host-cpython.sh): the store glibc, store copies of
# those Debian libraries, nothing left pointing under the host prefix.
{
  lib,
  system,
  debian,
  dpkg,
  busybox,
  patchelf,
  glibc,
  sitecustomize,
  # where scripts/cpython.mjs builds: "/opt/nixlab/cpython" ($NIXLAB_CPYTHON_ROOT)
  cpythonRoot,
}:
let
  # What lib-dynload and libpython need besides glibc (patchelf --print-needed over the build;
  # the Debian packages that ship those libraries; 3.13 has no crypt or nis module, so no
  # libcrypt1, libnsl2 or libtirpc3). Readline's and ncurses' terminal data are
  # not followed (readline-common is in debian.nix's ignore list).
  debianLibs = [
    "libbz2-1.0"
    "libffi8"
    "liblzma5"
    "libncursesw6"
    "libreadline8"
    "libsqlite3-0"
    "libssl3"
    "libtinfo6"
    "libuuid1"
    "zlib1g"
  ];
in
# version: the exact version scripts/cpython.mjs built, e.g. "3.13.5"
version:
let
  minor = builtins.head (builtins.match "([0-9]+[.][0-9]+)[.].*" version);
  src = "${cpythonRoot}/${version}";
  exe = "${src}/bin/python${minor}";
  # scripts/cpython.mjs writes it last: without it the build is missing or unfinished.
  marker = "${src}/nixlab-cpython.json";
in
if !builtins.pathExists marker || !builtins.pathExists exe then
  throw "python${builtins.replaceStrings [ "." ] [ "" ] minor}: the offline package set's Python ${minor} is CPython ${version} built on this machine, and ${marker} is missing (build it with `node scripts/cpython.mjs`, which scripts/setup.sh runs; NIXLAB_CPYTHON_ROOT at evaluation picks another root than ${cpythonRoot})"
else
  derivation {
    name = "python3-${version}";
    inherit system version minor src;
    builder = "${busybox}/bin/sh";
    args = [
      "-e"
      ../builders/host-cpython.sh
    ];
    PATH = "${busybox}/bin";
    glibc = glibc;
    patchelf = "${patchelf}/bin/patchelf";
    libSearchPaths = [ glibc ] ++ map (n: debian.groups.${debian.keyOf n}) debianLibs;
    tzdata = debian.groups.tzdata;
    inherit sitecustomize;
    relinkSh = ../builders/relink.sh;
    patchShebangsSh = ../builders/patch-shebangs.sh;
    bytecodeSh = ../builders/bytecode.sh;
    hostPython = exe;
    hostRoot = cpythonRoot;
    # The host build is state that no package manager records: its interpreter's and
    # libpython's hashes are inputs, so a rebuilt CPython gives a new store path.
    srcHashes = map (f: builtins.hashFile "sha256" (/. + f)) [
      exe
      "${src}/lib/libpython${minor}.so.1.0"
    ];
    preferLocalBuild = true;
    allowSubstitutes = false;
  }
