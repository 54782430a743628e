# The hub image's root: one store path whose closure is the JupyterHub image that `nixlab hub`
# builds, with a link to each part the image's config points at. Nothing is pip-installed at
# run time: the hub, the spawner and the authenticator are all in the environment.
#
# nixpkgs API used (checked against nixpkgs 26.05):
#   python3.withPackages     pkgs/development/interpreters/python/wrapper.nix
#   python3Packages.jupyterhub, .dockerspawner, .pycurl
#                            pkgs/development/python-modules/{jupyterhub,dockerspawner,pycurl}/default.nix
#   linkFarm                 pkgs/build-support/trivial-builders/default.nix (entries as an attrset)
#   jupyterhub-nativeauthenticator
#                            not in nixpkgs: ./native-authenticator.nix (./pypi-wheel.nix)
#   jupyterhub-kubespawner   not in nixpkgs (master 2026-07-14): ./kubespawner.nix (./pypi-wheel.nix)
#   the links' other packages (configurable-http-proxy, tini, busybox, cacert) are named in
#   src/deploy/hub.ts HUB_ROOT_LINKS, which says where nixpkgs has them.
{ pkgs }:
{
  # nixpkgs Python package attribute names of the spawner and of what the deployment's hub config
  # imports beyond JupyterHub: DockerSpawner (compose, swarm), or KubeSpawner and pycurl (the
  # zero-to-jupyterhub chart's config makes tornado use its curl client) for kubernetes.
  spawnerPackages ? [ "dockerspawner" ],
  # nixpkgs Python package attribute names besides those (the authenticator's package, when it
  # is not JupyterHub's own).
  extraPythonPackages ? [ ],
  # The root's links, as nixlab declares them (src/deploy/hub.ts HUB_ROOT_LINKS): a function of
  # the hub's Python environment to name → store path, e.g. env: { inherit env; tini = pkgs.tini; }.
  links,
}:
let
  # Packages nixpkgs lacks, built here when the package set lacks them too.
  builtHere = ps: {
    jupyterhub-nativeauthenticator = import ./native-authenticator.nix {
      inherit (pkgs) lib fetchPypi;
      pythonPackages = ps;
    };
    jupyterhub-kubespawner = import ./kubespawner.nix {
      inherit (pkgs) fetchPypi;
      pythonPackages = ps;
    };
  };
  env = pkgs.python3.withPackages (
    ps:
    [ ps.jupyterhub ]
    ++ map (name: (builtHere ps).${name} or ps.${name}) (spawnerPackages ++ extraPythonPackages)
  );
in
pkgs.linkFarm "nixlab-hub-root" (links env)
