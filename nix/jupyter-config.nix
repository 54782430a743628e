# The Jupyter config directory (JUPYTER_CONFIG_DIR):
#   jupyter_config.py           read by every Jupyter command: the kernel allow-list
#   jupyter_server_config.py    jupyter-server / JupyterLab: listen address, dirs
#   jupyter_notebook_config.py  the same for Notebook 6
#   nixlab.json                 the data jupyter_config.py reads (kernel names, front end)
#   nixlab_healthcheck.sh       the image's HEALTHCHECK (busybox sh: GET <base url>api of the running server)
#   migrated                    jupyter_core's marker that IPython 3 config was migrated: without
#                               it every `jupyter …` command, once IPYTHONDIR exists, tries to
#                               write it here, in the read-only store, and fails (EROFS)
#
# nixpkgs API used: runCommand (pkgs/build-support/trivial-builders/default.nix).
{ runCommand }:
{
  # JSON text rendered by nixlab: { "frontend": "notebook", "kernels": [names…] }.
  settings,
}:
runCommand "jupyter-config"
  {
    inherit settings;
    passAsFile = [ "settings" ];
    commonPy = ./jupyter_config.py;
    serverPy = ./jupyter_server_config.py;
    healthcheckSh = ./healthcheck.sh;
  }
  ''
    mkdir -p "$out"
    cp "$settingsPath" "$out/nixlab.json"
    cp "$commonPy" "$out/jupyter_config.py"
    cp "$serverPy" "$out/jupyter_server_config.py"
    cp "$serverPy" "$out/jupyter_notebook_config.py"
    cp "$healthcheckSh" "$out/nixlab_healthcheck.sh"
    : > "$out/migrated"
    chmod 0444 "$out"/*
  ''
