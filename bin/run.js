#!/usr/bin/env node
// The nixlab CLI entry point: oclif finds the compiled commands in dist/src/commands. nixlab
// always runs its compiled JavaScript (never oclif's TypeScript auto-transpiling, which it would
// try whenever NODE_ENV is "development" or "test"). `validate` and `generate` with the flags
// they declare start without loading oclif at all (cli/fast.ts, run from the one-file bundle that
// dist/src/cli/fast-start.js loads); anything else, and any other command line, goes to oclif.
import { runFast } from '../dist/src/cli/fast-start.js';

if (!(await runFast(process.argv.slice(2)))) {
  const { execute, settings } = await import('@oclif/core');
  settings.enableAutoTranspile = false;
  await execute({ dir: import.meta.url });
}
