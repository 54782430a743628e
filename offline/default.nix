# Offline package set: `import ./offline { config ? {}, overlays ? [], system ? … }`
# offers the attribute paths and function signatures of nixpkgs that nixlab's emitted Nix uses,
# built only from builtins, static busybox and the Debian packages installed on this machine
# (see README.md). Arguments as nixpkgs' pkgs/top-level/impure.nix:
#  - overlays are applied in order, like nixpkgs (lib.fix over lib.extends of each overlay);
#  - config is accepted for compatibility and not used (no unfree/broken packages here).
{
  config ? { },
  overlays ? [ ],
  system ? builtins.currentSystem,
}:
assert builtins.isAttrs config;
assert builtins.isList overlays;
let
  lib = import ./lib.nix;
  base = self: import ./pkgs.nix { inherit lib system self; };
in
if system != "x86_64-linux" then
  throw "the offline package set is built from Debian's amd64 packages and only supports x86_64-linux (got ${system})"
else
  lib.fix (builtins.foldl' (f: overlay: lib.extends overlay f) base overlays)
