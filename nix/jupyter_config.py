# Jupyter config written by nixlab for an immutable environment. It lives in the Nix store,
# so it never changes at run time; what varies comes from environment variables.
#   - Only the kernels declared in the nixlab config are offered (allowed_kernelspecs), and the
#     server environment's own python3 kernel never appears (ensure_native_kernel = False).
#   - The listen address and port come from NIXLAB_IP / NIXLAB_PORT (default 127.0.0.1:8888).
#   - Writable state (runtime, data, lab settings and workspaces) lives outside the store.
#   - Nothing here sets a token: the server then requires JUPYTER_TOKEN from the environment, or
#     generates one and prints it in its log. It is never an open server.
import json
import os

c = get_config()  # noqa: F821 (provided by traitlets when it runs this file)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nixlab.json"), encoding="utf-8") as _f:
    _nixlab = json.load(_f)

c.KernelSpecManager.allowed_kernelspecs = set(_nixlab["kernels"])
c.KernelSpecManager.ensure_native_kernel = False

for _app in ("ServerApp", "NotebookApp"):
    _cfg = c[_app]
    _cfg.ip = os.environ.get("NIXLAB_IP", "127.0.0.1")
    _cfg.port = int(os.environ.get("NIXLAB_PORT", "8888"))
    _cfg.open_browser = False

# Where notebooks live (the image sets it to its first volume or the user's home).
if "NIXLAB_NOTEBOOK_DIR" in os.environ:
    c.ServerApp.root_dir = os.environ["NIXLAB_NOTEBOOK_DIR"]
    c.NotebookApp.notebook_dir = os.environ["NIXLAB_NOTEBOOK_DIR"]

_data = os.environ.get("JUPYTER_DATA_DIR") or os.path.join(os.path.expanduser("~"), ".local", "share", "jupyter")
c.LabApp.user_settings_dir = os.path.join(_data, "lab", "user-settings")
c.LabApp.workspaces_dir = os.path.join(_data, "lab", "workspaces")
