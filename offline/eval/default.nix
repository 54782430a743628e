# Evaluation layer: the offline package set (../default.nix) with shape-faithful stand-ins for
# what it cannot build, so that a generated project for any preset can be *instantiated*
# against nixpkgs 26.05's attribute shapes:
#
#   nix-instantiate DIR -A imageRoot --arg pkgs 'import /abs/offline/eval { }'
#
# Same arguments as ../default.nix (nixpkgs' pkgs/top-level/impure.nix). Python 3.11, R, Octave,
# busybox, tini, cacert and the builders stay the real offline ones; the stand-ins (see
# ./stand-in.nix) build nothing: building one fails with a message saying it is an evaluation
# stand-in. Stand-ins come first and the caller's overlays after, as with any nixpkgs overlay.
{
  config ? { },
  overlays ? [ ],
  system ? builtins.currentSystem,
}:
assert builtins.isAttrs config;
assert builtins.isList overlays;
let
  lib = import ../lib.nix;

  # Attributes 24.11 had (so offline/unavailable.nix throws for them) that nixpkgs 26.05 does not:
  # all-packages.nix takes cpp11/14/17/20/23-kernel and xeus-cpp from jupyter-kernels/xeus-cpp;
  # xeus-cling and its C++2a kernel are gone. Here they are missing, as in 26.05.
  absent = [
    "xeus-cling"
    "cpp2a-kernel"
  ];

  base = self: removeAttrs (import ../pkgs.nix { inherit lib system self; }) absent;

  standIns =
    final: prev:
    let
      standIn = import ./stand-in.nix {
        inherit system;
        inherit (final) busybox;
      };
    in
    import ./kernels.nix { inherit standIn; }
    // import ./python.nix {
      inherit lib standIn;
      inherit (prev) python311;
    }
    // {
      haskellPackages = import ./haskell.nix { inherit lib standIn; };
    };
in
if system != "x86_64-linux" then
  throw "the offline package set is built from Debian's amd64 packages and only supports x86_64-linux (got ${system})"
else
  lib.fix (builtins.foldl' (f: overlay: lib.extends overlay f) base ([ standIns ] ++ overlays))
