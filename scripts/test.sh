#!/usr/bin/env bash
# The whole test suite from a fresh Debian machine: system packages, npm packages, build,
# lint, strict type check, then mocha (unit, HTTP, spawned daemons, promtool, a real Prometheus
# and a headless browser).
# Ends with the plain line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

summary_fail() { echo "$1" >&2; echo "0 passed, 1 failed"; exit 1; }

# Debian packages the tests run for real: prometheus (and promtool), victoria-metrics,
# prometheus-alertmanager (and amtool), and chromium for the docs and status pages.
missing=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
command -v prometheus-alertmanager >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client) # kubectl kustomize renders deploy/kubernetes
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || summary_fail "could not install the Debian packages: ${missing[*]}"
fi

# npm packages, exactly as pinned in package-lock.json (skipped when already current).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || summary_fail "npm ci failed"
fi

npm run --silent build || summary_fail "build (tsc, strict) failed"
npm run --silent lint || summary_fail "lint (eslint + typescript-eslint) failed"

# The suite under c8 (V8's own coverage of src/, through the source maps; .c8rc.json sets the floors:
# 90 % of lines, 80 % of branches; the report goes to var/coverage). Failing a floor counts as one
# failure. The closing line is printed last, from mocha's counts.
summary=var/test-summary.json
mkdir -p var && rm -f "$summary"
set +e
PETSAGE_TEST_SUMMARY="$summary" npx c8 npx mocha
status=$?
set -e
[ -f "$summary" ] || summary_fail "mocha ended without a summary (exit $status)"
read -r passes failures < <(node -e 'const s = require(process.argv[1]); console.log(s.passes, s.failures)' "$PWD/$summary")
if [ "$status" -ne 0 ] && [ "$failures" -eq 0 ]; then
  echo "coverage is under the floors in .c8rc.json (see above)"
  failures=1
fi
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
