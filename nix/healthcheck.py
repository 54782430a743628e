# The image's HEALTHCHECK (Docker runs it in the container as the container's user): healthy
# when the Jupyter server answers GET <base url>api with 200 on its port. Python from the
# server environment, so a FROM-scratch image needs no curl or wget. `/api` needs no token.
import os
import sys
import urllib.request

port = os.environ.get("JUPYTER_PORT", "8888")
# A JupyterHub single-user server lives under its service prefix (/user/<name>/).
base = os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or os.environ.get("NIXLAB_BASE_URL") or "/"
if not base.endswith("/"):
    base += "/"
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{base}api", timeout=1) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as error:  # noqa: BLE001 (any failure means unhealthy)
    print(f"nixlab healthcheck: {error}", file=sys.stderr)
    sys.exit(1)
