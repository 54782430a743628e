# CPython 3.12 and 3.13 for the offline package set: the pyenv builds on the dev machines and CI
# (the same machine image), which were compiled there against Debian 12's libraries. Each is
# copied into the store and relinked like a Debian package (builders/pyenv.sh): the store glibc,
# store copies of those Debian libraries, nothing left pointing under the pyenv prefix.
{
  lib,
  system,
  debian,
  dpkg,
  busybox,
  patchelf,
  glibc,
  sitecustomize,
  pyenvRoot,
}:
let
  # What lib-dynload and libpython need besides glibc (patchelf --print-needed over both builds;
  # the Debian packages that ship those libraries). Readline's and ncurses' terminal data are
  # not followed (readline-common is in debian.nix's ignore list).
  debianLibs = [
    "libbz2-1.0"
    "libcrypt1"
    "libffi8"
    "liblzma5"
    "libncursesw6"
    "libnsl2"
    "libreadline8"
    "libsqlite3-0"
    "libssl3"
    "libtinfo6"
    "libtirpc3"
    "libuuid1"
    "zlib1g"
  ];
in
# version: the exact pyenv version, e.g. "3.12.1"
version:
let
  minor = builtins.head (builtins.match "([0-9]+[.][0-9]+)[.].*" version);
  src = "${pyenvRoot}/versions/${version}";
  exe = "${src}/bin/python${minor}";
in
if !builtins.pathExists exe then
  throw "python${builtins.replaceStrings [ "." ] [ "" ] minor}: the offline package set's Python ${minor} is pyenv's ${version}, and ${exe} is missing (install it with `pyenv install ${version}`; PYENV_ROOT at evaluation picks another pyenv root)"
else
  derivation {
    name = "python3-${version}";
    inherit system version minor src;
    builder = "${busybox}/bin/sh";
    args = [
      "-e"
      ../builders/pyenv.sh
    ];
    PATH = "${busybox}/bin";
    glibc = glibc;
    patchelf = "${patchelf}/bin/patchelf";
    libSearchPaths = [ glibc ] ++ map (n: debian.groups.${debian.keyOf n}) debianLibs;
    tzdata = debian.groups.tzdata;
    inherit sitecustomize;
    relinkSh = ../builders/relink.sh;
    bytecodeSh = ../builders/bytecode.sh;
    hostPython = exe;
    inherit pyenvRoot;
    # The pyenv build is host state that no package manager records: its interpreter's and
    # libpython's hashes are inputs, so a rebuilt pyenv Python gives a new store path.
    srcHashes = map (f: builtins.hashFile "sha256" (/. + f)) [
      exe
      "${src}/lib/libpython${minor}.so.1.0"
    ];
    preferLocalBuild = true;
    allowSubstitutes = false;
  }
