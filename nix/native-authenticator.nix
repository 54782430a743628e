# JupyterHub's NativeAuthenticator for the hub image (nix/hub.nix): the package set's own
# `jupyterhub-nativeauthenticator` when it has one, else built from PyPI's wheel by
# ./pypi-wheel.nix. nixpkgs has none (no pkgs/development/python-modules/jupyterhub-nativeauthenticator,
# no entry in pkgs/top-level/python-packages.nix, which has jupyterhub-ldapauthenticator,
# -systemdspawner and -tmpauthenticator; checked against nixos-26.05), so against the pinned
# nixpkgs this builds it.
#
# nixpkgs API used (checked against nixpkgs 26.05), besides ./pypi-wheel.nix's:
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
import ./pypi-wheel.nix {
  inherit fetchPypi pythonPackages;
  pname = "jupyterhub-nativeauthenticator";
  version = "1.3.0";
  # its sha256 is the one offline/python/wheels.lock.json locks (df9252a7…eb30)
  hash = "sha256-35JSpzDjBwcJBFw/CFIbfXBd2MniLqsquD5YggoR6zA=";

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
}
