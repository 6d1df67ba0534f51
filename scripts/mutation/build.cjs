// Stryker's build step in its sandbox (stryker.config.json, buildCommand): the project's native
// TypeScript compiler (typescript-native), found from here: the sandbox lies inside the repository, and
// its own node_modules is linked only after the build. `tsc` on the PATH could be either compiler.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const process = require('node:process');

const tsc = path.join(path.dirname(require.resolve('typescript-native/package.json')), 'bin', 'tsc');
const build = spawnSync(process.execPath, [tsc, '-p', '.'], { stdio: 'inherit' });
process.exit(build.status ?? 1);
