# Stand-in for pkgs.bashInteractive until the set has its own (the pkgs-misc branch adds
# bash.nix): Debian's /usr/bin/bash, checked against dpkg's checksum and relinked to the store
# glibc and libtinfo like every Debian binary. Only bash-kernel uses it (pkgs.nix:
# `self.bashInteractive or this`); drop this file once bashInteractive exists.
{ system, dpkg, debian, busybox, glibc, patchelf }:
derivation {
  name = "bash-interactive-${dpkg.packages.bash.upstream}";
  inherit system;
  builder = "${busybox}/bin/sh";
  args = [
    "-e"
    (builtins.toFile "bash-fallback.sh" ''
      set -o pipefail
      tmp=$NIX_BUILD_TOP
      die() { echo "error: $*" >&2; exit 1; }
      grep '  bin/bash$' "$md5sums" | sed 's|  bin/bash$|  /usr/bin/bash|' > "$tmp/check"
      md5sum -c -s "$tmp/check" || die "/usr/bin/bash differs from the checksum dpkg recorded"
      mkdir -p "$out/bin"
      cp /usr/bin/bash "$out/bin/bash"
      chmod 755 "$out/bin/bash"
      . "$relinkSh"
      relinkElves "$out" "$glibc/lib/ld-linux-x86-64.so.2" "$glibc/lib" "$libtinfo/lib"
      "$out/bin/bash" -c 'test "$BASH_VERSION"' || die "the copied bash does not run"
    '')
  ];
  PATH = "${busybox}/bin";
  md5sums = dpkg.md5sumsOf "bash";
  inherit glibc;
  libtinfo = debian.groups.libtinfo6;
  patchelf = "${patchelf}/bin/patchelf";
  relinkSh = ../builders/relink.sh;
  preferLocalBuild = true;
  allowSubstitutes = false;
}
