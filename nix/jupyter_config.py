# Jupyter config written by nixlab for an immutable environment (read by every Jupyter command,
# `jupyter kernelspec list`, `jupyter nbconvert`, `jupyter console` and the server included, as
# JUPYTER_CONFIG_DIR/jupyter_config.py). It lives in the Nix store, so it never changes at run
# time.
#
# Only the kernels declared in the nixlab config can be listed AND started. jupyter_client's own
# allow-list (allowed_kernelspecs) filters only the listing: get_kernel_spec() still resolves any
# name it finds in any kernel directory (the server environment's share/jupyter, the writable
# data dir), and for "python3" it falls back to the calling Python's own ipykernel (the "native"
# kernel: the server's environment). Every path that starts a kernel — the REST API, the
# websocket's kernel, nbconvert --execute (nbclient), jupyter console, a JupyterHub single-user
# server — resolves the name through KernelSpecManager.get_kernel_spec(), so that method is
# replaced here, in the process that read this file: a name resolves only when it is declared (or
# is an alias of a declared kernel), and only from the declared kernels' directories
# (JUPYTER_PATH), never from the server's environment.
import json
import os

c = get_config()  # noqa: F821 (provided by traitlets when it runs this file)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nixlab.json"), encoding="utf-8") as _f:
    _nixlab = json.load(_f)
# The environment variables' names by role (generated from src/runtime/facts.ts).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nixlab-runtime.json"), encoding="utf-8") as _f:
    _env = json.load(_f)["env"]

c.KernelSpecManager.allowed_kernelspecs = set(_nixlab["kernels"])
c.KernelSpecManager.ensure_native_kernel = False
# The launcher's default kernel: the first one declared (Jupyter's own default is python3, which
# may not be declared).
c.MultiKernelManager.default_kernel_name = _nixlab["kernels"][0]


def _nixlab_enforce_kernels(declared, aliases):
    from jupyter_client import kernelspec as ks

    if getattr(ks.KernelSpecManager, "_nixlab_enforced", False):
        return
    declared = list(declared)
    # Names are case-insensitive in jupyter_client (it lowercases them).
    aliases = {k.lower(): v for k, v in aliases.items()}

    def dirs():
        paths = [p for p in os.environ.get(_env["jupyterPath"], "").split(os.pathsep) if p]
        return [os.path.join(p, "kernels") for p in paths]

    def resolve(name):
        low = name.lower()
        target = aliases.get(low, low)
        allowed = {n.lower(): n for n in declared}
        if target not in allowed:
            return None, target
        for d in dirs():
            path = os.path.join(d, allowed[target])
            if os.path.isfile(os.path.join(path, "kernel.json")):
                return path, allowed[target]
        return None, target

    try:
        from tornado.web import HTTPError
    except ImportError:  # pragma: no cover (jupyter_client depends on tornado)
        HTTPError = Exception

    class Undeclared(ks.NoSuchKernel, HTTPError):
        """NoSuchKernel for callers that catch it; for the server, also a 404 with the reason."""

        def __init__(self, name, message):
            ks.NoSuchKernel.__init__(self, name)
            if HTTPError is not Exception:
                HTTPError.__init__(self, 404, "%s", message, reason="No such kernel")
            self.name = name
            self.message = message

        def __str__(self):
            return self.message

    Undeclared.__name__ = Undeclared.__qualname__ = "UndeclaredKernel"
    Undeclared.__module__ = "nixlab"

    def get_kernel_spec(self, kernel_name):
        path, name = resolve(kernel_name)
        if path is None:
            offered = ", ".join(declared + [f"{a} (alias of {t})" for a, t in sorted(aliases.items())])
            if name in {n.lower() for n in declared}:
                path_var = _env["jupyterPath"]
                message = (
                    f"nixlab: kernel {kernel_name!r} is declared, but its kernelspec is in none of {path_var}'s "
                    f"kernels directories ({os.pathsep.join(dirs()) or path_var + ' is empty'}); "
                    f"keep {path_var} as the image or `nixlab shell` sets it"
                )
            else:
                message = (
                    f"nixlab: kernel {kernel_name!r} is not declared in this environment (declared: {offered}); "
                    "add it to the nixlab config's kernels (or as an alias), or name a declared kernel in the notebook's metadata"
                )
            self.log.warning("%s", message)
            raise Undeclared(kernel_name, message)
        by_name = getattr(self, "_get_kernel_spec_by_name", None)
        return by_name(name, path) if by_name else self.kernel_spec_class.from_resource_dir(path)

    def find_kernel_specs(self):
        out = {}
        for name in declared:
            path, _ = resolve(name)
            if path is not None:
                out[name] = path
        return out

    ks.KernelSpecManager.get_kernel_spec = get_kernel_spec
    ks.KernelSpecManager.find_kernel_specs = find_kernel_specs
    ks.KernelSpecManager._nixlab_enforced = True


_nixlab_enforce_kernels(_nixlab["kernels"], _nixlab.get("aliases") or {})
