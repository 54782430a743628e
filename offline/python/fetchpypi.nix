# fetchPypi, offline: nixpkgs' pkgs/build-support/fetchpypi/default.nix takes
# { pname, version, format ? "setuptools", hash ? "", sha256 ? "" } plus, for format = "wheel",
# { dist ? "py2.py3", python ? "py2.py3", abi ? "none", platform ? "any" } (the file is
# "${pname}-${version}-${python}-${abi}-${platform}.whl", pname spelled as in the wheel's file
# name) and, for "setuptools", { extension ? "tar.gz" } ("${pname}-${version}.${extension}"), and
# downloads that file from PyPI. Nothing is downloaded here: the hash picks the file out of
# wheels.lock.json, which scripts/wheels.sh put into the wheel cache, and the result is the same
# fixed-output derivation the lock's own packages are built from (`fetchLocked`), so one file is
# one store path however it is asked for. A file the lock lacks, or a hash that differs from the
# lock's, fails at evaluation saying so.
{
  lib,
  system,
  busybox,
  # the parsed wheels.lock.json ({ pythons.<minor>.packages.<attr> = { file, sha256, ... }; })
  wheelsLock,
  # directory holding the downloaded wheels and sdists (scripts/wheels.sh)
  wheelsDir,
}:
let
  inherit (builtins)
    attrNames
    attrValues
    concatLists
    concatStringsSep
    filter
    genList
    head
    listToAttrs
    stringLength
    substring
    ;

  # A locked file (a lock entry: file, sha256) in the store by its locked hash: a fixed-output
  # derivation copying it from the cache (the builder runs unsandboxed, as every builder of this
  # set). Nix checks the sha256; a missing file fails the build, saying how to get it.
  fetchLocked =
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

  # Every locked file once, by its sha256 (hex). The same file locked for several interpreters
  # has the same hash.
  byHash = listToAttrs (
    map (w: {
      name = w.sha256;
      value = w;
    }) (concatLists (map (p: attrValues p.packages) (attrValues wheelsLock.pythons)))
  );

  # SRI "sha256-<base64>" -> hex, as the lock writes hashes (Nix 2.8 has no builtins.convertHash).
  base64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  base64Value = listToAttrs (
    genList (i: {
      name = substring i 1 base64Digits;
      value = i;
    }) 64
  );
  hexDigits = "0123456789abcdef";
  mod = a: b: a - (a / b) * b;
  hexByte = n: substring (n / 16) 1 hexDigits + substring (mod n 16) 1 hexDigits;
  sriToHex =
    what: sri:
    let
      body = lib.removePrefix "sha256-" sri;
      chars = genList (i: substring i 1 body) 43;
      bad = filter (c: !(base64Value ? ${c})) chars;
      v = i: if i < 43 then base64Value.${substring i 1 body} else 0;
      # 4 base64 digits -> 3 bytes; 43 digits (+ "=") carry the 32 bytes of a sha256
      group =
        g:
        let
          n = v (4 * g) * 262144 + v (4 * g + 1) * 4096 + v (4 * g + 2) * 64 + v (4 * g + 3);
        in
        hexByte (n / 65536) + hexByte (mod (n / 256) 256) + hexByte (mod n 256);
    in
    if !(lib.hasPrefix "sha256-" sri) || stringLength body != 44 || substring 43 1 body != "=" || bad != [ ] then
      throw "fetchPypi: ${what} = \"${sri}\" is not a sha256 SRI hash (sha256-<44 base64 characters>); the offline package set takes `hash = \"sha256-…\"` (or `sha256` as 64 hex digits)"
    else
      substring 0 64 (concatStringsSep "" (genList group 11));

  hexOf =
    {
      hash,
      sha256,
    }:
    if hash != "" then
      sriToHex "hash" hash
    else if builtins.match "[0-9a-f]{64}" sha256 != null then
      sha256
    else if sha256 != "" then
      sriToHex "sha256" sha256
    else
      throw "fetchPypi: no hash given; the offline package set finds PyPI files in offline/python/wheels.lock.json by their sha256: pass `hash = \"sha256-…\"`";

  wheelArgs = [
    "dist"
    "python"
    "abi"
    "platform"
  ];
  sourceArgs = [ "extension" ];

  fetchPypi =
    {
      pname,
      version,
      format ? "setuptools",
      hash ? "",
      sha256 ? "",
      ...
    }@attrs:
    let
      extra = filter (
        n:
        !(builtins.elem n (
          [
            "pname"
            "version"
            "format"
            "hash"
            "sha256"
          ]
          ++ (if format == "wheel" then wheelArgs else sourceArgs)
        ))
      ) (attrNames attrs);
      file =
        if format == "wheel" then
          "${pname}-${version}-${attrs.python or "py2.py3"}-${attrs.abi or "none"}-${attrs.platform or "any"}.whl"
        else if format == "setuptools" then
          "${pname}-${version}.${attrs.extension or "tar.gz"}"
        else
          throw "fetchPypi: unsupported format \"${format}\" (nixpkgs' fetchPypi takes \"setuptools\" or \"wheel\")";
      hex = hexOf { inherit hash sha256; };
      w = byHash.${hex} or null;
    in
    if extra != [ ] then
      throw "fetchPypi: unexpected argument ${concatStringsSep ", " extra} for format \"${format}\" (nixpkgs' fetchPypi takes pname, version, format, hash/sha256 and, for wheels, dist, python, abi, platform; for sources, extension)"
    else if w == null then
      throw "fetchPypi: ${file} with sha256 ${hex} is not in offline/python/wheels.lock.json; the offline package set downloads nothing: add the distribution to REQUIREMENTS in scripts/lock-wheels.py and run that and scripts/wheels.sh"
    else if w.file != file then
      throw "fetchPypi: the hash given for ${file} is that of ${w.file} in offline/python/wheels.lock.json: check pname, version, format${lib.optionalString (format == "wheel") ", python, abi, platform"}"
    else
      fetchLocked w;
in
{
  inherit fetchPypi fetchLocked;
}
