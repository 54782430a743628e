# One CPython and its package set, shaped like nixpkgs':
#  - the interpreter's passthru (executable, sitePackages, interpreter, pkgs, withPackages,
#    buildEnv, ...) as in pkgs/development/interpreters/python/cpython/default.nix's passthru;
#  - packages carry pythonModule / propagatedBuildInputs / requiredPythonModules as
#    pkgs/development/interpreters/python/python-packages-base.nix gives them (wheels.nix makes
#    them from the locked PyPI wheels);
#  - withPackages = f: buildEnv.override { extraLibs = f pkgs; }   (with-packages.nix)
#  - buildEnv: the environment of wrapper.nix (see envFor below).
{
  lib,
  buildEnv,
  runCommand,
  busybox,
  # "3.11"
  pythonVersion,
  # check-meta's mkCheckedDerivation and licenses, for ../refusals-python.nix
  refusalArgs,
  # "3.11.2"
  version,
  # the interpreter's store path: bin/python3.X, lib/python3.X (debian.nix or host-cpython.nix)
  raw,
  # where it comes from, for meta.description
  origin,
  # { python, requiredPythonModules } -> the package set (wheels.nix)
  makePackages,
  # attribute names nixpkgs' set has that the lock does not: they throw with this hint
  notLocked,
}:
let
  inherit (builtins)
    attrNames
    catAttrs
    concatLists
    filter
    hasAttr
    listToAttrs
    map
    ;

  executable = "python${pythonVersion}";
  libPrefix = "python${pythonVersion}";
  sitePackages = "lib/${libPrefix}/site-packages";

  passthru = rec {
    inherit executable libPrefix sitePackages pythonVersion;
    pname = "python3";
    inherit version;
    implementation = "cpython";
    interpreter = "${raw}/bin/${executable}";
    # the bare interpreter's store path (what packages' scripts run, as in nixpkgs)
    interpreterPath = raw;
    isPy3k = true;
    isPy27 = false;
    isPy39 = pythonVersion == "3.9";
    isPy310 = pythonVersion == "3.10";
    isPy311 = pythonVersion == "3.11";
    isPy312 = pythonVersion == "3.12";
    isPy313 = pythonVersion == "3.13";
    isPyPy = false;
    pythonAtLeast = v: builtins.compareVersions pythonVersion v >= 0;
    pythonOlder = v: builtins.compareVersions pythonVersion v < 0;
    pkgs = pythonPackages;
    # with-packages.nix
    withPackages = f: python.buildEnv.override { extraLibs = f pythonPackages; };
    buildEnv = lib.makeOverridable envFor { extraLibs = [ ]; };
  };
  python =
    raw
    // passthru
    // {
      inherit passthru;
      meta = {
        description = "CPython ${version} (${origin})";
        mainProgram = executable;
        # nixpkgs' cpython: homepage = "https://www.python.org"; license = licenses.psfl
        # (lib/licenses.nix: spdxId "Python-2.0").
        homepage = "https://www.python.org";
        license = {
          shortName = "psfl";
          fullName = "Python Software Foundation License version 2";
          spdxId = "Python-2.0";
          free = true;
        };
      };
    };

  # python-packages-base.nix: hasPythonModule / requiredPythonModules
  hasPythonModule = drv: drv ? pythonModule && drv.pythonModule == python;
  requiredPythonModules =
    drvs:
    let
      modules = filter hasPythonModule drvs;
    in
    lib.unique ([ python ] ++ modules ++ concatLists (catAttrs "requiredPythonModules" modules));
  makePythonPath = drvs: lib.makeSearchPath sitePackages (requiredPythonModules drvs);

  pythonPackages =
    makePackages { inherit python requiredPythonModules; }
    # Python packages nixpkgs refuses unless config allows them (gurobipy: unfree)
    // import ../refusals-python.nix { inherit lib python sitePackages; inherit (refusalArgs) mkCheckedDerivation licenses; }
    // lib.genAttrs notLocked (
      attr:
      throw "python${builtins.replaceStrings [ "." ] [ "" ] pythonVersion}Packages.${attr} is not available in the offline package set (it is not in offline/python/wheels.lock.json: add it to REQUIREMENTS in scripts/lock-wheels.py, run that and scripts/wheels.sh)"
    )
    // {
      inherit
        python
        hasPythonModule
        requiredPythonModules
        makePythonPath
        ;
      pythonPackages = pythonPackages;
    };

  # wrapper.nix: { extraLibs ? [], extraOutputsToInstall ? [], postBuild ? "", ignoreCollisions ? false,
  # permitUserSite ? false, makeWrapperArgs ? [] }. A buildEnv of the interpreter and the packages'
  # closure; then each executable in bin/ is replaced by a wrapper:
  #  - bin/python3.X execs the interpreter with argv[0] = the wrapper's path, so the interpreter
  #    finds the environment as its prefix (lib/python3.X/os.py is linked there) and
  #    sitecustomize.py adds <env>/lib/python3.X/site-packages: sys.path holds the environment and
  #    the store only. bin/python3 and bin/python link to it.
  #  - other programs (jupyter, ipython, ...) exec the package's script with nixpkgs'
  #    NIX_PYTHONPREFIX / NIX_PYTHONEXECUTABLE / NIX_PYTHONPATH, handled by sitecustomize.py.
  # Additions to nixpkgs, both in every wrapper: PYTHONDONTWRITEBYTECODE=1 (Debian ships no .pyc
  # and the store must stay unwritten, even by root in a container), and for programs other than
  # the interpreter <env>/bin first on PATH, because `jupyter <cmd>` looks for `jupyter-<cmd>` on
  # PATH and Debian's kernel.json runs "python3" from PATH.
  envFor =
    {
      extraLibs ? [ ],
      extraOutputsToInstall ? [ ],
      postBuild ? "",
      ignoreCollisions ? false,
      permitUserSite ? false,
      makeWrapperArgs ? [ ],
    }:
    let
      paths = requiredPythonModules extraLibs ++ [
        (runCommand "bin" { } ''
          mkdir -p $out/bin
        '')
      ];
      pythonPath = "${builtins.placeholder "out"}/${sitePackages}";
      pythonExecutable = "${builtins.placeholder "out"}/bin/${executable}";
      userSite = lib.optionalString (!permitUserSite) ''--set PYTHONNOUSERSITE "true"'';
      extraArgs = lib.concatStringsSep " " makeWrapperArgs;
      env = buildEnv {
        name = "${python.name}-env";
        inherit paths ignoreCollisions;
        extraOutputsToInstall = [ "out" ] ++ extraOutputsToInstall;
        derivationArgs.wrapperShell = "${busybox}/bin/sh";
        postBuild = ''
          . ${../builders/make-wrapper.sh}
          for path in ${lib.concatStringsSep " " paths}; do
            if [ -d "$path/bin" ]; then
              cd "$path/bin"
              for prg in *; do
                if [ -f "$prg" ] && [ -x "$prg" ]; then
                  rm -f "$out/bin/$prg"
                  if [ "$prg" = "${executable}" ]; then
                    makeWrapper "${python.interpreter}" "$out/bin/$prg" \
                      --inherit-argv0 --resolve-argv0 \
                      ${userSite} --set PYTHONDONTWRITEBYTECODE 1 \
                      ${extraArgs}
                  elif [ "$(readlink "$prg")" = "${executable}" ]; then
                    ln -s "${executable}" "$out/bin/$prg"
                  else
                    makeWrapper "$path/bin/$prg" "$out/bin/$prg" \
                      --set NIX_PYTHONPREFIX "$out" \
                      --set NIX_PYTHONEXECUTABLE ${pythonExecutable} \
                      --set NIX_PYTHONPATH ${pythonPath} \
                      ${userSite} --set PYTHONDONTWRITEBYTECODE 1 \
                      --prefix PATH : "$out/bin" \
                      ${extraArgs}
                  fi
                fi
              done
            fi
          done
        ''
        + postBuild;
        meta = python.meta;
        passthru = passthru // {
          interpreter = "${env}/bin/${executable}";
          inherit python;
        };
      };
    in
    env;
in
{
  inherit python pythonPackages;
}
