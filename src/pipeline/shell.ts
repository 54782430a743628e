// `shell`: generate the project and enter its shell.nix with nix-shell — the same notebook
// environment as the image, run locally, writing state only under ./.jupyter.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MissingToolError } from '../errors.js';
import { FRONT_ENDS } from '../runtime/targets.js';
import { generateFor } from './generate.js';
import { nixBuild } from './nix-build.js';
import type { RunHooks } from '../exec.js';
import { pkgsArgs, type PkgsChoice } from '../pkgs.js';

export interface ShellOptions {
  config: string;
  pkgs: PkgsChoice;
  /** Command to run inside; default: start the config's front end. */
  command?: string[];
  generatedDir?: string;
  /** Where the shell starts (its .jupyter/ goes here). Default: the current directory. */
  cwd?: string;
  /** stdio of the shell: inherit for people, pipe for tests. */
  stdio?: 'inherit' | 'pipe';
  /** The config's warnings, as it is loaded (RunHooks). */
  onWarning?: RunHooks['onWarning'];
  signal?: AbortSignal;
}

/** The host's bash, as an absolute path (PATH is searched; /bin/bash if not found). */
function hostBash(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'bash'))) return join(dir, 'bash');
  }
  return '/bin/bash';
}

/** Quotes one argument for the POSIX shell nix-shell's --run hands it to. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the command inside the project's nix-shell and returns its exit code (and output when piped). */
export async function shell(opts: ShellOptions): Promise<ShellResult> {
  const generatedDir = opts.generatedDir ?? join(dirname(resolve(opts.config)), '.nixlab');
  const gen = await generateFor(opts.config, generatedDir, opts.pkgs, opts);
  const stdio = opts.stdio ?? 'inherit';
  // The notebook environment is built first, so that Nix's errors are explained in the
  // config's terms (nix-shell's own output goes straight to the terminal); nix-shell then finds
  // it built.
  await nixBuild({
    file: gen.outDir,
    attr: 'env',
    pkgs: opts.pkgs,
    onLog: stdio === 'inherit' ? (line) => process.stderr.write(line + '\n') : undefined,
    signal: opts.signal,
    origin: { configFile: gen.file, config: gen.config },
  });
  const command = opts.command?.length ? opts.command : [FRONT_ENDS[gen.config.frontend].command];
  const args = [join(gen.outDir, 'shell.nix'), ...pkgsArgs(opts.pkgs), '--run', command.map(shellQuote).join(' ')];
  const r = await execa('nix-shell', args, {
    cwd: opts.cwd,
    stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    reject: false,
    // nix-shell otherwise looks for bashInteractive in <nixpkgs>, which need not exist. It must
    // be an absolute path: nix-shell execs it after setting PATH to the shell's packages.
    env: { NIX_BUILD_SHELL: process.env.NIX_BUILD_SHELL ?? hostBash() },
  });
  if ((r as { code?: string }).code === 'ENOENT') throw new MissingToolError('nix-shell', 'entering the notebook environment');
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}
