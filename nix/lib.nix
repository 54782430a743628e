# nixlab's Nix library: the functions the generated default.nix calls. One attribute-set
# argument per function, every parameter described. Generated code passes user data only as
# escaped strings (JSON text) or lists of strings, never as attribute names.
#
# nixpkgs API used (checked against nixpkgs 26.05):
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

  # The start command: start hooks, then the server (see ./start.nix). ./runtime.sh and
  # ./runtime.json are generated with the project (src/runtime/facts.ts): the variable names
  # and defaults the scripts read.
  start = import ./start.nix {
    inherit runCommand;
    runtimeSh = ./runtime.sh;
  };

  # The Jupyter config directory (see ./jupyter-config.nix).
  jupyterConfig = import ./jupyter-config.nix {
    inherit runCommand;
    runtimeSh = ./runtime.sh;
    runtimeJson = ./runtime.json;
  };

  # All kernelspecs in one tree: $out/share/jupyter/kernels/<name>/.
  kernels =
    # List of kernelspec derivations.
    specs:
    symlinkJoin {
      name = "jupyter-kernels";
      paths = specs;
      # Wins over the server environment's own kernelspecs in the notebook environment (ipykernel
      # brings share/jupyter/kernels/python3, which a declared kernel may be named too): see env.
      meta.priority = -10;
    };

  # The server environment's prebuilt JupyterLab extensions (share/jupyter/labextensions) as
  # real files in a store path of their own: it depends on the server only, so a kernel change
  # leaves it (and its image layer) as it is. The copy is the extensions' files only, not their
  # Python code.
  labextensions =
    # The Jupyter server environment (a python withPackages env).
    server:
    runCommand "jupyter-labextensions" { } ''
      mkdir -p "$out"
      if [ -d "${server}/share/jupyter/labextensions" ]; then
        cp -RL "${server}/share/jupyter/labextensions/." "$out/"
        chmod -R u+w "$out"
      fi
    '';

  # The notebook environment: the server's bin/, share/jupyter/kernels and etc/jupyter (the
  # config dir). JUPYTER_PATH=$env/share/jupyter, JUPYTER_CONFIG_DIR=$env/etc/jupyter.
  env =
    {
      # The Jupyter server environment (a python withPackages env).
      server,
      # The joined kernelspecs (from `kernels`).
      kernels,
      # The Jupyter config directory (from `jupyterConfig`).
      jupyterConfig,
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
      # share/jupyter/labextensions is one store path holding real files (labextensions below):
      # the server serves prebuilt extensions with tornado's StaticFileHandler, which from
      # tornado 6.5.9 on answers 403 for a file whose resolved path leaves the (resolved)
      # directory it serves from, and each extension's files are in its own package's store path.
      # share/jupyter/kernels holds the declared kernels and nothing else: the server's own
      # (ipykernel's python3, merged in by buildEnv) is removed, and a declared kernel that shares
      # its name is linked whole, not merged with it.
      postBuild = ''
        mkdir -p "$out/etc"
        ln -s ${jupyterConfig} "$out/etc/jupyter"
        k="$out/share/jupyter/kernels"
        if [ -d "$k" ] && [ ! -L "$k" ]; then
          for e in "$k"/*; do
            [ -e "$e" ] || [ -L "$e" ] || continue
            n=''${e##*/}
            rm -rf "$e"
            if [ -e "${kernels}/share/jupyter/kernels/$n" ]; then ln -s "${kernels}/share/jupyter/kernels/$n" "$e"; fi
          done
        fi
        # papermill (every server environment has it: src/runtime/targets.ts, SERVER_TOOLS) reads
        # no Jupyter config, so the kernel allow-list would not hold for it: bin/papermill becomes
        # ./papermill.py, which loads jupyter_config.py into its process first. bin/ is made a
        # directory of links first when buildEnv linked it whole.
        if [ -e "$out/bin/papermill" ]; then
          if [ -L "$out/bin" ]; then
            b=$(readlink "$out/bin")
            rm "$out/bin"
            mkdir "$out/bin"
            for f in "$b"/*; do ln -s "$f" "$out/bin/"; done
          fi
          rm "$out/bin/papermill"
          {
            echo "#!${server}/bin/python3"
            echo "NIXLAB_JUPYTER_CONFIG = '${jupyterConfig}'"
            cat ${./papermill.py}
          } > "$out/bin/papermill"
          chmod 0555 "$out/bin/papermill"
        fi
        ext="$out/share/jupyter/labextensions"
        if [ -e "$ext" ]; then
          rm -r "$ext"
          ln -s ${labextensions server} "$ext"
        fi
      '';
    };

  # The root the image packer starts from: one store path whose closure is the whole image.
  # It links each thing the image's config points at under a stable name, each kernel's
  # environment under kernels/<name> (the packer gives each kernel its own layers), and writes
  # the same names and store paths to nixlab-root.json, which `nixlab build` reads back.
  imageRoot =
    {
      # Name → store path (a derivation or a path) for each link: { env = …; tini = pkgs.tini; … }.
      # nixlab declares the names (src/runtime/image-root.ts); they are plain file names.
      links,
      # Each kernel's environment by kernel name ({ py-data = …; }), linked as kernels/<name>.
      # Kernel names are `[A-Za-z0-9._-]+` (the config schema), so they are safe as file names.
      kernels ? { },
    }:
    runCommand "nixlab-image-root"
      {
        # toJSON writes each derivation as its store path, and keeps them as references.
        manifest = builtins.toJSON { inherit links kernels; };
        passAsFile = [ "manifest" ];
        # attrNames and attrValues both come sorted by name, so they pair up.
        linkNames = builtins.attrNames links;
        linkTargets = builtins.attrValues links;
        kernelNames = builtins.attrNames kernels;
        kernelTargets = builtins.attrValues kernels;
      }
      ''
        mkdir -p "$out/kernels"
        cp "$manifestPath" "$out/nixlab-root.json"
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
