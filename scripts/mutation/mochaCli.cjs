// Mocha 12 ships its CLI internals as .cjs files; @stryker-mutator/mocha-runner 10.1 still asks for
// them without an extension (stryker-js#6205). Resolve those few requests to the .cjs file.
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveMochaCli(request, ...rest) {
  try {
    return resolve.call(this, request, ...rest);
  } catch (error) {
    if (!/[\\/]mocha[\\/]lib[\\/]cli[\\/][\w-]+$/.test(request)) throw error;
    return resolve.call(this, `${request}.cjs`, ...rest);
  }
};
