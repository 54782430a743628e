# A Python package built from PyPI's pure wheel (py3-none-any), for what nixlab's Nix needs and
# nixpkgs lacks: NativeAuthenticator (./native-authenticator.nix) and KubeSpawner
# (./kubespawner.nix) for the hub image, JJava (./jjava.nix) for the java kind. The package set's
# own attribute `pname` is taken instead when it has one (unless `preferSetAttribute` is false),
# so the same file works once nixpkgs, or another package set, has the package. The offline set
# (offline/python/wheels.nix) offers the same buildPythonPackage and fetchPypi arguments, and
# fetchPypi there finds the wheel by its hash in the lock.
#
# nixpkgs API used (checked against nixpkgs master 2026-07-14):
#   buildPythonPackage   pkgs/development/interpreters/python/mk-python-derivation.nix
#                        (format = "wheel": wheelUnpackHook + pypaInstallHook, the wheel's
#                        .data/data/ lands in $out; `dependencies` are propagated; postInstall
#                        runs after the wheel is installed into $out)
#   fetchPypi            pkgs/build-support/fetchpypi/default.nix (format = "wheel": the file
#                        "${pname}-${version}-${python}-${abi}-${platform}.whl" under
#                        files.pythonhosted.org/packages/${dist}/…, pname as in the file name)
{
  # pkgs.fetchPypi
  fetchPypi,
  # the Python package set the package is built with and for (pkgs.python3Packages)
  pythonPackages,
  # the package's nixpkgs attribute name, also its pname ("jupyterhub-nativeauthenticator"); the
  # wheel's file name has it with `_` for `-` (the wheel format's escaping of the name)
  pname,
  # the release, as in the wheel's file name
  version,
  # SRI hash of the wheel file
  hash,
  # packages of `pythonPackages` the wheel's METADATA requires (Requires-Dist): propagated
  dependencies ? [ ],
  # shell run after the wheel is installed into $out; null: none (no postInstall at all, so the
  # derivation is the same as one written without it)
  postInstall ? null,
  # { description, homepage }
  meta,
  # whether `pythonPackages.${pname}`, when the set has it, is taken instead of the wheel
  preferSetAttribute ? true,
}:
let
  ps = pythonPackages;
  built = ps.buildPythonPackage (
    {
      inherit pname version meta;
      format = "wheel";
      src = fetchPypi {
        pname = builtins.replaceStrings [ "-" ] [ "_" ] pname;
        inherit version hash;
        format = "wheel";
        dist = "py3";
        python = "py3";
      };
      inherit dependencies;
    }
    // (if postInstall == null then { } else { inherit postInstall; })
  );
in
if preferSetAttribute then ps.${pname} or built else built
