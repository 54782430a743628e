#!/usr/bin/env node
// The nixlab CLI entry point: oclif finds the compiled commands in dist/commands.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
