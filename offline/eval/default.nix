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
let
  lib = import ../lib.nix;
  standIns =
    final: prev:
    let
      standIn = import ./stand-in.nix {
        inherit system;
        inherit (final) busybox;
      };
    in
    import ./kernels.nix { inherit standIn; }
    // import ./julia-jdk.nix { inherit standIn; }
    // import ./python.nix {
      inherit lib standIn;
      pythons = { inherit (prev) python311 python313; };
    }
    // {
      haskellPackages = import ./haskell.nix { inherit lib standIn; };
    };
in
# The offline set itself (its config checks and refusals included), the stand-ins overlaid first.
import ../default.nix {
  inherit config system;
  overlays = [ standIns ] ++ overlays;
}
