# npm tarballs into the store by hash: nixpkgs' `fetchurl { url; hash = "sha512-…"; }` for a
# registry tarball, without the network. scripts/fetch-npm-tarballs.mjs (run by scripts/setup.sh)
# downloads each tarball a lock file names into one cache directory, checked against npm's
# dist.integrity; here each is a fixed-output derivation with that same sha512, whose builder
# copies the cached file. So the store path depends only on the hash (not on where the cache is),
# a tampered or wrong file fails the build, and once the path is in the store the cache is not
# read again.
{ busybox, system }:
let
  # Keep in sync with scripts/fetch-npm-tarballs.mjs.
  cacheEnvVar = "NIXLAB_NPM_CACHE";
  defaultCacheDir = "/var/cache/nixlab/npm-tarballs";
  envCacheDir = builtins.getEnv cacheEnvVar;
  cacheDir = if envCacheDir != "" then envCacheDir else defaultCacheDir;

  # npm pack's file name for a package version (@scope/name -> scope-name-<version>.tgz).
  fileName =
    name: version:
    let
      unscoped = if builtins.substring 0 1 name == "@" then builtins.substring 1 (builtins.stringLength name) name else name;
    in
    "${builtins.replaceStrings [ "/" ] [ "-" ] unscoped}-${version}.tgz";
in
{
  inherit cacheDir cacheEnvVar fileName;

  # fetchNpmTarball { name = "@deno/linux-x64-glibc"; version = "2.8.3"; integrity = "sha512-…"; }
  #  - name, version: the npm package and version (as in package-lock.json)
  #  - integrity: npm's dist.integrity, an SRI sha512 hash; the output must have it
  fetchNpmTarball =
    {
      name,
      version,
      integrity,
    }:
    let
      file = fileName name version;
    in
    derivation {
      name = file;
      inherit system;
      builder = "${busybox}/bin/sh";
      args = [
        "-ec"
        ''
          if [ ! -f "$cached" ]; then
            echo "error: the npm tarball $package@$version is not in the cache ($cached)." >&2
            echo "Run scripts/setup.sh (or node scripts/fetch-npm-tarballs.mjs) to download it; ${cacheEnvVar} sets the cache directory." >&2
            exit 1
          fi
          ${busybox}/bin/cp "$cached" "$out"
        ''
      ];
      package = name;
      inherit version;
      cached = "${cacheDir}/${file}";
      outputHashMode = "flat";
      outputHashAlgo = "sha512";
      outputHash = integrity;
      preferLocalBuild = true;
      allowSubstitutes = false;
    };
}
