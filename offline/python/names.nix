# Attribute names of nixpkgs' Python package set (pkgs/top-level/python-packages.nix) that the
# offline set does not offer, because they are not in python/wheels.lock.json. Each throws,
# saying how to add it (REQUIREMENTS in scripts/lock-wheels.py); a name nixpkgs lacks is missing,
# as in nixpkgs. What the set offers is the lock: every resolved wheel under its nixpkgs name.
{
  # Locked (and cached) distributions nixpkgs' Python set has no attribute for: the set leaves
  # them out, as nixpkgs does; their files stay in the lock for fetchPypi, through which nixlab's
  # own Nix builds them with buildPythonPackage (nix/pypi-wheel.nix).
  #  - jupyterhub-nativeauthenticator: no pkgs/development/python-modules/jupyterhub-nativeauthenticator
  #    and no python-packages.nix entry (nixpkgs has jupyterhub-ldapauthenticator,
  #    -systemdspawner, -tmpauthenticator); nix/native-authenticator.nix builds it.
  #  - jupyterhub-kubespawner: no pkgs/development/python-modules/jupyterhub-kubespawner (nor
  #    kubespawner); nix/kubespawner.nix builds it for the kubernetes target's hub image.
  notInNixpkgs = [
    "jupyterhub-nativeauthenticator"
    "jjava"
    "jupyterhub-kubespawner"
  ];

  notLocked = [
    "altair"
    "backcall"
    "bytecode"
    "chardet"
    "coverage"
    "dask"
    "distro"
    "duckdb"
    "h5py"
    "html5lib"
    "httplib2"
    "ipympl"
    "ipython-genutils"
    "jax"
    "jupyter-console"
    "lxml"
    "nbclassic"
    "networkx"
    "numba"
    "opencv4"
    "pickleshare"
    "pip"
    "plotly"
    "polars"
    "py"
    "pyarrow"
    "pydevd"
    "pyjwt"
    "pyopenssl"
    "pyrsistent"
    "pytest"
    "pytz"
    "rpy2"
    "scikit-learn"
    "seaborn"
    "statsmodels"
    "sympy"
    "tensorflow"
    "toml"
    "torch"
    "transformers"
    "xarray"
    "xmltodict"
  ];
}
