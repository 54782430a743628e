# The Jupyter config directory: jupyter_server_config.py and jupyter_notebook_config.py (the
# same file: notebook 6 reads the latter), plus nixlab.json with the data they read.
#
# nixpkgs API used: runCommand (pkgs/build-support/trivial-builders/default.nix).
{ runCommand }:
{
  # JSON text rendered by nixlab: { "kernels": [names…], "frontend": "notebook" }.
  settings,
}:
runCommand "jupyter-config"
  {
    inherit settings;
    passAsFile = [ "settings" ];
    configPy = ./jupyter_config.py;
  }
  ''
    mkdir -p "$out"
    cp "$settingsPath" "$out/nixlab.json"
    cp "$configPy" "$out/jupyter_server_config.py"
    cp "$configPy" "$out/jupyter_notebook_config.py"
    chmod 0444 "$out"/*
  ''
