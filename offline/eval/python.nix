# Python for the evaluation layer.
#  - python311 and python313 (python3 is python313) stay the real offline interpreters; their
#    package sets gain stand-ins for the nixpkgs names the wheel lock does not hold
#    (python/names.nix `notLocked`: polars, duckdb, …).
#  - python312 and python314 (no interpreter here) are stand-in interpreters with the passthru of
#    pkgs/development/interpreters/python/cpython/default.nix and a stand-in package set of every
#    name the offline sets know (a name outside it fails as "attribute missing").
{ lib, standIn, pythons }:
let
  names = import ../python/names.nix;
  lockedNames = builtins.filter (n: !(builtins.elem n [ "python" "pythonPackages" "hasPythonModule" "requiredPythonModules" "makePythonPath" ])) (builtins.attrNames pythons.python313.pkgs);
  allNames = lib.unique (lockedNames ++ names.notLocked);

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

  # A real offline interpreter with stand-ins for the names the lock lacks. withPackages and
  # buildEnv are the real ones; only the package set handed to `f` grows.
  withStandIns =
    real:
    let
      extra = lib.genAttrs names.notLocked (pyPackage real.pkgs.python);
      pkgs = real.pkgs // extra;
      python = real // {
        inherit pkgs;
        withPackages = f: real.withPackages (_: f pkgs);
        passthru = real.passthru // {
          inherit pkgs;
          inherit (python) withPackages;
        };
      };
    in
    python;

  python311 = withStandIns pythons.python311;
  python313 = withStandIns pythons.python313;
  # Versions as the pin's evaluated facts record them (nixpkgs-facts/, checked by
  # eval-layer.test.ts).
  pinAttrs = (builtins.fromJSON (builtins.readFile ../../nixpkgs-facts/master-2026-07-14.json)).attrs;
  python312 = mkPython {
    pythonVersion = "3.12";
    inherit (pinAttrs.python312) version;
  };
  python314 = mkPython {
    pythonVersion = "3.14";
    inherit (pinAttrs.python314) version;
  };
in
{
  inherit python311 python312 python313 python314;
  python311Packages = python311.pkgs;
  python312Packages = python312.pkgs;
  python313Packages = python313.pkgs;
  python314Packages = python314.pkgs;
  python3 = python313;
  python3Packages = python313.pkgs;
}
