// Runs the real compiled CLI (bin/run.js → dist/), as users do. `npm test` builds first.
import { execa } from 'execa';
import { resolve } from 'node:path';

const BIN = resolve('bin/run.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `nixlab …args` in `cwd`; never throws on a non-zero exit. */
export async function nixlab(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  const r = await execa('node', [BIN, ...args], { cwd: opts.cwd, env: opts.env, input: opts.input, reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
