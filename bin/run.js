#!/usr/bin/env node
// The nixlab CLI entry point: oclif finds the compiled commands in dist/src/commands. nixlab
// always runs its compiled JavaScript (never oclif's TypeScript auto-transpiling, which it would
// try whenever NODE_ENV is "development" or "test").
import { execute, settings } from '@oclif/core';

settings.enableAutoTranspile = false;
await execute({ dir: import.meta.url });
