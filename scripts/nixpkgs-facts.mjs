#!/usr/bin/env node
// Evaluates, in a real nixpkgs tree with a Nix >= 2.18, every attribute path nixlab's emitted Nix
// relies on (src/nixpkgs/needs.ts: the kind registry's `nixpkgs` declarations, the front ends'
// server packages, the hub's packages, the lab extensions nixlab names) and writes
// nixpkgs-facts/<source>.json: sorted plain data, the tree's identity and how each fact was got.
// The attribute names of the package sets kernels draw from go, gzipped, next to it:
// nixpkgs-facts/<source>/names-<sha256 prefix>.gz (one name a line, sorted; sets with equal names
// share a file; the top level is recorded as `top-level`).
//
//   npm run build
//   node scripts/nixpkgs-facts.mjs --nix /opt/nixlab/nix-trixie/bin --tree /work/nixpkgs \
//     --source master-2026-07-14 --rev 7beb50e7ff79 --date 2026-07-14 \
//     --origin 'github:neg-serg/nixpkgs-slim (a squashed nixpkgs master)'
//
// Each fact is its own `nix-instantiate --readonly-mode --store dummy:// --eval --strict --json`
// (a missing file in the tree aborts an evaluation in a way builtins.tryEval cannot catch, and
// then only that fact records the error). Nothing is built or written to a store.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

function parseArgs(argv) {
  const out = { out: join(root, 'nixpkgs-facts'), system: 'x86_64-linux', jobs: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    if (!['nix', 'tree', 'source', 'rev', 'date', 'origin', 'out', 'system', 'jobs'].includes(key) || argv[i + 1] === undefined) {
      throw new Error(`usage: nixpkgs-facts.mjs --nix BIN_DIR --tree NIXPKGS --source LABEL [--rev R] [--date YYYY-MM-DD] [--origin TEXT] [--out DIR] (bad: ${argv[i]})`);
    }
    out[key] = argv[i + 1];
  }
  if (!out.nix || !out.tree || !out.source) throw new Error('--nix, --tree and --source are required');
  if (!/^[A-Za-z0-9._-]+$/.test(out.source)) throw new Error(`--source ${out.source}: use letters, digits, . _ -`);
  out.tree = resolve(out.tree);
  out.jobs = Number(out.jobs);
  return out;
}

const opts = parseArgs(process.argv.slice(2));
const { nixpkgsNeeds } = await import(join(root, 'dist/src/nixpkgs/needs.js'));
const needs = nixpkgsNeeds();
const nixInstantiate = join(opts.nix, 'nix-instantiate');
const EVAL = ['--readonly-mode', '--store', 'dummy://', '--eval', '--strict', '--json'];

const nixStr = (s) => JSON.stringify(s).replace(/\$\{/g, '\\${');
const pathList = (p) => `[ ${p.split('.').map(nixStr).join(' ')} ]`;
const prelude = `let
  pkgs = import ${nixStr(opts.tree)} { config = { }; overlays = [ ]; system = ${nixStr(opts.system)}; };
  lib = pkgs.lib;
  try = x: let r = builtins.tryEval x; in if r.success then r.value else null;
in`;

/** Store paths without their hash (`/nix/store/<hash>-xeus-cling-0.15.3` → `${xeus-cling-0.15.3}`), the tree as <nixpkgs>. */
function normalise(s) {
  return s.replaceAll(opts.tree, '<nixpkgs>').replace(/\/nix\/store\/[0-9a-z]{32}-([^/\s"'`]+)/g, '$${$1}');
}

/** The last `error:` line of Nix's message, normalised. */
function lastError(stderr) {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error:'));
  const pick = lines.reverse().find((l) => l !== 'error:') ?? stderr.trim().split('\n').pop() ?? 'unknown error';
  return normalise(pick.replace(/^error:\s*/, '')).slice(0, 400);
}

async function evalNix(expr) {
  try {
    const { stdout } = await run(nixInstantiate, [...EVAL, '-E', expr], { maxBuffer: 256 << 20 });
    return { ok: true, value: JSON.parse(stdout) };
  } catch (e) {
    return { ok: false, error: lastError(String(e.stderr ?? e.message)) };
  }
}

/** Facts of one attribute path: present, derivation name/version/mainProgram, instantiates, definition argv. */
async function attrFacts(path, { definition = false } = {}) {
  const expr = `${prelude}
let path = ${pathList(path)}; v = lib.getAttrFromPath path pkgs; in
if !(lib.hasAttrByPath path pkgs) then { present = false; } else
{ present = true; derivation = lib.isDerivation v; }
// (if lib.isDerivation v then {
  name = try v.name; pname = try (v.pname or null); version = try (v.version or null);
  pythonVersion = try (v.pythonVersion or null);
  mainProgram = try (v.meta.mainProgram or null);
  storePath = try v.outPath;
  instantiates = (builtins.tryEval (builtins.seq v.drvPath true)).success;
} else { })
// (if ${definition ? 'true' : 'false'} then { argv = v.argv; language = v.language or null; displayName = v.displayName or null; } else { })`;
  const r = await evalNix(expr);
  if (!r.ok) return { present: null, error: r.error };
  if (!r.value || typeof r.value !== 'object') return { present: null, error: `unexpected result ${JSON.stringify(r.value)}` };
  const f = Object.fromEntries(Object.entries(r.value).filter(([, x]) => x !== null));
  if (f.instantiates === false) {
    const e = await evalNix(`${prelude} (lib.getAttrFromPath ${pathList(path)} pkgs).drvPath`);
    f.error = e.ok ? 'instantiates only outside builtins.tryEval' : e.error;
  }
  return f;
}

async function namesOf(set) {
  const expr = `${prelude} builtins.attrNames ${set === '' ? 'pkgs' : `(lib.getAttrFromPath ${pathList(set)} pkgs)`}`;
  return evalNix(expr);
}

/** Runs `fn` over `items`, `jobs` at a time, keeping order. */
async function pool(items, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, opts.jobs) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
        process.stderr.write(`  ${items[i].label}\n`);
      }
    }),
  );
  return out;
}

