# Top-level packages that nixpkgs refuses to evaluate unless the config allows them, at their
# nixpkgs attribute names with their nixpkgs meta (check-meta.nix does the refusing; see
# offline/README.md, "Refusals"):
#  - olm (insecure): Debian 12's libolm3 in the store -- a real library, with nixpkgs'
#    meta.knownVulnerabilities (pkgs/by-name/ol/olm/package.nix);
#  - unrar (unfree: unfreeRedistributable, pkgs/by-name/un/unrar/package.nix) and tebreak
#    (broken since NixOS/nixpkgs#444894; pkgs/by-name/te/tebreak/package.nix) are stand-ins: this
#    machine has neither RARLAB's unrar (Debian's is in non-free) nor tebreak's bioinformatics
#    stack. Allowed, they build; their program says it is a stand-in and exits 1.
{
  lib,
  debian,
  busybox,
  mkCheckedDerivation,
  checkMeta,
  licenses,
}:
let
  # A store path whose only program reports that it stands in for the real one.
  standIn =
    {
      pname,
      version,
      meta,
      why,
    }@args:
    mkCheckedDerivation (
      {
        inherit pname version why;
        # the program: a message and exit status 1
        script = ''
          #!${busybox}/bin/sh
          echo ${lib.escapeShellArg "${pname}: the offline package set has no real ${pname} (${why})"} >&2
          exit 1
        '';
        passAsFile = [ "script" ];
        buildCommand = ''
          mkdir -p $out/bin $out/share/doc/${pname}
          printf '%s\n' "$why" > $out/share/doc/${pname}/OFFLINE-STAND-IN
          cp "$scriptPath" $out/bin/${meta.mainProgram}
          chmod 555 $out/bin/${meta.mainProgram}
        '';
        inherit meta;
      }
      # keep pname's position (mkCheckedDerivation records it as meta.position)
      // builtins.intersectAttrs { pname = null; } args
    );

  olmGroup = debian.groups.libolm3;
in
{
  # nixpkgs: olm 3.2.16 with knownVulnerabilities (CVE-2024-45191, -45192, -45193: libolm is
  # deprecated upstream and its cryptography has known side-channel issues). Debian 12 has 3.2.13.
  olm = checkMeta (
    olmGroup
    // {
      pname = "olm";
      version = lib.removePrefix "olm-" olmGroup.name;
      inherit (olmGroup) name;
      meta = {
        description = "Implements double cryptographic ratchet and Megolm ratchet (Debian 12's libolm3)";
        homepage = "https://gitlab.matrix.org/matrix-org/olm";
        license = licenses.asl20;
        knownVulnerabilities = [
          ''
            libolm is deprecated upstream, and the cryptography code it relies on has known
            side-channel issues (CVE-2024-45191, CVE-2024-45192, CVE-2024-45193); upstream says it
            should not be used where cryptographic security is required.
          ''
        ];
        position = "${__curPos.file}:${toString __curPos.line}";
      };
    }
  );

  unrar = standIn {
    pname = "unrar";
    version = "7.3.1";
    why = "RARLAB's unrar is unfree; Debian packages it in non-free, which this machine does not use";
    meta = {
      description = "Utility for RAR archives (offline stand-in)";
      homepage = "https://www.rarlab.com/";
      license = licenses.unfreeRedistributable;
      mainProgram = "unrar";
    };
  };

  tebreak = standIn {
    pname = "tebreak";
    version = "1.1";
    why = "tebreak needs pysam, scipy, bwa, samtools and more, which this machine does not have";
    meta = {
      description = "Find and characterise transposable element insertions (offline stand-in)";
      homepage = "https://github.com/adamewing/tebreak";
      license = licenses.mit;
      mainProgram = "tebreak";
      broken = true;
    };
  };
}
