# buildEnv with the argument list of nixpkgs' pkgs/build-support/buildenv/default.nix:
#   { name | pname+version, paths, ignoreCollisions ? false, ignoreSingleFileOutputs ? false,
#     includeClosures ? false, checkCollisionContents ? true, pathsToLink ? ["/"],
#     extraOutputsToInstall ? [], extraPrefix ? "", postBuild ? "", manifest ? "",
#     derivationArgs ? {}, nativeBuildInputs, buildInputs, passthru, meta }
# The symlink tree is made by builders/buildenv.sh, a busybox-sh port of nixpkgs' builder.pl.
# Like nixpkgs, the result is overridable (`.override { … }`) and has passthru.paths.
{ lib, mkDerivation }:
let
  buildEnv =
    {
      name ? null,
      pname ? null,
      version ? null,
      paths,
      ignoreCollisions ? false,
      ignoreSingleFileOutputs ? false,
      includeClosures ? false,
      checkCollisionContents ? true,
      pathsToLink ? [ "/" ],
      extraOutputsToInstall ? [ ],
      extraPrefix ? "",
      postBuild ? "",
      manifest ? "",
      derivationArgs ? { },
      nativeBuildInputs ? [ ],
      buildInputs ? [ ],
      passthru ? { },
      meta ? { },
    }:
    # nixpkgs implements this with writeClosure (exportReferencesGraph + jq); not needed by nixlab,
    # so it fails loudly instead of silently producing an environment without the closures.
    assert lib.assertMsg (!includeClosures)
      "buildEnv: includeClosures is not supported by the offline package set";
    let
      envName =
        if name != null then
          name
        else if pname != null && version != null then
          "${pname}-${version}"
        else
          throw "buildEnv requires either a `name` OR `pname` and `version`";
      # nixpkgs: the default output(s) (meta.outputsToInstall when set) plus extraOutputsToInstall,
      # each tagged with the package's meta.priority (default lib.meta.defaultPriority = 5).
      chosen = map (
        drv:
        {
          paths =
            (
              if (!drv ? outputSpecified || !drv.outputSpecified) && drv.meta.outputsToInstall or null != null then
                map (outName: drv.${outName}) drv.meta.outputsToInstall
              else
                [ drv ]
            )
            ++ lib.filter (p: p != null) (map (outName: drv.${outName} or null) extraOutputsToInstall);
          priority = drv.meta.priority or lib.meta.defaultPriority;
        }
      ) paths;
      pkgsLines = lib.concatMapStrings (
        c: lib.concatMapStrings (p: "${toString c.priority} ${p}\n") c.paths
      ) chosen;
    in
    mkDerivation (
      derivationArgs
      // {
        name = envName;
        inherit
          nativeBuildInputs
          buildInputs
          meta
          ignoreCollisions
          checkCollisionContents
          ignoreSingleFileOutputs
          pathsToLink
          extraPrefix
          postBuild
          manifest
          ;
        pkgs = pkgsLines;
        preferLocalBuild = derivationArgs.preferLocalBuild or true;
        allowSubstitutes = derivationArgs.allowSubstitutes or false;
        passAsFile = [
          "buildCommand"
          "pkgs"
        ] ++ derivationArgs.passAsFile or [ ];
        buildCommand = ''
          . ${./builders/buildenv.sh}
          eval "$postBuild"
        '';
        passthru = {
          inherit paths;
        } // derivationArgs.passthru or passthru;
      }
    );
in
lib.makeOverridable buildEnv
