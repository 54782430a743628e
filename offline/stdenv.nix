# The derivation constructor behind runCommand, write*, buildEnv and symlinkJoin: the subset of
# nixpkgs' stdenvNoCC.mkDerivation (pkgs/stdenv/generic/make-derivation.nix) that those builders
# use, on top of builtins.derivation, with the store busybox `sh` as builder (no stdenv, no bash).
#
# Kept from nixpkgs: every attribute other than meta/passthru/env/pos becomes an environment
# variable of the builder exactly as builtins.derivation passes it (lists space-separated, true ->
# "1", false/null -> ""); `passAsFile` works natively; `env = { … }` entries are exported;
# `passthru` attributes land on the result, not in the derivation; `meta` is kept on the result;
# bin/ of `nativeBuildInputs` and `buildInputs` is put on PATH ahead of busybox.
{ lib, system, busybox }:
let
  mkDerivation =
    args:
    let
      name = args.name or "${args.pname}-${args.version}";
      passthru = args.passthru or { };
      meta = args.meta or { };
      inputs = lib.filter (x: x != null) (
        lib.toList (args.nativeBuildInputs or [ ]) ++ lib.toList (args.buildInputs or [ ])
      );
      drvAttrs =
        removeAttrs args [
          "passthru"
          "meta"
          "env"
          "pos"
        ]
        // (args.env or { })
        // {
          inherit name system;
          builder = "${busybox}/bin/sh";
          args = [
            "-e"
            ./builders/setup.sh
          ];
          PATH = lib.makeBinPath (inputs ++ [ busybox ]);
        };
      drv = derivation drvAttrs;
    in
    drv
    // passthru
    // {
      inherit meta passthru;
      # nixpkgs' overrideAttrs takes `prev: { … }` or `final: prev: { … }`; here both see the
      # original arguments (no fixed point over finalAttrs).
      overrideAttrs =
        f:
        let
          r = f args;
        in
        mkDerivation (args // (if builtins.isFunction r then r args else r));
    };
in
{
  inherit mkDerivation;
}
