#!/usr/bin/env bash
# The Jupyter server of a built image root, started from the store as the image starts it
# (its jupyter config, PYTHONDONTWRITEBYTECODE=1, a fresh HOME and runtime dir; --allow-root), until its first
# answer to `GET /api` (polled every 20 ms); then stopped. One run; time it from outside:
#   bash bench/server-start.sh RESULT [PORT]     (RESULT: a `nixlab build` out-link)
# bench/README.md pairs two builds (before and after a change) run after run.
set -euo pipefail
R=$(readlink -f "$1"); PORT=${2:-18888}
T=$(mktemp -d /tmp/nixlab-server-start.XXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/home" "$T/data"
env -i PATH="$R/env/bin:/usr/bin:/bin" HOME="$T/home" LANG=C.UTF-8 \
  JUPYTER_CONFIG_DIR="$R/jupyterConfig" JUPYTER_PATH="$R/env/share/jupyter" \
  JUPYTER_DATA_DIR="$T/data-dir" JUPYTER_RUNTIME_DIR="$T/runtime" IPYTHONDIR="$T/ipython" \
  NIXLAB_NOTEBOOK_DIR="$T/data" PYTHONDONTWRITEBYTECODE=1 PYDEVD_DISABLE_FILE_VALIDATION=1 \
  NIXLAB_IP=127.0.0.1 JUPYTER_PORT="$PORT" JUPYTER_TOKEN=bench \
  "$R/env/bin/jupyter-notebook" --allow-root >"$T/log" 2>&1 &
pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/api"; do
  kill -0 "$pid" 2>/dev/null || { cat "$T/log" >&2; exit 1; }
  sleep 0.02
done
