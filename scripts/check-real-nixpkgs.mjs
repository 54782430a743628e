#!/usr/bin/env node
// Evaluates what nixlab emits against a real nixpkgs tree: every kernel preset, every value of
// every enumerated option of every preset, every front end, every lab extension nixlab names,
// every hub authenticator (single-user root and the hub root of every deployment target that
// builds a hub image), and every example. One table row per
// target, then the totals. Run through scripts/check-real-nixpkgs.sh NIX_PREFIX NIXPKGS_TREE.
//
// A target is an attribute that must evaluate to a derivation (its .drvPath is forced, read-only,
// against a dummy store: nothing is built or written): a project's `imageRoot`, each
// `kernelEnvs.<name>`, `shell.nix`, and for hub configs the hub project's `hubRoot`. A config
// that `nixlab validate` refuses (exit 2: the pin's facts say it cannot give it) is `refused`,
// not a failure: that is the answer the user gets, before any Nix runs. A target whose evaluation reads a file the tree
// lacks (the tree may have been stripped of its largest files), or that needs import from
// derivation (a build, which a read-only evaluation cannot do), is `skipped`, saying which.
// Everything is derived from the registries (`nixlab kernels --json`, `nixlab schema`), so a new
// kind or option value is checked without editing this script.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [nixBin, tree] = process.argv.slice(2).map((p) => resolve(p));
if (!nixBin || !tree) {
  console.error('usage: check-real-nixpkgs.mjs NIX_BIN_DIR NIXPKGS_TREE');
  process.exit(2);
}
const TIMEOUT = Number(process.env.NIXLAB_CHECK_TIMEOUT ?? 600) * 1000;
const only = process.env.NIXLAB_CHECK_ONLY ? new RegExp(process.env.NIXLAB_CHECK_ONLY) : undefined;
const cli = join(root, 'bin', 'run.js');
// The deployment targets that build a hub image (the registry's order: the default first).
const { deployTargets } = await import(pathToFileURL(join(root, 'dist', 'src', 'deploy', 'targets', 'index.js')).href);
const hubTargets = deployTargets.filter((t) => t.hubImage).map((t) => t.name);

function run(cmd, args, opts = {}) {
  return new Promise((res) => {
    execFile(cmd, args, { maxBuffer: 1 << 28, timeout: TIMEOUT, ...opts }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, timedOut: Boolean(err?.killed) });
    });
  });
}

const nixString = (s) => `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;

async function nixEval(expr) {
  return run(join(nixBin, 'nix-instantiate'), ['--readonly-mode', '--store', 'dummy://', '--eval', '--strict', '--json', '-E', expr]);
}

// The first line of Nix's message that says what went wrong.
function nixMessage(stderr) {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = lines.filter((l) => l.startsWith('error:')).pop() ?? lines.pop() ?? '';
  return err.replace(/\s+/g, ' ').slice(0, 300);
}

// A file under the tree that the error names and that the tree lacks.
function missingTreeFile(stderr) {
  const re = new RegExp(`${tree.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^\\s'":]+`, 'g');
  for (const m of stderr.match(re) ?? []) if (!existsSync(m)) return m.slice(tree.length + 1);
  return undefined;
}

const work = mkdtempSync(join(tmpdir(), 'nixlab-real-'));
const projects = [];
const add = (name, config, extra = {}) => { if (!only || only.test(name)) projects.push({ name, config, ...extra }); };

// What the registries say.
const kinds = JSON.parse((await run(process.execPath, [cli, 'kernels', '--json'])).stdout);
const schema = JSON.parse((await run(process.execPath, [cli, 'schema'])).stdout);
const defs = schema.$defs;
const enumOf = (s) => (s?.$ref ? defs[s.$ref.replace('#/$defs/', '')]?.enum : s?.enum);
const python = kinds.find((k) => k.kind === 'python').example;

for (const k of kinds) {
  add(`preset ${k.kind}`, { kernels: [k.example] });
  const props = defs[`${k.kind}Kernel`]?.properties ?? {};
  for (const [opt, s] of Object.entries(props)) {
    if (opt === 'kind' || opt === 'interruptMode') continue;
    for (const value of enumOf(s) ?? []) add(`preset ${k.kind} ${opt}=${value}`, { kernels: [{ ...k.example, [opt]: value }] });
  }
}
for (const fe of enumOf(schema.properties.frontend) ?? []) add(`frontend ${fe}`, { frontend: fe, kernels: [python] });
const extensions = [...(defs.labExtension?.description ?? '').matchAll(/`([A-Za-z0-9_-]+)`/g)].map((m) => m[1]);
for (const ext of extensions) add(`lab.extensions ${ext}`, { frontend: 'lab', lab: { extensions: [ext] }, kernels: [python] });

