# KubeSpawner for the hub image of `nixlab hub --target kubernetes` (nix/hub.nix): the package
# set's own `jupyterhub-kubespawner` when it has one, else built from PyPI's wheel by
# ./pypi-wheel.nix. nixpkgs has none (no pkgs/development/python-modules/jupyterhub-kubespawner
# or kubespawner, no entry in pkgs/top-level/python-packages.nix; checked against master
# 2026-07-14, which has every dependency below), so against nixpkgs this builds it.
#
# nixpkgs API used (checked against nixpkgs master 2026-07-14), besides ./pypi-wheel.nix's:
#   escapism, jinja2, jupyterhub, kubernetes-asyncio, python-slugify, pyyaml, traitlets, urllib3
#                        pkgs/development/python-modules/<name>/default.nix (master 2026-07-14:
#                        1.1.0, 3.1.6, 5.5.0, 33.3.0, 8.0.4, 6.0.3, 5.14.3, 2.6.3)
{
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
  pname = "jupyterhub-kubespawner";
  version = "7.1.0";
  # its sha256 is the one offline/python/wheels.lock.json locks (6eba305d…ea7c)
  hash = "sha256-browXeyZ06khTKDoxWTjO1py1VrLcrhMm8hev0Vq6nw=";

  # The wheel's METADATA: Requires-Dist escapism, jinja2, jupyterhub >=4.0.0,
  # kubernetes-asyncio >=24.2.3, python-slugify, pyyaml, traitlets, urllib3.
  dependencies = [
    ps.escapism
    ps.jinja2
    ps.jupyterhub
    ps.kubernetes-asyncio
    ps.python-slugify
    ps.pyyaml
    ps.traitlets
    ps.urllib3
  ];

  meta = {
    description = "JupyterHub spawner that starts each user's server in a Kubernetes pod";
    homepage = "https://github.com/jupyterhub/kubespawner";
  };
}
