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
  # directory holding the downloaded wheels (scripts/wheels.sh)
  wheelsDir,
}:
let
  inherit (python) pythonVersion sitePackages executable;

  # The wheel file enters the store by its locked hash: a fixed-output derivation copying it
  # from the wheel cache (the builder runs unsandboxed, as every builder of this set). Nix checks
  # the sha256; a missing or different file fails the build, saying how to get it.
  fetchWheel =
    w:
    derivation {
      name = w.file;
      inherit system;
      builder = "${busybox}/bin/sh";
      args = [
        "-c"
        ''
          if [ ! -f "$wheelsDir/$file" ]; then
            echo "error: $wheelsDir/$file is missing: run scripts/wheels.sh (or scripts/setup.sh), which downloads the wheels of offline/python/wheels.lock.json (NIXLAB_WHEELS_DIR picks another directory)" >&2
            exit 1
          fi
          ${busybox}/bin/cp "$wheelsDir/$file" "$out"
        ''
      ];
      inherit wheelsDir;
      inherit (w) file;
      outputHashMode = "flat";
      outputHashAlgo = "sha256";
      outputHash = w.sha256;
      preferLocalBuild = true;
      allowSubstitutes = false;
    };

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
    # NativeAuthenticator 1.3.0's LoginHandler.post times the login with `self.statsd`, which
    # JupyterHub 6 removed from its handlers (jupyterhub/jupyterhub#5407), so every login answered
    # 500 (AttributeError). JupyterHub 6.1's own LoginHandler.post calls login_user without a
    # timer; so does this one, with the two timer lines emptied. nixpkgs has no
    # jupyterhub-nativeauthenticator to take a patch from (its python-packages.nix has jupyterhub's
    # ldapauthenticator, systemdspawner and tmpauthenticator, no pkgs/development/python-modules/
    # jupyterhub-nativeauthenticator); this is what a substituteInPlace there would do.
    jupyterhub-nativeauthenticator.substitutions = [
      {
        file = "${sitePackages}/nativeauthenticator/handlers.py";
        from = ''auth_timer = self.statsd.timer("login.authenticate").start()'';
        to = "";
      }
      {
        file = "${sitePackages}/nativeauthenticator/handlers.py";
        from = "auth_timer.stop(send=False)";
        to = "";
      }
    ];
    # nixpkgs' jupyterlab: makeWrapperArgs = [ "--set" "JUPYTERLAB_DIR" "$out/share/jupyter/lab" ]
    jupyterlab.wrapArgs = ''--set JUPYTERLAB_DIR "$out/share/jupyter/lab"'';
  };

  mkPackage =
    attr: w:
    let
      deps = map (d: packages.${d}) w.dependencies;
      fix = fixups.${attr} or { };
      drv = derivation {
        name = "python${pythonVersion}-${attr}-${w.version}";
        inherit system sitePackages executable;
        builder = "${busybox}/bin/sh";
        args = [
          "-e"
          ../builders/wheel.sh
        ];
        PATH = "${busybox}/bin";
        src = if w.sdist or false then sdistWheel w else fetchWheel w;
        python = python.interpreterPath;
        glibc = glibc;
        patchelf = "${patchelf}/bin/patchelf";
        libSearchPaths = [ glibc ] ++ nativeLibs;
        pythonPropagated = deps;
        relinkSh = ../builders/relink.sh;
        makeWrapperSh = ../builders/make-wrapper.sh;
        wrapperShell = "${busybox}/bin/sh";
        wrapArgs = fix.wrapArgs or "";
        postInstall = fix.postInstall or "";
        substitutions = lib.concatMapStrings (x: "${x.file}\t${x.from}\t${x.to}\n") (fix.substitutions or [ ]);
        passAsFile = [ "substitutions" ];
        preferLocalBuild = true;
        allowSubstitutes = false;
      };
    in
    drv
    // {
      pname = attr;
      inherit (w) version;
      # PyPI's name of the distribution (nixpkgs keeps it for pypa tooling as `pyproject` metadata)
      distribution = w.distribution;
      wheel = drv.src;
      # the file the lock names, as downloaded (the wheel itself, or the sdist it was built from)
      locked = fetchWheel w;
      pythonModule = python;
      propagatedBuildInputs = deps;
      requiredPythonModules = requiredPythonModules deps;
      meta = {
        description = "${w.distribution} ${w.version} from PyPI (${w.file})";
        homepage = wheelMeta.${w.file}.homepage or "https://pypi.org/project/${w.distribution}/";
      }
      // lib.optionalAttrs (wheelMeta.${w.file} ? license) { license = licensesOf wheelMeta.${w.file}.license; };
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

  packages = builtins.mapAttrs mkPackage locked.packages;
in
packages
