#!/usr/bin/env bash
# The README's test command: set up the machine, run every test, print `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$dir/jest.json
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile="$out" "$@"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  console.log(`${r.numPassedTests} passed, ${failed} failed`);
' "$out" || { echo "0 passed, 1 failed"; exit 1; }
exit $status
