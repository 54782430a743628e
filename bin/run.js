#!/usr/bin/env node
// The nixlab CLI entry point: oclif finds the compiled commands in dist/src/commands. nixlab
// always runs its compiled JavaScript (never oclif's TypeScript auto-transpiling, which it would
// try whenever NODE_ENV is "development" or "test"). `validate`, `generate` and `pack` with the
// flags they declare start without loading oclif at all (cli/fast.ts, run from the one-file
// bundle that dist/src/cli/fast-start.cjs loads); any other command line goes to oclif.
// This file is CommonJS (bin/package.json): an ES module entry would start node's ES module
// loader, a tenth of node's own start, before validate could begin.
const { runFast } = require('../dist/src/cli/fast-start.cjs');

(async () => {
  if (!(await runFast(process.argv.slice(2)))) {
    const { execute, settings } = await import('@oclif/core');
    settings.enableAutoTranspile = false;
    // The package root, not this directory: oclif takes the first package.json above `dir`, and bin/ has its own.
    await execute({ dir: require('node:path').join(__dirname, '..') });
  }
})().catch((error) => {
  // Only an incomplete installation gets here (no bundle: `npm run build`); commands report their own errors.
  process.stderr.write(`error: ${process.env.DEBUG ? error.stack : error.message}\n`);
  process.exitCode = 70;
});
