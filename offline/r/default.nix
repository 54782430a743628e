# R (Debian 12's r-base-core) and its package set, shaped like nixpkgs':
#  - `R`: pkgs/applications/science/math/R/default.nix -- bin/R and bin/Rscript, R_HOME = lib/R;
#  - `rPackages.<name>`: pkgs/development/r-modules/default.nix -- one store path per R package,
#    its files in library/<R name>, attribute names with "." written "_" (data.table is
#    data_table), R dependencies as propagatedBuildInputs;
#  - `rWrapper`: pkgs/development/r-modules/wrapper.nix -- `{ R, recommendedPackages, packages }`,
#    a symlinkJoin of R whose bin/* are wrapped with `--prefix R_LIBS_SITE : …` covering the
#    packages and everything they need; used as `rWrapper.override { packages = [ … ]; }`.
{
  lib,
  dpkg,
  debian,
  names,
  symlinkJoin,
  busybox,
}:
let
  inherit (builtins)
    attrNames
    concatLists
    filter
    listToAttrs
    map
    replaceStrings
    ;

  # Debian's "4.2.2.20221110" is R 4.2.2 (a snapshot of the 4.2.2 release branch).
  version = builtins.head (builtins.match "([0-9]+\\.[0-9]+\\.[0-9]+).*" dpkg.packages.r-base-core.upstream);

  R =
    debian.groups.r-base-core
    // {
      pname = "R";
      inherit version;
      meta = {
        description = "R ${version} from Debian 12 (r-base-core ${dpkg.packages.r-base-core.version})";
        mainProgram = "R";
      };
    };

  # One R package per installed Debian r-cran-* package, with its R dependencies (Debian's
  # Depends on other r-cran-* packages) as propagatedBuildInputs.
  rKeys = filter (k: debian.kindOf k == "r") (attrNames debian.groups);
  byKey = lib.genAttrs rKeys (
    key:
    let
      drv = debian.groups.${key};
      deps = map (k: byKey.${k}) (filter (k: debian.kindOf k == "r") (debian.depsOf key));
    in
    drv
    // {
      pname = debian.rNameOf key;
      version = dpkg.packages.${key}.upstream;
      propagatedBuildInputs = deps;
      # every R package this one needs, directly or not (what R_LIBS_SITE must cover)
      requiredRPackages = lib.unique (deps ++ concatLists (map (d: d.requiredRPackages) deps));
      meta.description = "R package ${debian.rNameOf key} from Debian 12 (${key} ${dpkg.packages.${key}.version})";
    }
  );

  rPackages =
    lib.mapAttrs (
      attr: debName:
      throw "rPackages.${attr}: the Debian package ${debName} is not installed on this machine; add \"- ${debName}\" under \"Debian packages\" in offline/README.md and apt-get install it"
    ) names.notInstalled
    // listToAttrs (
      map (key: {
        name = replaceStrings [ "." ] [ "_" ] (debian.rNameOf key);
        value = byKey.${key};
      }) rKeys
    );

  # wrapper.nix. nixpkgs' recommendedPackages are R's recommended packages (boot, MASS, Matrix,
  # …); Debian ships them as r-recommended, which is not installed, so the default is empty:
  # list them in `packages` (rPackages names them, throwing until they are installed).
  rWrapper = lib.makeOverridable (
    {
      R,
      recommendedPackages ? [ ],
      packages ? [ ],
    }:
    let
      all = lib.unique (
        concatLists (map (p: [ p ] ++ p.requiredRPackages or [ ]) (recommendedPackages ++ packages))
      );
      libsSite = lib.concatMapStringsSep ":" (p: "${p}/library") all;
    in
    symlinkJoin {
      name = "${R.name}-wrapper";
      paths = [ R ];
      wrapperShell = "${busybox}/bin/sh";
      postBuild = ''
        . ${../builders/make-wrapper.sh}
        cd ${R}/bin
        for exe in *; do
          rm "$out/bin/$exe"
          makeWrapper "${R}/bin/$exe" "$out/bin/$exe" \
            --prefix "R_LIBS_SITE" ":" "${libsSite}"
        done
      '';
      passthru = {
        inherit recommendedPackages packages;
      };
      meta = R.meta;
    }
  ) { inherit R; };
in
{
  inherit R rPackages rWrapper;
}
