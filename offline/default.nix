# Offline package set: `import ./offline { config ? {}, overlays ? [], system ? … }`
# offers the attribute paths and function signatures of nixpkgs that nixlab's emitted Nix uses,
# built only from builtins, static busybox and the Debian packages installed on this machine
# (see README.md). Arguments as nixpkgs' pkgs/top-level/impure.nix:
#  - overlays are applied in order, like nixpkgs (lib.fix over lib.extends of each overlay);
#  - config is nixpkgs' config: an attribute set, or a function { pkgs }: { … } called with the
#    final set (pkgs/top-level/default.nix). Its type and the types of the options the set reads
#    (allowUnfree, allowBroken, permittedInsecurePackages, …) are checked here; check-meta.nix
#    refuses unfree, broken, insecure and unsupported packages unless it allows them.
{
  config ? { },
  overlays ? [ ],
  system ? builtins.currentSystem,
}:
assert builtins.isList overlays;
let
  lib = import ./lib.nix;
  inherit (import ./check-meta.nix { inherit lib system; config = { }; }) validateConfig;
  config' = validateConfig (if lib.isFunction config then config { pkgs = final; } else config);
  base = self: import ./pkgs.nix { inherit lib system self; config = config'; };
  final = lib.fix (builtins.foldl' (f: overlay: lib.extends overlay f) base overlays);
in
if system != "x86_64-linux" then
  throw "the offline package set is built from Debian's amd64 packages and only supports x86_64-linux (got ${system})"
else
  builtins.seq config' final
