# The package set proper (see default.nix for the entry point and overlays). `self` is the final,
# overlaid set, as nixpkgs' `final`.
{
  lib,
  system,
  self,
  # nixpkgs' config, checked by default.nix (check-meta.nix reads it)
  config ? { },
}:
let
  dpkg = import ./dpkg.nix { inherit lib; };
  inherit (import ./stdenv.nix { inherit lib system; inherit (self) busybox; }) mkDerivation;
  trivial = import ./trivial-builders.nix {
    inherit lib mkDerivation;
    inherit (self) runtimeShell;
  };
  names = import ./python/names.nix;
  debian = import ./debian.nix {
    inherit lib dpkg system;
    pythonVersion = "3.11";
    inherit (self) busybox;
    sitecustomize = ./python/sitecustomize.py;
  };

  # --- Python: interpreters (Debian's 3.11, 3.13 built here) and the locked PyPI wheels ---------
  wheelsLock = builtins.fromJSON (builtins.readFile ./python/wheels.lock.json);
  # scripts/wheels.sh downloads the locked wheels here (NIXLAB_WHEELS_DIR overrides it, read at
  # evaluation: the fixed-output derivations copy from it; their outputs depend on hashes only).
  wheelsDir =
    let
      dir = builtins.getEnv "NIXLAB_WHEELS_DIR";
    in
    if dir != "" then dir else "/var/cache/nixlab/wheels";
  # fetchPypi from the lock and the cache (python/fetchpypi.nix); the Python sets share it.
  pypiFetchers = import ./python/fetchpypi.nix {
    inherit lib system wheelsLock wheelsDir;
    inherit (self) busybox;
  };
  hostCpython = import ./python/host-cpython.nix {
    inherit lib system debian dpkg;
    inherit (self) busybox patchelf glibc;
    sitecustomize = ./python/sitecustomize.py;
    cpythonRoot =
      let
        root = builtins.getEnv "NIXLAB_CPYTHON_ROOT";
      in
      if root != "" then root else "/opt/nixlab/cpython";
  };
  # The CPython source scripts/cpython.mjs builds (its version is the interpreter's).
  cpythonPin = builtins.fromJSON (builtins.readFile ./python/cpython.json);
  # bash-kernel runs nixpkgs' bashInteractive.
  kernelBash = self.bashInteractive;
  pythonFor =
    {
      pythonVersion,
      version,
      raw,
      origin,
    }:
    import ./python {
      inherit lib pythonVersion version raw origin refusalArgs;
      inherit (self) buildEnv runCommand busybox;
      inherit (names) notLocked;
      makePackages =
        { python, requiredPythonModules }:
        import ./python/wheels.nix {
          inherit lib system python requiredPythonModules;
          locked = wheelsLock.pythons.${pythonVersion};
          fetchers = pypiFetchers;
          inherit (names) notInNixpkgs;
          inherit (self) busybox patchelf glibc cacert;
          nativeLibs = [
            debian.groups."libstdc++6"
            debian.groups.zlib1g
          ];
          bash = kernelBash;
          pam = debian.groups.libpam0g;
          git = self.gitMinimal;
        };
    };
  python311 = pythonFor {
    pythonVersion = "3.11";
    version = dpkg.packages."python3.11".upstream;
    raw = debian.groups.python3;
    origin = "Debian 12: ${lib.concatStringsSep ", " debian.groups.python3.debPackages}";
  };
  # The build scripts/cpython.mjs made (python/host-cpython.nix fails clearly when it is missing).
  python313 = pythonFor {
    pythonVersion = "3.13";
    inherit (cpythonPin) version;
    raw = hostCpython cpythonPin.version;
    origin = "Debian 13's ${cpythonPin.source} source, built on Debian 12 by scripts/cpython.mjs";
  };

  octave = import ./octave {
    inherit lib dpkg debian;
    names = import ./octave/names.nix;
    inherit (self) python3 buildEnv runCommand busybox;
  };
  r = import ./r {
    inherit lib dpkg debian;
    names = import ./r/names.nix;
    inherit (self) symlinkJoin busybox;
  };

  # --- pkgs-misc: refusals, Deno, Node.js, bash ---
  # check-meta.nix: refuses unfree/broken/insecure/unsupported packages unless config allows them.
  checked = import ./check-meta.nix { inherit lib system config; };
  inherit (checked) checkMeta licenses;
  mkCheckedDerivation = checked.mkCheckedDerivation mkDerivation;
  # What the Python set needs to merge ./refusals-python.nix (see that file).
  refusalArgs = { inherit mkCheckedDerivation licenses; };
  npm = import ./node/fetch.nix { inherit system; inherit (self) busybox; };
  node = import ./node {
    inherit lib system checkMeta licenses;
    inherit (npm) fetchNpmTarball;
    inherit (self) busybox glibc patchelf;
    libstdcxx = debian.groups."libstdc++6";
  };
  bash = import ./bash.nix {
    inherit lib system debian dpkg checkMeta licenses;
    inherit (self) busybox;
  };
  refusals = import ./refusals.nix {
    inherit lib debian checkMeta mkCheckedDerivation licenses;
    inherit (self) busybox;
  };
  # --- end pkgs-misc ---

  # Interpreters nixpkgs has and this machine does not: fail at evaluation with the reason.
  offered = "it offers CPython 3.11 from Debian 12 and CPython ${cpythonPin.version} built from Debian 13's source: use python311, python313 or python3";
  noPython = reason: attr: throw "${attr} is not available in the offline package set (${reason}; ${offered})";
  noPythonAttrs =
    lib.genAttrs [
      "python39"
      "python310"
      "python314"
      "python39Packages"
      "python310Packages"
      "python314Packages"
    ] (noPython "not built here")
    # No source reachable here has CPython 3.12 (Debian 12 has 3.11; Debian 13 and later have
    # 3.13 and 3.14; the archive holds no python3.12 source package).
    // lib.genAttrs [ "python312" "python312Packages" ] (
      noPython "no source this set is built from has CPython 3.12: Debian 12 has 3.11, Debian 13 and later 3.13 and 3.14, and Debian's archive has no python3.12 source; for Python 3.12 build against the pinned nixpkgs or a nixpkgs checkout"
    );