/** JSON with object keys sorted, so equal facts are equal bytes. */
function stable(v) {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable(v[k])]));
  return v;
}

const { stdout: nixVersionOut } = await run(nixInstantiate, ['--version']);
const nixVersion = nixVersionOut.trim().split(' ').pop();
const libVersion = readFileSync(join(opts.tree, 'lib/.version'), 'utf8').trim();

const paths = [...new Set([...Object.keys(needs.envs), ...needs.definitions, ...needs.instantiable])].sort();
const defs = new Set(needs.definitions);
process.stderr.write(`nixpkgs-facts: ${paths.length} attribute paths, ${needs.packageSets.length} package sets, ${opts.tree} with Nix ${nixVersion}\n`);
const attrResults = await pool(paths.map((p) => ({ label: p, p })), ({ p }) => attrFacts(p, { definition: defs.has(p) }));
const attrs = Object.fromEntries(paths.map((p, i) => [p, attrResults[i]]));

// Which environment a definition's argv[0] runs from, and which bin/ program.
const outPaths = Object.entries(attrs).filter(([, f]) => typeof f.storePath === 'string');
for (const p of needs.definitions) {
  const f = attrs[p];
  if (!Array.isArray(f.argv) || typeof f.argv[0] !== 'string') continue;
  const head = f.argv[0];
  const env = outPaths.find(([, e]) => head.startsWith(e.storePath + '/bin/'));
  f.argvHead = { env: env ? env[0] : null, bin: head.replace(/^.*\/bin\//, '') };
}
for (const f of Object.values(attrs)) {
  if (Array.isArray(f.argv)) f.argv = f.argv.map((a) => (typeof a === 'string' ? normalise(a) : a));
  delete f.storePath;
}

const setDir = join(opts.out, opts.source);
mkdirSync(setDir, { recursive: true });
const sets = {};
const setResults = await pool(needs.packageSets.map((s) => ({ label: `names of ${s || 'the top level'}`, s })), ({ s }) => namesOf(s));
needs.packageSets.forEach((s, i) => {
  const r = setResults[i];
  if (!r.ok) {
    sets[s || 'top-level'] = { error: r.error };
    return;
  }
  const text = [...r.value].sort().join('\n') + '\n';
  const sha256 = createHash('sha256').update(text).digest('hex');
  // Named by content: sets with equal names (python312Packages, python311Packages) share a file.
  const file = `${opts.source}/names-${sha256.slice(0, 16)}.gz`;
  writeFileSync(join(opts.out, file), gzipSync(Buffer.from(text), { level: 9 }));
  sets[s || 'top-level'] = { count: r.value.length, file, sha256 };
});

const facts = stable({
  source: opts.source,
  tree: { libVersion, rev: opts.rev ?? null, date: opts.date ?? null, origin: opts.origin ?? null, system: opts.system },
  provenance: {
    method: 'evaluated',
    nix: nixVersion,
    command: `nix-instantiate ${EVAL.join(' ')} (one expression per fact; scripts/nixpkgs-facts.mjs)`,
  },
  needs: { envs: needs.envs },
  attrs,
  packageSets: sets,
});
writeFileSync(join(opts.out, `${opts.source}.json`), JSON.stringify(facts, null, 2) + '\n');
process.stderr.write(`nixpkgs-facts: wrote ${join(opts.out, opts.source + '.json')}\n`);
