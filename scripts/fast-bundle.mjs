#!/usr/bin/env node
// Writes dist/src/cli/fast-bundle.js and fast-bundle.cache (after `tsc`): src/cli/fast.ts and
// every module it reaches, compiled by TypeScript into one script (module System, outFile), and
// V8's code for it as recorded from a validate and a generate run of examples/local-lab. bin/run.js
// runs `validate` and `generate` from it (src/cli/fast-start.cts says why and how).
// test/cli/fast-start.test.ts checks that the bundle is the one the current sources give.
//   node scripts/fast-bundle.mjs
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundle's text: a header naming its id, then a function that registers every module with the System object it is given. */
export async function fastBundle() {
  const { bundleHeader } = await import(pathToFileURL(join(root, 'dist/src/cli/fast-start.cjs')).href);
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')) });
  const options = {
    ...parsed.options,
    module: ts.ModuleKind.System,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    resolveJsonModule: false,
    isolatedModules: false,
    declaration: false,
    removeComments: true,
    outDir: undefined,
    outFile: join(root, 'fast-bundle.js'), // only names the output, which is kept in memory
  };
  const program = ts.createProgram([join(root, 'src/cli/fast.ts')], options);
  let out;
  const result = program.emit(undefined, (name, text) => {
    if (name.endsWith('.js')) out = text;
  });
  // Types are checked by the build's own tsc run (module NodeNext); under module System some
  // NodeNext-only typings differ, so only syntax, options and emit problems count here.
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics(), ...result.diagnostics];
  if (diagnostics.length) fail(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  // One module per System.register call, each starting a line. Kept: the modules cli/fast.ts
  // reaches by its imports and dynamic imports (tsc also emits those it reaches only for types).
  const text = out.replace(/^\/\/# sourceMappingURL=.*\n?/m, '');
  const starts = [...text.matchAll(/^System\.register\("([^"]+)", \[([^\]]*)\]/gm)];
  if (text.slice(0, starts[0]?.index).trim() !== '') fail('tsc wrote something before the first module');
  const modules = new Map(starts.map((m, i) => [m[1], { deps: (m[2].match(/"[^"]+"/g) ?? []).map((d) => JSON.parse(d)), code: text.slice(m.index, starts[i + 1]?.index ?? text.length) }]));
  const kept = new Set();
  const visit = (name) => {
    const m = modules.get(name);
    if (!m || kept.has(name)) return;
    kept.add(name);
    for (const dep of [...m.deps, ...[...m.code.matchAll(/context_\d+\.import\("(src\/[^"]+)"\)/g)].map((d) => d[1])]) visit(dep);
  };
  visit('src/cli/fast');
  for (const [name, m] of modules) {
    if (!kept.has(name)) continue;
    // What the loader (src/cli/fast-start.cts) supports: static imports of node: builtins only, no top-level await.
    for (const dep of m.deps) if (!modules.has(dep) && !dep.startsWith('node:')) fail(`${name} imports ${dep} statically: import it where it is used (await import(…))`);
    if (/execute: async function/.test(m.code)) fail(`${name} has a top-level await, which the fast-path loader does not run`);
  }
  const body = `(function (System) {\n${[...modules].filter(([name]) => kept.has(name)).map(([, m]) => m.code).join('')}})\n`;
  return bundleHeader(createHash('sha256').update(body).digest('hex').slice(0, 32)) + body;
}

function fail(message) {
  throw new Error(`fast-bundle: ${message}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { writeFileAtomicSync } = await import(pathToFileURL(join(root, 'dist/src/fsutil.js')).href);
  const { FAST_BUNDLE } = await import(pathToFileURL(join(root, 'dist/src/cli/fast-start.cjs')).href);
  const dir = join(root, 'dist/src/cli');
  const code = await fastBundle();
  writeFileAtomicSync(join(dir, FAST_BUNDLE.script), code);
  // The code cache: recorded in a separate node (the one that runs nixlab), after the runs a
  // start is for, so that it holds the functions they compile: validate of a YAML config (parsed,
  // then from the YAML cache), of the same config as JSON, and generate (into a new directory,
  // then replacing the one it wrote).
  const work = mkdtempSync(join(tmpdir(), 'nixlab-fast-bundle-'));
  try {
    const yaml = join(root, 'examples/local-lab/nixlab.yaml');
    const json = join(work, 'nixlab.json');
    writeFileSync(json, JSON.stringify(parse(readFileSync(yaml, 'utf8')), null, 2) + '\n');
    const record = `
      import { createRequire } from 'node:module';
      const { runFast, bundleCodeCache } = createRequire(import.meta.url)(${JSON.stringify(join(dir, 'fast-start.cjs'))});
      const { writeFileAtomicSync } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/src/fsutil.js')).href)});
      for (const argv of [['validate', ${JSON.stringify(yaml)}], ['validate', ${JSON.stringify(yaml)}], ['validate', ${JSON.stringify(json)}], ['generate', ${JSON.stringify(yaml)}, '-o', ${JSON.stringify(join(work, 'out'))}], ['generate', ${JSON.stringify(yaml)}, '-o', ${JSON.stringify(join(work, 'out'))}]]) {
        await runFast(argv);
      }
      if (process.exitCode) process.exit();
      writeFileAtomicSync(${JSON.stringify(join(dir, FAST_BUNDLE.cache))}, bundleCodeCache());`;
    execFileSync(process.execPath, ['--input-type=module', '-e', record], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NIXLAB_CACHE_DIR: join(work, 'cache') } });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`fast-bundle: ${code.length} bytes -> ${join(dir, FAST_BUNDLE.script)} (and ${FAST_BUNDLE.cache})\n`);
}
