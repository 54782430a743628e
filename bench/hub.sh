#!/usr/bin/env bash
# JupyterHub figures (bench/README.md, "JupyterHub"): `nixlab hub` of an example against the
# engine at DOCKER_HOST, then RUNS times: `docker-compose up -d` → first user's kernel answers,
# a second user's spawn; `docker-compose down -v` and the user containers and volumes removed
# between runs. Image sizes from `docker image inspect`.
#   DOCKER_HOST=… bash bench/hub.sh examples/hub 3
set -euo pipefail
example=${1:-examples/hub}
runs=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d /tmp/nixlab-bench-hub.XXXX)
trap 'cd "$out" && docker-compose down -v >/dev/null 2>&1 || true; rm -rf "$out"' EXIT
node "$here/bin/run.js" hub "$example" --pkgs offline --out "$out" -q --json > "$out/result.json"
export NIXLAB_HUB_PORT=${NIXLAB_HUB_PORT:-18123}
export NIXLAB_HUB_API_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
for i in $(seq 1 "$runs"); do
  node "$here/bench/hub.mjs" "$out"
  (cd "$out" && docker-compose down -v >/dev/null 2>&1)
  docker ps -aq --filter name=jupyter- | xargs -r docker rm -f >/dev/null
  docker volume ls -q --filter name=jupyterhub-user- | xargs -r docker volume rm >/dev/null
done
node -e 'const r=require(process.argv[1]); for (const i of Object.values(r.images)) console.log(i.reference, (i.bytes/1048576).toFixed(0) + " MiB (archive)")' "$out/result.json"
for ref in $(node -e 'const r=require(process.argv[1]); console.log(Object.values(r.images).map(i=>i.reference).join(" "))' "$out/result.json"); do
  echo "$ref $(docker image inspect -f '{{.Size}}' "$ref" | awk '{printf "%.0f MiB (engine)", $1/1048576}')"
done
