# python311 (Debian 12's CPython 3.11) and its package set, shaped like nixpkgs':
#  - the interpreter's passthru (executable, sitePackages, interpreter, pkgs, withPackages,
#    buildEnv, ...) as in pkgs/development/interpreters/python/cpython/default.nix's passthru;
#  - packages carry pythonModule / propagatedBuildInputs / requiredPythonModules as
#    pkgs/development/interpreters/python/python-packages-base.nix gives them;
#  - withPackages = f: buildEnv.override { extraLibs = f pkgs; }   (with-packages.nix)
#  - buildEnv: the environment of wrapper.nix (see envFor below).
{
  lib,
  dpkg,
  debian,
  names,
  buildEnv,
  runCommand,
  busybox,
  pythonVersion,
  # pkgs-misc: check-meta's mkCheckedDerivation and licenses, for ../refusals-python.nix
  refusalArgs,
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

  raw = debian.groups.python3;
  version = dpkg.packages."python${pythonVersion}".upstream;
  executable = "python${pythonVersion}";
  libPrefix = "python${pythonVersion}";
  sitePackages = "lib/${libPrefix}/site-packages";

  passthru = rec {
    inherit executable libPrefix sitePackages pythonVersion;
    pname = "python3";
    inherit version;
    implementation = "cpython";
    interpreter = "${raw}/bin/${executable}";
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
        description = "CPython ${version} from Debian 12 (${lib.concatStringsSep ", " raw.debPackages})";
        mainProgram = executable;
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

  debToNix = listToAttrs (
    lib.mapAttrsToList (n: d: { name = d; value = n; }) (names.available // names.notInstalled)
  );

  # One Python package per Debian group of kind "python" (see debian.nix), with its Python
  # dependencies (Debian's Depends on other python3-* packages) as propagatedBuildInputs.
  pythonKeys = filter (k: debian.kindOf k == "python") (attrNames debian.groups);
  byKey = lib.genAttrs pythonKeys (
    key:
    let
      drv = debian.groups.${key};
      deps = map (k: byKey.${k}) (filter (k: debian.kindOf k == "python") (debian.depsOf key));
    in
    drv
    // {
      pname = debToNix.${key} or (lib.removePrefix "python3-" key);
      version = dpkg.packages.${builtins.head drv.debPackages}.upstream;
      pythonModule = python;
      propagatedBuildInputs = deps;
      requiredPythonModules = requiredPythonModules deps;
      meta.description = "Debian 12 package(s) ${lib.concatStringsSep ", " drv.debPackages}";
    }
  );

  fromDebian =
    attr: debName:
    if dpkg.isInstalled debName then
      byKey.${debian.keyOf debName}
    else
      throw "python${pythonVersion}Packages.${attr}: the Debian package ${debName} is not installed on this machine; add \"- ${debName}\" under \"Debian packages\" in offline/README.md and apt-get install it";

  pythonPackages =
    lib.mapAttrs fromDebian (names.available // names.notInstalled)
    // lib.mapAttrs (
      attr: reason: throw "python${pythonVersion}Packages.${attr} is not offered by the offline package set: ${reason}"
    ) names.notOffered
    # pkgs-misc: Python packages nixpkgs refuses unless config allows them (gurobipy: unfree)
    // import ../refusals-python.nix { inherit lib python sitePackages; inherit (refusalArgs) mkCheckedDerivation licenses; }
    // lib.genAttrs names.missing (
      attr:
      throw "python${pythonVersion}Packages.${attr} is not available in the offline package set (Debian 12 has no ${attr} package)"
    )
    // {
      # Debian 12 has no JupyterLab. The closest front end it has is the classic Notebook 6.4
      # (python3-notebook), so `jupyterlab` evaluates -- with a warning -- to a package whose
      # bin/jupyter-lab starts that Notebook server (it serves /tree, not /lab), so images and
      # shells built for `frontend: lab` start offline as they would with nixpkgs' jupyterlab.
      jupyterlab =
        let
          nb = pythonPackages.notebook;
        in
        lib.warn "python${pythonVersion}Packages.jupyterlab: Debian 12 has no JupyterLab; the offline package set substitutes notebook ${nb.version} (classic Notebook front end; bin/jupyter-lab starts it)" (
          runCommand "jupyterlab-offline-notebook-${nb.version}" { } ''
            mkdir -p $out/bin
            cp ${nb}/bin/jupyter-notebook $out/bin/jupyter-lab
            chmod 0555 $out/bin/jupyter-lab
          ''
          // {
            pname = "jupyterlab";
            inherit (nb) version;
            pythonModule = python;
            propagatedBuildInputs = [ nb ];
            requiredPythonModules = requiredPythonModules [ nb ];
          }
        );

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
  # The Python package made from an installed Debian python3-* package that nixpkgs' Python set
  # does not name (octave/default.nix: octave_kernel, as nixpkgs' octave-kernel builds its own).
  debianPythonPackage = debName: fromDebian debName debName;
}
