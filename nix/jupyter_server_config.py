# Jupyter server config written by nixlab (jupyter_server_config.py for jupyter-server and
# JupyterLab, jupyter_notebook_config.py for Notebook 6). The kernel allow-list is in
# jupyter_config.py beside it. What varies at run time comes from environment variables, whose
# names and defaults this reads from nixlab-runtime.json beside it (src/runtime/facts.ts):
#   - the listen address and port: NIXLAB_IP (default 127.0.0.1; an image sets `*`: every
#     address, IPv6 and IPv4 when the container has IPv6, else IPv4's 0.0.0.0) and JUPYTER_PORT
#     (default 8888, the name docker-stacks images use: `docker run -e JUPYTER_PORT=9999 …`);
#   - run as root (uid 0), the server runs with allow_root: nixlab's start says so in one line
#     (nix/start.sh), and a notebook directory owned by root on the host stays writable;
#   - the notebook directory: NIXLAB_NOTEBOOK_DIR;
#   - writable state stays outside the store: JUPYTER_DATA_DIR and JUPYTER_RUNTIME_DIR, and
#     JupyterLab's (and Notebook 7's) settings and workspaces, JUPYTERLAB_SETTINGS_DIR and
#     JUPYTERLAB_WORKSPACES_DIR, which JupyterLab reads itself (nothing here overrides them).
# Nothing here sets a token: the server then requires JUPYTER_TOKEN from the environment, or
# generates one and prints it in its log. It is never an open server.
import json
import os

c = get_config()  # noqa: F821 (provided by traitlets when it runs this file)

_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, "nixlab-runtime.json"), encoding="utf-8") as _f:
    _runtime = json.load(_f)
_env, _defaults = _runtime["env"], _runtime["defaults"]

# Started by a JupyterHub spawner (jupyterhub-singleuser): the address, base URL and root
# directory come from JUPYTERHUB_SERVICE_URL, JUPYTERHUB_SERVICE_PREFIX and JUPYTERHUB_ROOT_DIR,
# which a value here would override.
_hub = _env["hubServiceUrl"] in os.environ or _env["hubApiToken"] in os.environ


def _listen_address(value):
    # `*`: tornado binds every address of both families for "" (dual-stack), but fails when the
    # container has no IPv6 (docker's default for its networks): try binding [::] first.
    if value != _defaults["imageListenAddress"]:
        return value
    import socket

    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::", 0))
    except OSError:
        return "0.0.0.0"
    return ""


# Only ServerApp: every front end runs on jupyter-server 2 (Notebook 7 included), which warns
# once per NotebookApp.* value, per app, at every start ("has moved from NotebookApp to ServerApp").
if not _hub:
    c.ServerApp.ip = _listen_address(os.environ.get(_env["ip"], _defaults["ip"]))
    c.ServerApp.port = int(os.environ.get(_env["port"], str(_defaults["port"])))
c.ServerApp.open_browser = False
if os.getuid() == 0:
    c.ServerApp.allow_root = True

if _hub:
    with open(os.path.join(_here, "nixlab.json"), encoding="utf-8") as _f:
        _default_url = (json.load(_f).get("hub") or {}).get("defaultUrl")
    # The front end the config chose (JupyterLab unless it says otherwise).
    if _default_url:
        c.ServerApp.default_url = _default_url

# Where notebooks live (the image sets it to its first volume or the user's home).
if _env["notebookDir"] in os.environ and not (_hub and os.environ.get(_env["hubRootDir"])):
    c.ServerApp.root_dir = os.environ[_env["notebookDir"]]

# JupyterLab's extensions come from the Nix environment (lab.extensions): its extension manager
# can neither install into the read-only store nor needs PyPI to say what is installed, so it is
# the read-only one (jupyterlab/extensions/readonly.py), which lists the installed extensions
# without asking PyPI for newer versions.
c.LabApp.extension_manager = "readonly"
