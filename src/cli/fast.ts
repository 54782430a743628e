// The start of `nixlab validate` and `nixlab generate` without oclif: loading @oclif/core alone
// costs about twice node's own start, and these two commands are the ones run in editors, hooks
// and CI loops. Only the exact flags those commands declare are understood here (FAST_FLAGS,
// checked against the oclif definitions by test/cli/fast.test.ts); anything else — --help, an
// unknown or repeated flag, a missing value — returns false and oclif runs the command as usual,
// with its own messages.
import { errorReport } from './report.js';

/** Per command: each flag's long name → [its one-letter alias or null, whether it takes a value, whether it is required]. */
export const FAST_FLAGS: Record<string, Record<string, [string | null, boolean, boolean]>> = {
  validate: { json: [null, false, false], pkgs: [null, true, false] },
  generate: { out: ['o', true, true], json: [null, false, false] },
};

/** argv (after `node run.js`) → the command and its flags (`config`: the one argument), or null when oclif should handle it. */
export function parseFast(argv: readonly string[]): { command: string; flags: Record<string, string | boolean> } | null {
  const [command, ...rest] = argv;
  const spec = command === undefined ? undefined : FAST_FLAGS[command];
  if (!spec) return null;
  const flags: Record<string, string | boolean> = {};
  let positional = 0;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    let name: string | undefined;
    let value: string | undefined;
    if (a === '--') return null;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = a.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) value = a.slice(eq + 1);
    } else if (a.startsWith('-') && a.length > 1) {
      name = Object.keys(spec).find((k) => spec[k]![0] === a[1]);
      if (!name) return null;
      if (a.length > 2) value = a.slice(2).replace(/^=/, '');
    } else {
      if (++positional > 1) return null;
      flags.config = a;
      continue;
    }
    const def = spec[name];
    if (!def || name in flags) return null;
    if (def[1]) {
      if (value === undefined) {
        value = rest[++i];
        if (value === undefined || value.startsWith('-')) return null;
      }
      flags[name] = value;
    } else {
      if (value !== undefined) return null;
      flags[name] = true;
    }
  }
  for (const [name, def] of Object.entries(spec)) if (def[2] && !(name in flags)) return null;
  return { command: command!, flags };
}

/** Runs validate or generate without oclif when argv allows; false: oclif must run it. */
export async function runFast(argv: readonly string[]): Promise<boolean> {
  const parsed = parseFast(argv);
  if (!parsed) return false;
  const { runValidate, runGenerate } = await import('./config-commands.js');
  const f = parsed.flags;
  const str = (name: string) => (typeof f[name] === 'string' ? (f[name] as string) : undefined);
  try {
    if (parsed.command === 'validate') await runValidate({ config: str('config'), json: f.json === true, pkgs: str('pkgs') });
    else await runGenerate({ config: str('config'), out: str('out')!, json: f.json === true });
  } catch (error) {
    const r = errorReport(error, false);
    process.stderr.write(r.text);
    process.exitCode = r.exitCode;
  }
  return true;
}