in
noPythonAttrs
// import ./unavailable.nix
// {
  inherit lib system;

  # nixpkgs: pkgs/top-level/splice.nix / all-packages.nix callPackage: call a function (or a file
  # holding one) with the attributes of this set it asks for, overridden by `args`.
  callPackage =
    fn: args:
    let
      f = if lib.isFunction fn then fn else import fn;
    in
    f (builtins.intersectAttrs (lib.functionArgs f) self // args);

  # Static busybox from Debian's busybox-static (/bin/busybox), as bin/busybox plus one symlink
  # per applet in bin/ (nixpkgs' busybox also has bin/ applet links; its sbin/ ones are in bin/
  # here). It bootstraps the set: it is the builder of every other derivation, so this one
  # derivation runs the host's /bin/busybox; its content comes in by builtins.path (hashed).
  busybox = derivation {
    name = "busybox-${dpkg.packages.busybox-static.upstream}";
    inherit system;
    builder = "/bin/busybox";
    args = [
      "sh"
      "-e"
      ./builders/busybox.sh
    ];
    src = builtins.path {
      path = /bin/busybox;
      name = "busybox-static-binary";
    };
    preferLocalBuild = true;
    allowSubstitutes = false;
  };
  # nixpkgs: runtimeShell = "${bash}/bin/bash" (all-packages.nix); here busybox sh.
  runtimeShell = "${self.busybox}/bin/sh";

  # Debian's tini-static (/usr/bin/tini-static) at bin/tini, as nixpkgs' tini installs it.
  tini = trivial.runCommand "tini-${dpkg.packages.tini.upstream}" {
    src = builtins.path {
      path = /usr/bin/tini-static;
      name = "tini-static-binary";
    };
  } ''
    mkdir -p $out/bin
    cp $src $out/bin/tini
    chmod 555 $out/bin/tini
  '';

  # nixpkgs' cacert (pkgs/data/misc/cacert) provides etc/ssl/certs/ca-bundle.crt (its setup hook
  # points NIX_SSL_CERT_FILE there). Made from the Mozilla certificates Debian's ca-certificates
  # package ships (/usr/share/ca-certificates/mozilla), concatenated in name order -- not from
  # /etc/ssl/certs, which is machine-local state (update-ca-certificates adds local CAs there).
  cacert = trivial.runCommand "nss-cacert-${dpkg.packages.ca-certificates.upstream}" {
    src = builtins.path {
      path = /usr/share/ca-certificates/mozilla;
      name = "debian-mozilla-ca-certificates";
      filter = path: type: type == "regular" && lib.hasSuffix ".crt" path;
    };
  } ''
    mkdir -p $out/etc/ssl/certs
    for c in $src/*.crt; do
      cat "$c"
      # make sure every certificate ends with a newline before the next one starts
      [ -z "$(tail -c 1 "$c")" ] || echo
    done > $out/etc/ssl/certs/ca-bundle.crt
  '';

  # Store copies of Debian's glibc (+ libgcc_s) and patchelf; every ELF in this set uses this
  # glibc's loader.
  glibc = debian.groups.glibc;
  patchelf = debian.groups.patchelf;

  # OpenJDK 17 from Debian 12 as nixpkgs' headless JDK (`jdk17_headless`, openjdk generic.nix:
  # home lib/openjdk, bin/ -> lib/openjdk/bin; passthru `home`, `version`): the java kind's JDK.
  # Debian 12 has no other JDK: jdk21_headless and jdk_headless (nixpkgs' default, 21) throw
  # (unavailable.nix).
  jdk17_headless =
    debian.groups.openjdk-17-jdk-headless
    // {
      home = "${debian.groups.openjdk-17-jdk-headless}/lib/openjdk";
      version = dpkg.packages.openjdk-17-jre-headless.upstream;
    };

  inherit (trivial)
    runCommandWith
    runCommand
    runCommandLocal
    writeTextFile
    writeText
    writeTextDir
    writeScript
    writeScriptBin
    writeShellScript
    writeShellScriptBin
    symlinkJoin
    linkFarm
    ;
  buildEnv = import ./buildenv.nix { inherit lib mkDerivation; };

  # nixpkgs: pkgs/build-support/mkshell/default.nix, mkShell { name ? "nix-shell", packages ? [],
  # inputsFrom ? [], buildInputs ? [], nativeBuildInputs ? [], shellHook ? "", ... }. A
  # derivation for nix-shell only: building it fails, as nixpkgs' does ("nobuildPhase"). The
  # packages' bin/ directories go on PATH through the derivation's PATH attribute. nix-shell runs
  # shellHook through stdenv's `runHook` (it sources $stdenv/setup if that exists), so `stdenv`
  # here is a setup file that defines just that.
  mkShell =
    {
      name ? "nix-shell",
      packages ? [ ],
      inputsFrom ? [ ],
      buildInputs ? [ ],
      nativeBuildInputs ? [ ],
      shellHook ? "",
      ...
    }@args:
    let
      inputs = packages ++ buildInputs ++ nativeBuildInputs ++ builtins.concatMap (d: d.nativeBuildInputs or [ ] ++ d.buildInputs or [ ]) inputsFrom;
      extra = builtins.removeAttrs args [ "name" "packages" "inputsFrom" "buildInputs" "nativeBuildInputs" "shellHook" ];
    in
    derivation (
      extra
      // {
        inherit name system shellHook;
        stdenv = self.runCommand "offline-shell-setup" { } ''
          mkdir -p $out
          cat > $out/setup <<'EOF'
          # runHook NAME: run the hook held in the variable NAME (what nix-shell needs of stdenv).
          runHook() { local hook="$1"; eval "''${!hook:-}"; }
          EOF
        '';
        builder = "${self.busybox}/bin/sh";
        args = [
          "-c"
          "echo 'mkShell: this derivation is only for nix-shell; it has nothing to build' >&2; exit 1"
        ];
        PATH = lib.makeBinPath (inputs ++ [ self.busybox ]);
      }
    );

  # R 4.2.2 (r-base-core) and the installed r-cran-* packages (r/default.nix).
  inherit (r) R rPackages rWrapper;
  # GNU Octave 7.3 without the Qt GUI, Debian's octave-* packages, octave_kernel (octave/default.nix).
  inherit (octave) octave octavePackages;
  octave-kernel = octave.octaveKernel { inherit (self) octave; };

  # --- pkgs-misc ---
  # Deno 2.8.3 (Deno's release build from npm, deno.nix); nixpkgs' JavaScript/TypeScript kernel.
  deno = import ./deno.nix {
    inherit lib system checkMeta licenses;
    inherit (npm) fetchNpmTarball;
    inherit (self) busybox glibc patchelf;
  };
  # Node.js (official release build from npm) and configurable-http-proxy (node/default.nix).
  inherit (node) nodejs nodejs-slim configurable-http-proxy;
  # GNU Bash from Debian 12 (bash.nix).
  inherit (bash) bash bashInteractive;
  # Git from Debian 12 (debian.nix, group "git": its bin/git) under nixpkgs' names; nixpkgs'
  # jupyterlab-git-core propagates it (python/wheels.nix runs it from the store). Debian's git
  # runs its own subcommands (`git commit` starts `git maintenance`) from the compiled-in exec
  # path /usr/lib/git-core, which a store path cannot serve: bin/git is a wrapper that makes
  # libexec/git-core (holding git itself, as nixpkgs' git has it) its GIT_EXEC_PATH.
  gitMinimal = checkMeta (
    derivation {
      name = "git-minimal-${dpkg.packages.git.upstream}";
      inherit system;
      builder = "${self.busybox}/bin/sh";
      args = [
        "-ec"
        ''
          . ${./builders/make-wrapper.sh}
          mkdir -p $out/bin $out/libexec/git-core
          ln -s ${debian.groups.git}/bin/git $out/libexec/git-core/git
          makeWrapper ${debian.groups.git}/bin/git $out/bin/git --set GIT_EXEC_PATH $out/libexec/git-core
        ''
      ];
      PATH = "${self.busybox}/bin";
      wrapperShell = "${self.busybox}/bin/sh";
      preferLocalBuild = true;
      allowSubstitutes = false;
    }
    // {
      pname = "git";
      version = dpkg.packages.git.upstream;
      meta = {
        description = "Distributed version control system (Debian 12's git ${dpkg.packages.git.version}, bin/git only)";
        homepage = "https://git-scm.com/";
        license = licenses.gpl2Only;
        mainProgram = "git";
        platforms = [ "x86_64-linux" ];
        position = "${__curPos.file}:${toString __curPos.line}";
      };
    }
  );
  git = self.gitMinimal;
  # nss_wrapper and GNU coreutils from Debian 12 (debian.nix, groups "libnss-wrapper" and
  # "coreutils"): lib/libnss_wrapper.so, and coreutils' programs in bin/.
  nss_wrapper = debian.groups.libnss-wrapper;
  coreutils = debian.groups.coreutils;
  # Packages nixpkgs refuses unless config allows them (refusals.nix): unfree, broken, insecure.
  inherit (refusals) olm unrar tebreak;
  # --- end pkgs-misc ---

  python311 = python311.python;
  python311Packages = self.python311.pkgs;
  python313 = python313.python;
  python313Packages = self.python313.pkgs;
  # all-packages.nix: python3 = python313 (nixpkgs' default CPython in nixos-26.05).
  python3 = self.python313;
  python3Packages = self.python3.pkgs;
  # pkgs/top-level/all-packages.nix: fetchPypi = callPackage ../build-support/fetchpypi { };
  # python-packages.nix inherits it into every Python set.
  inherit (pypiFetchers) fetchPypi;
}
