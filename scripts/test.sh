#!/usr/bin/env bash
# The README's test command: set up the machine, start a private Docker engine, run every test,
# stop the engine, print `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
# NIXLAB_SETUP_DONE=1: the caller (.ci/run) has just run it.
[ -n "${NIXLAB_SETUP_DONE:-}" ] || bash scripts/setup.sh || exit 1
dir=$(mktemp -d)
# The engine's state directory: short, for its unix sockets (scripts/dockerd.sh).
dockerd_dir=$(mktemp -d /tmp/dk.XXXX)
cleanup() {
  if bash scripts/dockerd.sh stop "$dockerd_dir"; then
    rm -rf "$dockerd_dir"
  else
    echo "test.sh: the Docker engine's state is left in $dockerd_dir (see above)" >&2
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Tests that need the engine read DOCKER_HOST; if it did not start they fail (never skip).
if DOCKER_HOST=$(bash scripts/dockerd.sh start "$dockerd_dir"); then
  export DOCKER_HOST
  echo "==> Docker engine at $DOCKER_HOST"
else
  unset DOCKER_HOST
  echo "==> the Docker engine did not start (above); the tests that need it will fail" >&2
fi

out=$dir/jest.json
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile="$out" "$@"
status=$?
summary=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  console.log(`${r.numPassedTests} passed, ${failed} failed`);
' "$out") || { summary="0 passed, 1 failed"; status=1; }
# Stop the engine before the summary, so that the summary is the last line.
trap - EXIT
cleanup
echo "$summary"
exit $status
