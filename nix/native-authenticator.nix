# JupyterHub's NativeAuthenticator for the hub image (nix/hub.nix): the package set's own
# `jupyterhub-nativeauthenticator` when it has one, else built here from PyPI's wheel. nixpkgs has
# none (no pkgs/development/python-modules/jupyterhub-nativeauthenticator, no entry in
# pkgs/top-level/python-packages.nix, which has jupyterhub-ldapauthenticator,
# -systemdspawner and -tmpauthenticator; checked against nixos-26.05), so against the pinned
# nixpkgs this builds it.
#
# nixpkgs API used (checked against nixpkgs 26.05):
#   buildPythonPackage   pkgs/development/interpreters/python/mk-python-derivation.nix
#                        (format = "wheel": wheelUnpackHook + pypaInstallHook; `dependencies` are
#                        propagated; postInstall runs after the wheel is installed into $out)
#   fetchPypi            pkgs/build-support/fetchpypi/default.nix (format = "wheel": the file
#                        "${pname}-${version}-${python}-${abi}-${platform}.whl" under
#                        files.pythonhosted.org/packages/${dist}/…, pname as in the file name)
#   substituteInPlace    pkgs/stdenv/generic/setup.sh (--replace-fail)
#   python.sitePackages  pkgs/development/interpreters/python/cpython/default.nix (passthru)
#   jupyterhub, bcrypt, onetimepass
#                        pkgs/development/python-modules/{jupyterhub,bcrypt,onetimepass}/default.nix
{
  # nixpkgs' lib (versionAtLeast, optionalString)
  lib,
  # pkgs.fetchPypi
  fetchPypi,
  # the Python package set the hub's environment is made from (pkgs.python3Packages)
  pythonPackages,
}:
let
  ps = pythonPackages;
in
ps.jupyterhub-nativeauthenticator or (ps.buildPythonPackage rec {
  pname = "jupyterhub-nativeauthenticator";
  version = "1.3.0";
  format = "wheel";

  # PyPI's wheel, pure Python (py3-none-any); its sha256 is the one offline/python/wheels.lock.json
  # locks (df9252a7…eb30).
  src = fetchPypi {
    pname = "jupyterhub_nativeauthenticator";
    inherit version format;
    dist = "py3";
    python = "py3";
    hash = "sha256-35JSpzDjBwcJBFw/CFIbfXBd2MniLqsquD5YggoR6zA=";
  };

  # The wheel's METADATA: Requires-Dist jupyterhub >=4.1.6, bcrypt, onetimepass.
  dependencies = [
    ps.jupyterhub
    ps.bcrypt
    ps.onetimepass
  ];

  # NativeAuthenticator 1.3.0's LoginHandler.post times the login with `self.statsd`, which
  # JupyterHub 6 removed from its handlers (jupyterhub/jupyterhub#5407): every login would answer
  # 500 (AttributeError). JupyterHub 6's own LoginHandler.post calls login_user without a timer;
  # so does this one, with the two timer lines emptied. JupyterHub 5 (handlers/base.py still has
  # the `statsd` property) needs no change, so the patch applies from 6 on only.
  postInstall = lib.optionalString (lib.versionAtLeast ps.jupyterhub.version "6") ''
    substituteInPlace "$out/${ps.python.sitePackages}/nativeauthenticator/handlers.py" \
      --replace-fail 'auth_timer = self.statsd.timer("login.authenticate").start()' "" \
      --replace-fail 'auth_timer.stop(send=False)' ""
  '';

  meta = {
    description = "JupyterHub authenticator with sign-up and admin authorization of users";
    homepage = "https://github.com/jupyterhub/nativeauthenticator";
  };
})
