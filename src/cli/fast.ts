// The start of `nixlab validate`, `generate` and `pack` without oclif: loading @oclif/core alone
// costs about twice node's own start, validate and generate are the commands run in editors,
// hooks and CI loops, and a pack's start is part of its wall time. Only the exact flags those
// commands declare are understood here (FAST_FLAGS, checked against the oclif definitions by
// test/cli/fast.test.ts); anything else — --help, an unknown or repeated flag, a missing or
// invalid value, a plain word oclif would give to a repeatable flag — returns false and oclif
// runs the command as usual, with its own messages.
import { errorReport } from './report.js';
import type { PackFlags } from './pack-command.js';

/** What a flag takes beyond [alias, value, required]: several values, an integer, one of some options, a default, a --no- form. */
export interface FastFlagMore {
  multiple?: true;
  integer?: true;
  options?: string[];
  default?: string | number | boolean;
  allowNo?: true;
}

/** Per command: each flag's long name → [its one-letter alias or null, whether it takes a value, whether it is required, what more it takes]. */
export const FAST_FLAGS: Record<string, Record<string, [string | null, boolean, boolean, FastFlagMore?]>> = {
  validate: { json: [null, false, false], pkgs: [null, true, false] },
  generate: { out: ['o', true, true], json: [null, false, false] },
  pack: {
    output: ['o', true, true],
    format: [null, true, false, { options: ['docker', 'oci'], default: 'docker' }],
    entrypoint: [null, true, false, { multiple: true }],
    cmd: [null, true, false, { multiple: true }],
    env: ['e', true, false, { multiple: true }],
    tag: ['t', true, false],
    'max-layers': [null, true, false, { integer: true, default: 100 }],
    volume: [null, true, false, { multiple: true }],
    port: [null, true, false, { multiple: true }],
    workdir: [null, true, false],
    group: [null, true, false, { multiple: true }],
    prune: [null, false, false],
    cache: [null, false, false, { default: true, allowNo: true }],
    json: [null, false, false],
  },
};

/** Per command: its argument's name, and whether it is variadic and required (a variadic one: the command is not strict, every positional is one). */
export const FAST_ARGS: Record<string, { name: string; variadic: boolean; required: boolean }> = {
  validate: { name: 'config', variadic: false, required: false },
  generate: { name: 'config', variadic: false, required: false },
  pack: { name: 'paths', variadic: true, required: true },
};

type FastValue = string | boolean | number | string[];

/**
 * argv (after `node run.js`) → the command and its flags as oclif's parse gives them (defaults
 * included; the argument under its name, a variadic one as the list oclif's argv is), or null
 * when oclif should handle it.
 */
export function parseFast(argv: readonly string[]): { command: string; flags: Record<string, FastValue> } | null {
  const [command, ...rest] = argv;
  const spec = command === undefined ? undefined : FAST_FLAGS[command];
  const arg = command === undefined ? undefined : FAST_ARGS[command];
  if (!spec || !arg) return null;
  const flags: Record<string, FastValue> = {};
  const positionals: string[] = [];
  // oclif gives a multiple-valued flag every plain word after it (until the next flag), even
  // after a boolean flag in between: such a command line is oclif's to read.
  let lastValued: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    let name: string | undefined;
    let value: string | undefined;
    let negated = false;
    if (a === '--') return null;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = a.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) value = a.slice(eq + 1);
      if (!spec[name] && name.startsWith('no-') && spec[name.slice(3)]?.[3]?.allowNo) {
        name = name.slice(3);
        negated = true;
      }
    } else if (a.startsWith('-') && a.length > 1) {
      name = Object.keys(spec).find((k) => spec[k]![0] === a[1]);
      if (!name) return null;
      if (a.length > 2) value = a.slice(2).replace(/^=/, '');
    } else {
      if (lastValued !== undefined && spec[lastValued]![3]?.multiple) return null;
      if (!arg.variadic && positionals.length) return null;
      positionals.push(a);
      continue;
    }
    const def = spec[name];
    if (!def) return null;
    const more = def[3] ?? {};
    if (name in flags && !more.multiple) return null;
    if (def[1]) {
      if (value === undefined) {
        value = rest[++i];
        // `-o -` (stdout) is a value; any other word starting with - is left to oclif.
        if (value === undefined || (value.startsWith('-') && value !== '-')) return null;
      }
      lastValued = name;
      if (more.options && !more.options.includes(value)) return null;
      if (more.integer) {
        if (!/^\d+$/.test(value)) return null;
        flags[name] = Number.parseInt(value, 10);
      } else if (more.multiple) flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
      else flags[name] = value;
    } else {
      if (value !== undefined) return null;
      flags[name] = !negated;
    }
  }
  for (const [name, def] of Object.entries(spec)) {
    if (def[2] && !(name in flags)) return null;
    const d = def[3]?.default;
    if (d !== undefined && !(name in flags)) flags[name] = d;
  }
  if (arg.required && !positionals.length) return null;
  if (arg.variadic) {
    // oclif orders its argv by where each word first occurs in the command line.
    flags[arg.name] = positionals.map((p, i) => [rest.indexOf(p), i, p] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((x) => x[2]);
  } else if (positionals.length) flags[arg.name] = positionals[0]!;
  return { command: command!, flags };
}

/** Runs validate, generate or pack without oclif when argv allows; false: oclif must run it. */
export async function runFast(argv: readonly string[]): Promise<boolean> {
  const parsed = parseFast(argv);
  if (!parsed) return false;
  const f = parsed.flags;
  const str = (name: string) => (typeof f[name] === 'string' ? (f[name] as string) : undefined);
  try {
    if (parsed.command === 'pack') {
      const { runPack } = await import('./pack-command.js');
      await runPack(f as unknown as PackFlags);
      return true;
    }
    const { runValidate, runGenerate } = await import('./config-commands.js');
    if (parsed.command === 'validate') await runValidate({ config: str('config'), json: f.json === true, pkgs: str('pkgs') });
    else await runGenerate({ config: str('config'), out: str('out')!, json: f.json === true });
  } catch (error) {
    const r = errorReport(error, false);
    process.stderr.write(r.text);
    process.exitCode = r.exitCode;
  }
  return true;
}