// Hub roots: every authenticator, at the tree's own JupyterHub major.minor.
const hubVersion = JSON.parse((await nixEval(`(import ${nixString(tree)} {}).python3Packages.jupyterhub.version`)).stdout || '""');
const hubMinor = hubVersion.split('.').slice(0, 2).join('.');
for (const auth of enumOf(defs.hubAuthenticator) ?? []) {
  const hub = { version: hubMinor, authenticator: auth };
  if (auth === 'shared-password') Object.assign(hub, { sharedPassword: 'x'.repeat(40), adminPassword: 'y'.repeat(40) });
  add(`hub ${auth} (jupyterhub ${hubMinor})`, { hub, kernels: [python], image: { volumes: ['/home/jovyan/work'] } }, { hub: true });
}
for (const ex of readdirSync(join(root, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  add(`example ${ex}`, undefined, { dir: join(root, 'examples', ex) });
}

// One project: generate it (and the hub project), then evaluate every target.
async function check(p, i) {
  const dir = join(work, String(i));
  mkdirSync(dir, { recursive: true });
  let configPath = p.dir;
  if (p.config) {
    configPath = join(dir, 'nixlab.json');
    writeFileSync(configPath, JSON.stringify(p.config, null, 2));
  }
  // What validate refuses (against the pin's facts) is the user's answer: `refused`.
  const valid = await run(process.execPath, [cli, 'validate', configPath]);
  if (valid.code === 2) {
    const msgs = valid.stderr.split('\n').filter((l) => l.startsWith('error'));
    return [{ target: '(validate)', result: 'refused', detail: msgs.join(' | ').replace(/\s+/g, ' ').slice(0, 300) }];
  }
  const out = join(dir, 'gen');
  const gen = await run(process.execPath, [cli, 'generate', configPath, '--out', out]);
  if (gen.code !== 0) {
    const msg = (gen.stderr || gen.stdout).split('\n').find((l) => l.startsWith('error')) ?? gen.stderr.trim();
    return [{ target: '(generate)', result: gen.code === 2 ? 'refused' : 'FAIL', detail: msg.replace(/\s+/g, ' ').slice(0, 300) }];
  }
  const targets = {};
  const project = `(import ${nixString(join(out, 'default.nix'))} { nixpkgsPath = ${nixString(tree)}; })`;
  targets.imageRoot = `${project}.imageRoot.drvPath`;
  const names = JSON.parse((await nixEval(`builtins.attrNames ${project}.kernelEnvs`)).stdout || '[]');
  for (const n of names) targets[`kernelEnvs.${n}`] = `${project}.kernelEnvs.${nixString(n)}.drvPath`;
  targets['shell.nix'] = `(import ${nixString(join(out, 'shell.nix'))} { nixpkgsPath = ${nixString(tree)}; }).drvPath`;
  const normalised = JSON.parse((await run(process.execPath, [cli, 'validate', configPath, '--json'])).stdout || '{}');
  const hubConfig = Boolean(normalised.config?.hub ?? normalised.hub);
  if (hubConfig) {
    // The hub image of every deployment target that builds one, once per distinct project:
    // `hubRoot` (the default target's, DockerSpawner), `hubRoot (kubernetes)` (KubeSpawner)…
    const seen = new Set();
    for (const t of hubTargets) {
      const hubDir = join(dir, `hub-${t}`);
      const label = t === hubTargets[0] ? 'hubRoot' : `hubRoot (${t})`;
      const hubProject = await run(process.execPath, [join(root, 'scripts', 'write-hub-project.mjs'), configPath, hubDir, t]);
      if (hubProject.code !== 0) return [{ target: label, result: 'FAIL', detail: hubProject.stderr.trim().slice(0, 300) }];
      const text = readFileSync(join(hubDir, 'default.nix'), 'utf8');
      if (seen.has(text)) continue;
      seen.add(text);
      targets[label] = `(import ${nixString(join(hubDir, 'default.nix'))} { nixpkgsPath = ${nixString(tree)}; }).hubRoot.drvPath`;
    }
  }
  // All at once first (one nixpkgs evaluation); one by one only when something fails.
  const all = await nixEval(`{ ${Object.entries(targets).map(([t, e]) => `${nixString(t)} = ${e};`).join(' ')} }`);
  if (all.code === 0) return Object.keys(targets).map((target) => ({ target, result: 'ok', detail: '' }));
  const rows = [];
  for (const [target, expr] of Object.entries(targets)) {
    const r = await nixEval(expr);
    if (r.code === 0) rows.push({ target, result: 'ok', detail: '' });
    else {
      const missing = missingTreeFile(r.stderr);
      // Import from derivation (julia.withPackages reads a generated registry file): a read-only
      // evaluation against the dummy store cannot build it, so the target cannot be checked here.
      const ifd = /error: path '\/nix\/store\/[a-z0-9]{32}-([^']+\.drv)' is not valid/.exec(r.stderr)?.[1];
      rows.push(missing || ifd
        ? { target, result: 'skipped', detail: missing ? `the tree lacks ${missing}` : `needs import from derivation (${ifd} built), which a read-only evaluation cannot do` }
        : { target, result: 'FAIL', detail: r.timedOut ? `timed out after ${TIMEOUT / 1000} s` : nixMessage(r.stderr) });
    }
  }
  return rows;
}

const nixVersion = (await run(join(nixBin, 'nix-instantiate'), ['--version'])).stdout.trim();
let treeVersion = '';
try { treeVersion = readFileSync(join(tree, 'lib', '.version'), 'utf8').trim(); } catch { /* not a nixpkgs tree? evaluation will say */ }
console.log(`check-real-nixpkgs: ${nixVersion}; tree ${tree} (lib/.version ${treeVersion || 'missing'}); ${projects.length} projects`);
const counts = { ok: 0, refused: 0, FAIL: 0, skipped: 0 };
const width = Math.max(...projects.map((p) => p.name.length));
for (const [i, p] of projects.entries()) {
  for (const row of await check(p, i)) {
    counts[row.result]++;
    console.log(`${p.name.padEnd(width)}  ${row.target.padEnd(28)}  ${row.result.padEnd(7)}  ${row.detail}`);
  }
}
rmSync(work, { recursive: true, force: true });
const total = Object.values(counts).reduce((a, b) => a + b, 0);
console.log(`${total} targets in ${projects.length} projects: ${counts.ok} evaluate, ${counts.refused} refused by validate, ${counts.skipped} skipped (a file the tree lacks, or import from derivation), ${counts.FAIL} fail`);
process.exit(counts.FAIL ? 1 : 0);
