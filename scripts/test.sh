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

exec npx mocha
