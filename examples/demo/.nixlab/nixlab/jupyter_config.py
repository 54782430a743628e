# Jupyter config written by nixlab for an immutable environment (read by every Jupyter command,
# `jupyter kernelspec list` included, as JUPYTER_CONFIG_DIR/jupyter_config.py). It lives in the
# Nix store, so it never changes at run time. Only the kernels declared in the nixlab config are
# offered (allowed_kernelspecs), and the server environment's own python3 kernel never appears
# (ensure_native_kernel = False).
import json
import os

c = get_config()  # noqa: F821 (provided by traitlets when it runs this file)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nixlab.json"), encoding="utf-8") as _f:
    _nixlab = json.load(_f)

c.KernelSpecManager.allowed_kernelspecs = set(_nixlab["kernels"])
c.KernelSpecManager.ensure_native_kernel = False
