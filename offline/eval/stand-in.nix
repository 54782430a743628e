# The constructor of every evaluation stand-in: a derivation that has the name, bin/ names,
# passthru and meta of a nixpkgs 26.05 package, so emitted Nix that uses it can be
# instantiated (nix-instantiate gives a .drv), and whose builder only says that it is a
# stand-in and fails. Nothing here is ever meant to be built or run.
{ busybox, system }:
{
  # Package name as nixpkgs gives it (`pname`).
  pname,
  # Version as nixpkgs 26.05 has it, or null where it was not checked (the name is then pname).
  version ? null,
  # Derivation name when it is not "${pname}-${version}" (runCommand "clojupyter", symlinkJoin
  # "ghc-…-with-packages").
  name ? if version == null then pname else "${pname}-${version}",
  # Programs nixpkgs' build installs in $out/bin, exactly as named there.
  binNames ? [ ],
  # The nixpkgs file (NixOS/nixpkgs, relative path) the shape was taken from.
  source,
  # Attributes nixpkgs puts on the result besides the derivation's (passthru).
  passthru ? { },
  # meta as nixpkgs sets it (mainProgram where nixpkgs sets it, and only there).
  meta ? { },
}:
let
  message = "${name} is an evaluation stand-in (nixlab offline/eval) for nixpkgs ${source}: it has the attribute shape of nixpkgs 26.05 so that emitted Nix can be instantiated, but it cannot be built or run. Build against real nixpkgs (nixos-26.05) instead.";
  drv = derivation {
    inherit name system;
    builder = "${busybox}/bin/sh";
    args = [
      "-c"
      ''echo "error: $standInMessage" >&2; exit 1''
    ];
    standInMessage = message;
    # Recorded in the .drv too, so `nix show-derivation` shows what the stand-in claims.
    standInBinNames = binNames;
    standInSource = source;
    preferLocalBuild = true;
    allowSubstitutes = false;
  };
in
drv
// passthru
// {
  inherit pname version passthru;
  meta = meta // {
    description = meta.description or "evaluation stand-in for nixpkgs ${source}";
  };
  # What the stand-in claims; tests compare kernel.json argv against binNames.
  standIn = {
    inherit binNames source;
  };
}
