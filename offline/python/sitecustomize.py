"""sitecustomize for the offline package set's Python (Debian's 3.11 interpreter in the Nix store).

Imported by site.py at start-up. Two jobs:

1. Debian's site.py only adds <prefix>/lib/python3/dist-packages (and, in a venv only,
   <prefix>/lib/python3.X/site-packages). Nix environments use the nixpkgs layout
   <prefix>/lib/python3.X/site-packages, so it is added here for sys.prefix.
2. The NIX_PYTHONPATH / NIX_PYTHONEXECUTABLE / NIX_PYTHONPREFIX protocol of nixpkgs'
   sitecustomize (pkgs/development/interpreters/python/sitecustomize.py): wrappers of console
   scripts set them so a script whose shebang is the bare interpreter still sees the environment.
   NIX_PYTHONPATH is removed from os.environ so it does not leak into child processes.
"""
import os
import site
import sys

_paths = os.environ.pop("NIX_PYTHONPATH", None)
if _paths:
    _known = site._init_pathinfo()
    for _p in _paths.split(":"):
        _known = site.addsitedir(_p, _known)

if sys.prefix == sys.base_prefix:  # not in a venv
    _executable = os.environ.pop("NIX_PYTHONEXECUTABLE", None)
    _prefix = os.environ.pop("NIX_PYTHONPREFIX", None)
    if "PYTHONEXECUTABLE" not in os.environ and _executable is not None:
        sys.executable = _executable
        sys._base_executable = _executable
    if _prefix is not None:
        sys.prefix = sys.exec_prefix = _prefix
        site.PREFIXES.insert(0, _prefix)

_own = os.path.join(sys.prefix, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
if os.path.isdir(_own) and _own not in sys.path:
    site.addsitedir(_own)
