# One Jupyter kernelspec: $out/share/jupyter/kernels/<name>/kernel.json (+ logos).
#
# nixpkgs API used: runCommand (pkgs/build-support/trivial-builders/default.nix:
# `runCommand = name: env: buildCommand: …`, with `passAsFile` support from mkDerivation).
{ runCommand }:
{
  # Kernelspec directory name. nixlab validates it: [A-Za-z0-9._-]+, not "." or "..".
  name,
  # kernel.json "argv": a list of strings that may reference store paths (the kernel's env).
  argv,
  # Every other kernel.json field as the JSON text of an object, rendered by nixlab with sorted
  # keys. It stays text: Nix never re-encodes user data (its float printing is lossy and keys
  # such as outPath would change builtins.toJSON's result).
  spec,
  # Logo files to copy beside kernel.json: { "logo-64x64.png" = ./assets/k/logo-64x64.png; }.
  logos ? { },
}:
let
  # "{" + rest of the object; argv goes first, the rest follows unchanged.
  rest = builtins.substring 1 (builtins.stringLength spec) spec;
  kernelJson = "{\"argv\":" + builtins.toJSON argv + (if rest == "}" then "}" else "," + rest);
in
assert builtins.substring 0 1 spec == "{";
runCommand "kernelspec-${name}"
  {
    inherit kernelJson;
    passAsFile = [ "kernelJson" ];
    kernelName = name;
    # attrNames and attrValues both come sorted by name, so they pair up.
    logoNames = builtins.attrNames logos;
    logoFiles = builtins.attrValues logos;
  }
  ''
    dir="$out/share/jupyter/kernels/$kernelName"
    mkdir -p "$dir"
    cp "$kernelJsonPath" "$dir/kernel.json"
    set -- $logoFiles
    for logo in $logoNames; do
      cp "$1" "$dir/$logo"
      shift
    done
  ''
