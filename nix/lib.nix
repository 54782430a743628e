# nixlab's Nix library: the functions the generated default.nix calls. One attribute-set
# argument per function, every parameter described. Generated code passes user data only as
# escaped strings (JSON text) or lists of strings, never as attribute names.
#
# nixpkgs API used (checked against nixpkgs 24.11):
#   runCommand, symlinkJoin  pkgs/build-support/trivial-builders/default.nix
#   buildEnv                 pkgs/build-support/buildenv/default.nix (paths, pathsToLink, postBuild)
#   busybox                  pkgs/os-specific/linux/busybox/default.nix
#   tini                     pkgs/by-name/ti/tini/package.nix (bin/tini)
#   cacert                   pkgs/by-name/ca/cacert/package.nix (etc/ssl/certs/ca-bundle.crt)
{ pkgs }:
let
  inherit (pkgs) runCommand symlinkJoin buildEnv;
in
rec {
  # One kernelspec directory (see ./kernelspec.nix for the arguments).
  kernelspec = import ./kernelspec.nix { inherit runCommand; };

  # The Jupyter config directory (see ./config-dir.nix).
  configDir = import ./config-dir.nix { inherit runCommand; };

  # All kernelspecs in one tree: $out/share/jupyter/kernels/<name>/.
  kernels =
    # List of kernelspec derivations.
    specs:
    symlinkJoin {
      name = "jupyter-kernels";
      paths = specs;
    };

  # The notebook environment: the server's bin/, share/jupyter/kernels and etc/jupyter (the
  # config dir). JUPYTER_PATH=$env/share/jupyter, JUPYTER_CONFIG_DIR=$env/etc/jupyter.
  env =
    {
      # The Jupyter server environment (a python withPackages env).
      server,
      # The joined kernelspecs (from `kernels`).
      kernels,
      # The config directory (from `configDir`).
      config,
    }:
    buildEnv {
      name = "nixlab-env";
      paths = [
        server
        kernels
      ];
      pathsToLink = [
        "/bin"
        "/share/jupyter"
      ];
      postBuild = ''
        mkdir -p "$out/etc"
        ln -s ${config} "$out/etc/jupyter"
      '';
    };

  # The root the image packer starts from: one store path whose closure is the whole image,
  # with stable names for what the image config points at (env, tini, a shell, certificates)
  # and, under kernels/, each kernel's environment (the packer gives each kernel its own layers).
  imageRoot =
    {
      # The notebook environment (from `env`).
      env,
      # Paths that go into the image besides env: { tini = pkgs.tini; shell = pkgs.busybox; … }.
      extras,
      # Each kernel's environment by kernel name ({ py-data = …; }), linked as kernels/<name>.
      # Kernel names are `[A-Za-z0-9._-]+` (the config schema), so they are safe as file names.
      kernelEnvs ? { },
    }:
    runCommand "nixlab-image-root"
      {
        linkNames = builtins.attrNames extras;
        linkTargets = builtins.attrValues extras;
        kernelNames = builtins.attrNames kernelEnvs;
        kernelTargets = builtins.attrValues kernelEnvs;
      }
      ''
        mkdir -p "$out/kernels"
        ln -s ${env} "$out/env"
        set -- $linkTargets
        for link in $linkNames; do
          ln -s "$1" "$out/$link"
          shift
        done
        set -- $kernelTargets
        for name in $kernelNames; do
          ln -s "$1" "$out/kernels/$name"
          shift
        done
      '';
}
