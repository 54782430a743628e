# The image's HEALTHCHECK (Docker runs it in the container as the container's user): healthy
# when the Jupyter server answers GET <base url>api with 200 on its port. `/api` needs no token.
# Python from the server environment, so a FROM-scratch image needs no curl or wget.
#
# Docker gives each probe 1 s (docker-stacks' timeout), counted from the exec's start, so the
# probe must be cheap: it is run with `python3 -S` (no site-packages) and speaks HTTP/1.0 over
# the C `_socket` module. Importing urllib.request instead (http.client, email, ssl, …) took
# 0.5-1.1 s per probe under Docker here, and probes timed out (bench/README.md, "Docker").
import os
import sys

import _socket

port = int(os.environ.get("JUPYTER_PORT", "8888"))
# A JupyterHub single-user server lives under its service prefix (/user/<name>/).
base = os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or os.environ.get("NIXLAB_BASE_URL") or "/"
if not base.endswith("/"):
    base += "/"

sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
sock.settimeout(1)
try:
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {base}api HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode("ascii"))
    head = b""
    while b"\r\n" not in head and len(head) < 4096:
        chunk = sock.recv(1024)
        if not chunk:
            break
        head += chunk
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ")
    if len(parts) >= 2 and parts[1] == "200":
        sys.exit(0)
    print(f"nixlab healthcheck: GET {base}api answered {status_line!r}", file=sys.stderr)
    sys.exit(1)
except OSError as error:
    print(f"nixlab healthcheck: GET {base}api on port {port}: {error}", file=sys.stderr)
    sys.exit(1)
finally:
    sock.close()
