# GNU Octave (Debian 12's, without the Qt GUI), its package set and the Jupyter kernel, shaped
# like nixpkgs':
#  - `octave`: pkgs/development/interpreters/octave/default.nix -- bin/octave, bin/octave-cli and
#    the passthru the rest uses (version, sitePath, octPkgsPath, enableQt = false, buildEnv,
#    withPackages, pkgs = octavePackages, interpreter);
#  - `octave.withPackages f` = `buildEnv.override { extraLibs = f octavePackages; }`
#    (with-packages.nix); buildEnv (build-env.nix): a buildEnv of octave and the packages whose
#    bin/ programs are wrapped with OCTAVE_SITE_INITFILE pointing at a startup file that makes
#    the packages' database the local package list;
#  - `octavePackages`: pkgs/top-level/octave-packages.nix -- packages carry isOctavePackage and
#    requiredOctavePackages, and computeRequiredOctavePackages closes over them;
#  - `octave-kernel`: pkgs/applications/editors/jupyter-kernels/octave/default.nix -- a
#    (callPackage-overridable) set with `launcher` (bin/octave-kernel: python -m octave_kernel
#    with `--suffix PATH : $octave/bin`) and `definition`.
{
  lib,
  dpkg,
  debian,
  names,
  python3,
  buildEnv,
  runCommand,
  busybox,
}:
let
  inherit (builtins)
    concatLists
    filter
    hasAttr
    listToAttrs
    map
    ;

  version = dpkg.packages.octave.upstream;
  base = debian.groups.octave;
  wrapperShell = "${busybox}/bin/sh";

  passthru = {
    pname = "octave";
    inherit version;
    sitePath = "share/octave/${version}/site";
    octPkgsPath = "share/octave/octave_packages";
    enableQt = false;
    enableReadline = true;
    enableJava = false;
    interpreter = "${base}/bin/octave";
    python = python3;
    inherit octavePackages;
    pkgs = octavePackages;
    # with-packages.nix
    withPackages = f: octave.buildEnv.override { extraLibs = f octavePackages; };
    buildEnv = lib.makeOverridable envFor { extraLibs = [ ]; };
  };
  octave =
    base
    // passthru
    // {
      inherit passthru;
      meta = {
        description = "GNU Octave ${version} from Debian 12 (octave, octave-common; without the Qt GUI, as nixpkgs' octave)";
        mainProgram = "octave";
      };
    };

  # octave-packages.nix: computeRequiredOctavePackages
  computeRequiredOctavePackages =
    drvs:
    let
      packages = filter (drv: drv ? isOctavePackage) drvs;
    in
    lib.unique (packages ++ concatLists (map (p: p.requiredOctavePackages or [ ]) packages));

  # Debian package name -> nixpkgs name, for the installed Octave packages' dependencies.
  nixNameOf = listToAttrs (lib.mapAttrsToList (n: d: { name = d; value = n; }) names.debian);
  isOctavePackageKey = k: hasAttr k nixNameOf;

  # One package per installed Debian octave-<name>, its Octave-package dependencies (Debian's
  # Depends, e.g. signal -> control) as requiredOctavePackages. Debian installs it under
  # share/octave/packages/<name>-<version> (m-files, packinfo) and
  # lib/octave/packages/<name>-<version>/<arch>-api-v57 (.oct files), where `pkg` finds it once
  # an environment's package database lists it (see envFor).
  fromDebian =
    attr: debName:
    if dpkg.isInstalled debName then
      let
        drv = debian.groups.${debName};
        deps = map (k: fromDebian nixNameOf.${k} k) (filter isOctavePackageKey (debian.closureOf debName));
      in
      drv
      // {
        pname = attr;
        version = dpkg.packages.${debName}.upstream;
        isOctavePackage = true;
        requiredOctavePackages = deps;
        meta.description = "Octave package ${attr} from Debian 12 (${debName} ${dpkg.packages.${debName}.version})";
      }
    else
      throw "octavePackages.${attr}: the Debian package ${debName} is not installed on this machine; add \"- ${debName}\" under \"Debian packages\" in offline/README.md and apt-get install it";

  octavePackages =
    lib.mapAttrs fromDebian names.debian
    // lib.genAttrs names.missing (
      attr: throw "octavePackages.${attr} is not available in the offline package set (Debian 12 has no octave-${attr} package)"
    )
    // {
      inherit computeRequiredOctavePackages;
    };

  # build-env.nix: { extraLibs ? [], extraOutputsToInstall ? [], postBuild ? "", ignoreCollisions ? false }.
  # nixpkgs installs each package's tarball with `pkg install` into the environment; Debian's
  # packages are installed already, so the environment links them and `pkg rebuild` writes the
  # package database (.octave_packages) from what it finds under the environment's prefixes.
  envFor =
    {
      extraLibs ? [ ],
      extraOutputsToInstall ? [ ],
      postBuild ? "",
      ignoreCollisions ? false,
    }:
    let
      packages = computeRequiredOctavePackages extraLibs;
      siteInit = "share/octave/site/m/startup/octaverc";
    in
    buildEnv {
      name = "${octave.name}-env";
      paths = packages ++ [ octave ];
      inherit ignoreCollisions;
      extraOutputsToInstall = [ "out" ] ++ extraOutputsToInstall;
      derivationArgs = { inherit wrapperShell; };
      postBuild = ''
        . ${../builders/make-wrapper.sh}
        export HOME="$TMPDIR"
        # bin/: octave's programs, wrapped to read this environment's startup file
        rm -rf "$out/bin"
        mkdir -p "$out/bin"
        for prg in octave octave-cli; do
          makeWrapper "${octave}/bin/$prg" "$out/bin/$prg" --set OCTAVE_SITE_INITFILE "$out/${siteInit}"
        done
        # the package database, and the startup file that makes it the local package list
        "${octave}/bin/octave-cli" --no-site-file --no-init-file --quiet --no-window-system --eval "
          pkg local_list $out/.octave_packages;
          pkg prefix $out/share/octave/packages $out/lib/octave/packages;
          pkg rebuild -local;"
        touch "$out/.octave_packages"
        # Octave's text format starts with "# Created by Octave 7.3.0, <date> <user@host>": keep
        # the version only, so that the same inputs give the same output.
        sed -i '1s/^\(# Created by Octave [0-9.]*\),.*$/\1/' "$out/.octave_packages"
        for d in share share/octave share/octave/site share/octave/site/m share/octave/site/m/startup; do
          if [ -L "$out/$d" ]; then
            t=$(readlink "$out/$d"); rm "$out/$d"; mkdir "$out/$d"
            for f in "$t"/* "$t"/.[!.]*; do [ -e "$f" ] && ln -s "$f" "$out/$d/"; done
          fi
          mkdir -p "$out/$d"
        done
        rm -f "$out/${siteInit}"
        echo "pkg local_list $out/.octave_packages" > "$out/${siteInit}"
      ''
      + postBuild;
      meta = octave.meta;
      passthru = octave.passthru // {
        interpreter = "${builtins.placeholder "out"}/bin/octave";
        inherit octave;
      };
    };

  # jupyter-kernels/octave/default.nix; `kernel` is kernel.nix's octave_kernel, here PyPI's
  # octave_kernel wheel (python/wheels.nix). The definition's logos are left out (nixpkgs renders them from
  # Octave's source tarball with ImageMagick).
  # Called as nixpkgs' callPackage would (pkgs.nix): `octave-kernel.override { octave = … }`.
  octaveKernel = lib.makeOverridable (
    { octave }:
    let
      kernel = python3.pkgs.octave-kernel;
    in
    rec {
      launcher = runCommand "octave-kernel-launcher" {
        inherit octave wrapperShell;
        python = python3.withPackages (ps: [
          ps.traitlets
          ps.jupyter-core
          ps.ipykernel
          ps.metakernel
          kernel
        ]);
      } ''
        . ${../builders/make-wrapper.sh}
        mkdir -p $out/bin
        makeWrapper $python/bin/python $out/bin/octave-kernel \
          --add-flags "-m octave_kernel" \
          --suffix PATH : $octave/bin
      '';
      definition = {
        displayName = "Octave";
        argv = [
          "${launcher}/bin/octave-kernel"
          "-f"
          "{connection_file}"
        ];
        language = "octave";
      };
    }
  );
in
{
  inherit octave octavePackages octaveKernel;
}
