# Jupyter server config written by nixlab (jupyter_server_config.py for jupyter-server and
# JupyterLab, jupyter_notebook_config.py for Notebook 6). The kernel allow-list is in
# jupyter_config.py beside it. What varies at run time comes from environment variables:
#   - the listen address and port: NIXLAB_IP (default 127.0.0.1) and JUPYTER_PORT (default 8888,
#     the name docker-stacks images use: `docker run -e JUPYTER_PORT=9999 …`);
#   - the notebook directory: NIXLAB_NOTEBOOK_DIR;
#   - writable state stays outside the store: JUPYTER_DATA_DIR and JUPYTER_RUNTIME_DIR, and
#     JupyterLab's (and Notebook 7's) settings and workspaces, JUPYTERLAB_SETTINGS_DIR and
#     JUPYTERLAB_WORKSPACES_DIR, which JupyterLab reads itself (nothing here overrides them).
# Nothing here sets a token: the server then requires JUPYTER_TOKEN from the environment, or
# generates one and prints it in its log. It is never an open server.
import os

c = get_config()  # noqa: F821 (provided by traitlets when it runs this file)

for _app in ("ServerApp", "NotebookApp"):
    _cfg = c[_app]
    _cfg.ip = os.environ.get("NIXLAB_IP", "127.0.0.1")
    _cfg.port = int(os.environ.get("JUPYTER_PORT", "8888"))
    _cfg.open_browser = False

# Where notebooks live (the image sets it to its first volume or the user's home).
if "NIXLAB_NOTEBOOK_DIR" in os.environ:
    c.ServerApp.root_dir = os.environ["NIXLAB_NOTEBOOK_DIR"]
    c.NotebookApp.notebook_dir = os.environ["NIXLAB_NOTEBOOK_DIR"]
