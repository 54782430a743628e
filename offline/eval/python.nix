# Python for the evaluation layer.
#  - python311 (and python3, which is python311 in the offline set) stays the real offline
#    interpreter; its package set gains stand-ins for the nixpkgs names Debian 12 does not
#    package at all (python/names.nix `missing`: bash-kernel, polars, …). Names Debian has but
#    the machine lacks keep throwing with the apt package to install.
#  - python312, python313, python314 (Debian 12 has none) are stand-in interpreters with the
#    passthru of pkgs/development/interpreters/python/cpython/default.nix and a stand-in package
#    set of every name python/names.nix knows (a name outside it fails as "attribute missing").
{ lib, standIn, python311 }:
let
  names = import ../python/names.nix;
  allNames =
    builtins.attrNames (names.available // names.notInstalled // names.notOffered)
    ++ names.missing
    ++ [ "jupyterlab" ];

  # Console scripts of the packages whose bin/ nixlab's emitted Nix or its server relies on
  # (each package's pyproject.toml [project.scripts], installed by nixpkgs' pypaInstallHook).
  binNamesOf = {
    jupyterlab = [
      "jupyter-lab"
      "jupyter-labextension"
      "jupyter-labhub"
    ];
    notebook = [ "jupyter-notebook" ];
    jupyter-server = [ "jupyter-server" ];
    jupyter-core = [
      "jupyter"
      "jupyter-migrate"
      "jupyter-troubleshoot"
    ];
    ipython = [
      "ipython"
      "ipython3"
    ];
  };

  # A Python package of a set: pythonModule / requiredPythonModules as
  # pkgs/development/interpreters/python/python-packages-base.nix gives them.
  pyPackage =
    python: pname:
    standIn {
      inherit pname;
      name = "python${python.pythonVersion}-${pname}";
      binNames = binNamesOf.${pname} or [ ];
      source = "pkgs/development/python-modules/${pname}/default.nix";
      passthru = {
        pythonModule = python;
        propagatedBuildInputs = [ ];
        requiredPythonModules = [ ];
      };
    };

  # A stand-in CPython: bin/python3.X with the python3 and python links
  # (cpython/default.nix postInstall), the passthru nixlab's emitters and nixpkgs' wrappers
  # use, and withPackages = f: buildEnv.override { extraLibs = f pkgs; } (with-packages.nix).
  mkPython =
    { pythonVersion, version }:
    let
      executable = "python${pythonVersion}";
      sitePackages = "lib/${executable}/site-packages";
      pkgs = lib.genAttrs allNames (pyPackage python) // {
        inherit python;
      };
      # wrapper.nix: buildEnv named "${python.name}-env" of the interpreter and the packages'
      # closure, every bin/ program wrapped; passthru.interpreter is the env's bin/python3.X.
      buildEnv = lib.makeOverridable (
        {
          extraLibs ? [ ],
          postBuild ? "",
          ignoreCollisions ? false,
          permitUserSite ? false,
          makeWrapperArgs ? [ ],
          extraOutputsToInstall ? [ ],
        }:
        let
          env = standIn {
            pname = "python3-env";
            name = "${python.name}-env";
            binNames = lib.unique (python.standIn.binNames ++ builtins.concatMap (p: p.standIn.binNames or [ ]) extraLibs);
            source = "pkgs/development/interpreters/python/wrapper.nix";
            passthru = {
              inherit python extraLibs;
              interpreter = "${env}/bin/${executable}";
            };
            meta.mainProgram = executable;
          };
        in
        env
      ) { };
      python = standIn {
        pname = "python3";
        inherit version;
        binNames = [
          executable
          "python3"
          "python"
        ];
        source = "pkgs/development/interpreters/python/cpython/default.nix";
        passthru = {
          inherit executable sitePackages pythonVersion pkgs buildEnv;
          libPrefix = executable;
          implementation = "cpython";
          interpreter = "${python}/bin/${executable}";
          isPy3k = true;
          pythonAtLeast = v: builtins.compareVersions pythonVersion v >= 0;
          pythonOlder = v: builtins.compareVersions pythonVersion v < 0;
          withPackages = f: buildEnv.override { extraLibs = f pkgs; };
        };
        meta.mainProgram = executable;
      };
    in
    python;

  # The real offline python311 with stand-ins for the names Debian 12 lacks. withPackages and
  # buildEnv are the real ones; only the package set handed to `f` grows.
  inner = python311.pkgs.python;
  extraFor311 = lib.genAttrs names.missing (pyPackage inner);
  pkgs311 = python311.pkgs // extraFor311;
  python311' = python311 // {
    pkgs = pkgs311;
    withPackages = f: python311.withPackages (_: f pkgs311);
    passthru = python311.passthru // {
      pkgs = pkgs311;
      withPackages = python311'.withPackages;
    };
  };

  # Patch versions from pkgs/development/interpreters/python/default.nix (the stored copy with
  # python315 3.15.0b3; 26.05's may be a patch release apart). python314's comes from a
  # separate `sources` attribute that was not read: only the minor version is given.
  python312 = mkPython {
    pythonVersion = "3.12";
    version = "3.12.13";
  };
  python313 = mkPython {
    pythonVersion = "3.13";
    version = "3.13.14";
  };
  python314 = mkPython {
    pythonVersion = "3.14";
    version = "3.14";
  };
in
{
  python311 = python311';
  python311Packages = pkgs311;
  inherit python312 python313 python314;
  python312Packages = python312.pkgs;
  python313Packages = python313.pkgs;
  python314Packages = python314.pkgs;
}
