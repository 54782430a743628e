# The Python package set of one interpreter, made from the PyPI wheels locked in
# wheels.lock.json (scripts/lock-wheels.py writes it; scripts/wheels.sh downloads the files).
# Every locked wheel is one package under its nixpkgs attribute name, shaped as nixpkgs'
# buildPythonPackage leaves it (pname, version, pythonModule, propagatedBuildInputs,
# requiredPythonModules; files in lib/python3.X/site-packages, bin/ from the entry points,
# share/ and etc/ from the wheel's .data directory), its dependencies those the lock resolved.
# A locked sdist (`sdist = true`: a pure-Python distribution PyPI has no wheel of) is first laid
# out as the wheel it would build (builders/sdist-wheel.py), then installed the same way.
{
  lib,
  system,
  # the lock's entry for this interpreter: { packages = { <attr> = { distribution, version,
  # file, sha256, dependencies, ... }; }; ... }
  locked,
  # the interpreter (python/default.nix's `python`) and what nixpkgs' python-packages-base.nix
  # gives packages
  python,
  requiredPythonModules,
  busybox,
  patchelf,
  glibc,
  # store paths whose lib/ may satisfy a wheel's NEEDED libraries besides glibc (libstdc++, zlib)
  nativeLibs,
  cacert,
  # the bash that bash-kernel runs (nixpkgs: bashInteractive)
  bash,
  # Linux-PAM (Debian's libpam0g), which pamela loads
  pam,
  # the git that jupyterlab-git-core runs (nixpkgs: git, propagated)
  git,
  # fetchpypi.nix's { fetchPypi, fetchLocked }: a locked file in the store by its hash
  fetchers,
  # lock attributes that are no package of nixpkgs' set (names.nix `notInNixpkgs`): locked and
  # cached for fetchPypi, but no attribute here
  notInNixpkgs,
}:
let
  inherit (python) pythonVersion sitePackages executable;

  # The wheel file enters the store by its locked hash (fetchpypi.nix: copied from the wheel
  # cache by a fixed-output derivation; a missing or different file fails the build).
  fetchWheel = fetchers.fetchLocked;

  # The wheel of a locked sdist: built offline by the store interpreter from the sdist's own
  # metadata (setup.py is never run); deterministic, so its hash follows from the sdist's.
  sdistWheel =
    w:
    derivation {
      name = "${w.distribution}-${w.version}-py3-none-any.whl";
      inherit system;
      # Nix runs a builder with argv[0] its base name, from which the interpreter could not
      # find its prefix; started by its full path, it does.
      builder = "${busybox}/bin/sh";
      args = [
        "-c"
        ''exec "${python.interpreterPath}/bin/${executable}" -I -B ${../builders/sdist-wheel.py}''
      ];
      src = fetchWheel w;
      inherit (w) distribution version;
      preferLocalBuild = true;
      allowSubstitutes = false;
    };

  # Per-package additions, as nixpkgs' expressions make them.
  fixups = {
    # nixpkgs' certifi hands out cacert's bundle (its env.patch); the wheel's own cacert.pem
    # becomes that bundle.
    certifi.postInstall = ''
      rm "$site/certifi/cacert.pem"
      ln -s ${cacert}/etc/ssl/certs/ca-bundle.crt "$site/certifi/cacert.pem"
    '';
    # nixpkgs' bash-kernel (bash-path.patch) runs bashInteractive from the store, not whatever
    # `bash` is on PATH, and installs the kernelspec into share/jupyter/kernels/bash (its
    # postInstall runs bash_kernel.install --prefix $out). The kernelspec runs "python3", which
    # jupyter_client replaces with sys.executable: the environment's Python, which has the
    # package.
    bash-kernel = {
      substitutions = [
        {
          file = "${sitePackages}/bash_kernel/kernel.py";
          from = "check_output(['bash', '--version'])";
          to = "check_output(['${bash}/bin/bash', '--version'])";
        }
        {
          file = "${sitePackages}/bash_kernel/kernel.py";
          from = ''pexpect.spawn("bash", '';
          to = ''pexpect.spawn("${bash}/bin/bash", '';
        }
      ];
      postInstall = ''
        mkdir -p "$out/share/jupyter/kernels/bash"
        cat > "$out/share/jupyter/kernels/bash/kernel.json" <<'EOF'
        {"argv": ["python3", "-m", "bash_kernel", "-f", "{connection_file}"], "codemirror_mode": "shell", "display_name": "Bash", "env": {"PS1": "$"}, "language": "bash"}
        EOF
        cp "$site/bash_kernel/resources/logo-svg.svg" "$out/share/jupyter/kernels/bash/"
      '';
    };
    # pamela (JupyterHub's PAM authenticator) loads libpam and libc with ctypes.util.find_library,
    # which finds nothing FROM scratch (no ldconfig cache); nixpkgs' pamela has the store paths
    # patched in, so has this one.
    pamela.substitutions = [
      {
        file = "${sitePackages}/pamela.py";
        from = ''LIBPAM = CDLL(find_library("pam"))'';
        to = ''LIBPAM = CDLL("${pam}/lib/libpam.so.0")'';
      }
      {
        file = "${sitePackages}/pamela.py";
        from = ''LIBC = CDLL(find_library("c"))'';
        to = ''LIBC = CDLL("${glibc}/lib/libc.so.6")'';
      }
    ];
    # nixpkgs' jupyterlab-git-core propagates git, which reaches no PATH of the server's
    # (withPackages keeps Python modules only); here its two ways of running a command run
    # "git" as the store git (a FROM-scratch image has no other).
    jupyterlab-git-core.substitutions = [
      {
        file = "${sitePackages}/jupyterlab_git_core/git.py";
        from = "                cmdline[0],";
        to = "                \"${git}/bin/git\" if cmdline[0] == \"git\" else cmdline[0],";
      }
      {
        file = "${sitePackages}/jupyterlab_git_core/git.py";
        from = "            cmdline, stdout=subprocess.PIPE,";
        to = "            [\"${git}/bin/git\" if cmdline[0] == \"git\" else cmdline[0], *cmdline[1:]], stdout=subprocess.PIPE,";
      }
    ];
    # nixpkgs' jupyterlab: makeWrapperArgs = [ "--set" "JUPYTERLAB_DIR" "$out/share/jupyter/lab" ]
    jupyterlab.wrapArgs = ''--set JUPYTERLAB_DIR "$out/share/jupyter/lab"'';
  };

  # One package from a wheel file: wheel.sh's installation, shaped as buildPythonPackage's result.
  installWheel =
    {
      # nixpkgs attribute name (pname) and version
      attr,
      version,
      # PyPI's name of the distribution
      distribution,
      # the wheel (a store path)
      src,
      # the file as locked (its name keys wheels.meta.json), and its store path
      file,
      lockedFile,
      # the Python packages it depends on (propagated)
      deps,
      # { substitutions, postInstall, wrapArgs } (see `fixups`)
      fix,
      # meta to merge over the lock's (buildPythonPackage's `meta`)
      extraMeta ? { },
      # more builder environment (buildPythonPackage's)
      extraEnv ? { },
    }:
    let
      drv = derivation (
        {
        name = "python${pythonVersion}-${attr}-${version}";
        inherit system sitePackages executable;
        builder = "${busybox}/bin/sh";
        args = [
          "-e"
          ../builders/wheel.sh
        ];
        PATH = "${busybox}/bin";
        inherit src;
        python = python.interpreterPath;
        glibc = glibc;
        patchelf = "${patchelf}/bin/patchelf";
        libSearchPaths = [ glibc ] ++ nativeLibs;
        pythonPropagated = deps;
        relinkSh = ../builders/relink.sh;
        patchShebangsSh = ../builders/patch-shebangs.sh;
        makeWrapperSh = ../builders/make-wrapper.sh;
        bytecodeSh = ../builders/bytecode.sh;
        wrapperShell = "${busybox}/bin/sh";
        wrapArgs = fix.wrapArgs or "";
        postInstall = fix.postInstall or "";
        substitutions = lib.concatMapStrings (x: "${x.file}\t${x.from}\t${x.to}\n") (fix.substitutions or [ ]);
        passAsFile = [ "substitutions" ];
        preferLocalBuild = true;
        allowSubstitutes = false;
      }
      // extraEnv
      );
    in
    drv
    // {
      pname = attr;
      inherit version distribution;
      wheel = src;
      # the file the lock names, as downloaded (the wheel itself, or the sdist it was built from)
      locked = lockedFile;
      pythonModule = python;
      propagatedBuildInputs = deps;
      requiredPythonModules = requiredPythonModules deps;
      meta = {
        description = "${distribution} ${version} from PyPI (${file})";
        homepage = wheelMeta.${file}.homepage or "https://pypi.org/project/${distribution}/";
      }
      // lib.optionalAttrs (wheelMeta.${file} ? license) { license = licensesOf wheelMeta.${file}.license; }
      // extraMeta;
    };

  mkPackage =
    attr: w:
    installWheel {
      inherit attr;
      inherit (w) version distribution file;
      src = if w.sdist or false then sdistWheel w else fetchWheel w;
      lockedFile = fetchWheel w;
      deps = map (d: allLocked.${d}) w.dependencies;
      fix = fixups.${attr} or { };
    };

  # buildPythonPackage (pkgs/development/interpreters/python/mk-python-derivation.nix), for what
  # nixlab's own Nix builds with it (nix/pypi-wheel.nix): a PyPI wheel from fetchPypi
  # (`format = "wheel"`), installed as the locked wheels are, dependencies in `dependencies`
  # (or the older `propagatedBuildInputs`), `postInstall` run in the installed tree with
  # nixpkgs' `substituteInPlace` (builders/substitute.sh). Nothing is compiled here: building
  # from source (`pyproject`, format "setuptools"/"pyproject") and every other argument throw.
  buildPythonPackage =
    {
      pname,
      version,
      src,
      format ? null,
      pyproject ? null,
      dependencies ? [ ],
      propagatedBuildInputs ? [ ],
      postInstall ? "",
      meta ? { },
      ...
    }@args:
    let
      known = [
        "pname"
        "version"
        "src"
        "format"
        "pyproject"
        "dependencies"
        "propagatedBuildInputs"
        "postInstall"
        "meta"
      ];
      extra = builtins.filter (n: !(builtins.elem n known)) (builtins.attrNames args);
      file = src.name;
      deps = dependencies ++ propagatedBuildInputs;
      # mk-python-derivation.nix's validatePythonMatches: Python modules of another interpreter
      mismatched = builtins.filter (d: d ? pythonModule && d.pythonModule != python) deps;
    in
    if extra != [ ] then
      throw "buildPythonPackage (${pname}): the offline package set does not support ${lib.concatStringsSep ", " extra} (it installs a PyPI wheel: pname, version, format = \"wheel\", src = fetchPypi { ... }, dependencies, postInstall, meta)"
    else if pyproject != null || format != "wheel" then
      throw "buildPythonPackage (${pname}): the offline package set builds nothing from source; give format = \"wheel\" and src = fetchPypi { format = \"wheel\"; ... } (a wheel locked in offline/python/wheels.lock.json)"
    else if !(lib.hasSuffix ".whl" file) then
      throw "buildPythonPackage (${pname}): src ${file} is not a wheel (format = \"wheel\" takes fetchPypi { format = \"wheel\"; ... })"
    else if mismatched != [ ] then
      throw "buildPythonPackage (${pname}): ${(builtins.head mismatched).name or "a dependency"} is not a package of python${pythonVersion}"
    else
      installWheel {
        attr = pname;
        inherit version src file deps;
        distribution = pname;
        lockedFile = src;
        # nixpkgs' stdenv has substituteInPlace in every phase; here postInstall sources it
        fix.postInstall = ''
          . "$substituteSh"
          ${postInstall}
        '';
        extraEnv.substituteSh = ../builders/substitute.sh;
        extraMeta = meta;
      };

  # Licence and homepage from each wheel's METADATA (scripts/wheel-meta.py writes the file).
  wheelMeta = (builtins.fromJSON (builtins.readFile ./wheels.meta.json)).wheels;
  # An SPDX expression as meta.license: a list of licence sets (lib/licenses.nix's shape: spdxId,
  # shortName, fullName, free), one per term of a plain `A AND B`; any other compound expression
  # ("A OR B", WITH, parentheses) is one set whose spdxId is the parenthesised expression, since
  # lib.licenses has no way to say OR.
  licensesOf =
    expr:
    let
      one = t: {
        spdxId = t;
        shortName = t;
        fullName = t;
        free = true;
      };
    in
    if builtins.match ".*([()]| OR | WITH ).*" expr != null then
      [ (one "(${expr})") ]
    else
      map one (lib.splitString " AND " expr);

  # Every locked package (a dependency of one may be any of them), and the set: those nixpkgs
  # has, with buildPythonPackage and fetchPypi as in python-packages.nix.
  allLocked = builtins.mapAttrs mkPackage locked.packages;
  packages = removeAttrs allLocked notInNixpkgs // {
    inherit buildPythonPackage;
    inherit (fetchers) fetchPypi;
  };
in
packages
