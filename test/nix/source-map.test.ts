// The source map from generated Nix back to the config: every mapped range holds exactly the text
// of the expression it was marked on, columns count bytes as Nix's do (checked against Nix's own
// error positions), every package of every kind is found, indices are those of the config as
// written, and the map is deterministic and free of host paths (golden file).
import { execa } from 'execa';
import { parseNixLog } from '../../src/pipeline/nix-errors.js';
import { loadConfig } from '../../src/definitions/load.js';
import { validateConfig } from '../../src/definitions/validate.js';
import { kernelKinds } from '../../src/kernels/index.js';
import { letIn, list, origin, str, v, attrs } from '../../src/nix/ast.js';
import { emitMappedFiles, emitProject, SOURCE_MAP_FILE, type SourceMap } from '../../src/nix/emit.js';
import { render, renderInline, renderMapped, type Span, type TextPos } from '../../src/nix/render.js';
import { nixFile } from '../helpers/nix.js';
import { golden } from '../helpers/golden.js';

const CASES = {
  demo: 'examples/demo/nixlab.yaml',
  full: 'test/definitions/fixtures/full/nixlab.yaml',
  adversarial: 'test/nix/fixtures/adversarial/nixlab.json',
  mapped: 'test/nix/fixtures/mapped/nixlab.yaml',
};

/** The text from `start` up to `end`, positions as Nix counts them (lines from 1, byte columns from 1). */
function slice(text: string, start: TextPos, end: TextPos): string {
  const lines = text.split('\n').map((l) => Buffer.from(l, 'utf8'));
  const out: Buffer[] = [];
  for (let line = start.line; line <= end.line; line++) {
    const bytes = lines[line - 1]!;
    const from = line === start.line ? start.column - 1 : 0;
    const to = line === end.line ? end.column - 1 : bytes.length;
    out.push(bytes.subarray(from, to));
  }
  return out.map((b) => b.toString('utf8')).join('\n');
}

/** What an expression rendered inline looks like at the indentation of the line it starts on. */
function atIndent(text: string, span: Span): string {
  const indent = /^ */.exec(text.split('\n')[span.start.line - 1]!)![0];
  return renderInline(span.expr).replace(/\n/g, `\n${indent}`);
}

const configs = async (): Promise<[string, Awaited<ReturnType<typeof loadConfig>>][]> =>
  Promise.all(Object.entries(CASES).map(async ([name, file]) => [name, await loadConfig(file)] as [string, Awaited<ReturnType<typeof loadConfig>>]));

describe('the source map', () => {
  it('maps every marked expression to exactly its text, in default.nix and shell.nix', async () => {
    const presets = kernelKinds.map((k) => validateConfig({ kernels: [{ kind: k.kind, ...k.example }] }, 'nixlab.json', { baseDir: process.cwd() }));
    const all = [...(await configs()).map(([, c]) => ({ config: c.config, data: c.data })), ...presets.map((r) => ({ config: r.config!, data: r.data }))];
    let checked = 0;
    for (const { config, data } of all) {
      const m = emitMappedFiles(config, 'nixlab.yaml', data);
      for (const [file, text] of [['default.nix', m.defaultNix], ['shell.nix', m.shellNix]] as const) {
        for (const span of m.spans[file]) {
          expect(slice(text, span.start, span.end)).toBe(atIndent(text, span));
          checked++;
        }
        // The map's entries are the spans, positions and all.
        const entries = m.sourceMap.entries.filter((e) => e.file === file).map((e) => [e.start, e.end, e.at]);
        const spans = m.spans[file].map((s) => [[s.start.line, s.start.column], [s.end.line, s.end.column]]);
        expect(entries.map(([a, b]) => [a, b]).sort()).toEqual(spans.sort());
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('renders a marked expression exactly as the expression', () => {
    const mark = (x: ReturnType<typeof v>) => origin({ role: 'package', at: ['kernels', 0, 'packages', 0] }, x);
    const e = letIn([['x', str('ü🎉')]], list([v('x'), mark(v('y')), attrs({ y: mark(list([v('x')])) })]));
    const plain = letIn([['x', str('ü🎉')]], list([v('x'), v('y'), attrs({ y: list([v('x')]) })]));
    expect(render(e)).toBe(render(plain));
    // A marked `x = x` stays a binding: an `inherit x;` would leave no expression to point at.
    expect(render(attrs({ x: mark(v('x')) }))).toBe('{\n  x = x;\n}\n');
    expect(render(attrs({ x: v('x') }))).toBe('{\n  inherit x;\n}\n');
  });

  it('counts columns in bytes, as Nix reports positions (checked against Nix)', async () => {
    const marked = origin({ role: 'package', at: ['kernels', 0, 'packages', 0] }, v('nope'));
    const e = letIn([['x', str('ü🎉—')]], list([str('ü 🎉'), v('x'), marked]));
    const { text, spans } = renderMapped(e);
    const file = nixFile(text);
    const r = await execa('nix-instantiate', ['--eval', file], { reject: false });
    const failure = parseNixLog(r.stderr);
    expect(failure.message).toEqual(["undefined variable 'nope'"]);
    expect(failure.positions[0]).toEqual({ file, line: spans[0]!.start.line, column: spans[0]!.start.column });
    expect(text.split('\n')[spans[0]!.start.line - 1]!.indexOf('nope')).toBeLessThan(spans[0]!.start.column - 1);
  });

  it('finds every package of every kind that takes packages, with its package set', () => {
    // null: the kind's packages are not nixpkgs attributes (julia.withPackages takes General
    // registry names, resolved at build time), so there is nothing for nix-errors to probe.
    const expected: Record<string, string | null> = { python: 'python3Packages', r: 'rPackages', octave: 'octavePackages', haskell: 'haskellPackages', julia: null, custom: '' };
    const withPackages = kernelKinds.filter((k) => k.options && 'packages' in k.options);
    expect(withPackages.map((k) => k.kind).sort()).toEqual(Object.keys(expected).sort());
    for (const kind of withPackages) {
      const packages = kind.kind === 'custom' ? ['busybox', 'python3Packages.bash-kernel'] : ['aaa', 'bbb'];
      const result = validateConfig({ kernels: [{ kind: kind.kind, ...kind.example, packages }] }, 'nixlab.json', { baseDir: process.cwd() });
      expect(result.errors).toEqual([]);
      const { sourceMap } = emitMappedFiles(result.config!, 'nixlab.json', result.data);
      const found = sourceMap.entries.filter((e) => e.role === 'package').map((e) => [e.at, e.set, e.attr!.join('.'), e.kernel]);
      const set = expected[kind.kind];
      expect([kind.kind, found]).toEqual([kind.kind, set === null ? [] : packages.map((p, i) => [`$.kernels[0].packages[${i}]`, set, p, kind.example.name])]);
    }
  });

  it('indexes the config as written: repeats and the preset’s own package keep their places', async () => {
    const { config, data } = await loadConfig(CASES.mapped);
    const { sourceMap } = emitMappedFiles(config, 'nixlab.yaml', data);
    const py = sourceMap.entries.filter((e) => e.kernel === 'py' && e.role === 'package').map((e) => [e.attr!.join('.'), e.at]);
    expect(py).toEqual([
      ['numpy', '$.kernels[0].packages[1]'],
      ['pandas', '$.kernels[0].packages[2]'],
    ]);
    const roles = new Set(sourceMap.entries.map((e) => `${e.role} ${e.at}`));
    for (const r of ['nixpkgs $.nixpkgs', 'server $.frontend', 'kernel $.kernels[4]', 'argv $.kernels[5].argv', 'nix-file $.kernels[5].nix', 'logo $.kernels[0].logos.svg', 'files $.image.files[0].source', 'package $.kernels[5].packages[2]']) {
      expect([r, roles.has(r)]).toEqual([r, true]);
    }
    const nixEntry = sourceMap.entries.find((e) => e.role === 'nix-file')!;
    expect([nixEntry.source, nixEntry.asset]).toEqual(['k/kernel.nix', 'assets/c/nix']);
  });

  it('is part of the project, deterministic, sorted and free of host paths (golden)', async () => {
    for (const [name, { config, data }] of await configs()) {
      const files = emitProject(config, 'nixlab.yaml', data);
      const again = emitProject(config, 'nixlab.yaml', data);
      expect(again).toEqual(files);
      const entry = files.find((f) => f.path === SOURCE_MAP_FILE);
      expect(entry && 'text' in entry).toBe(true);
      const text = (entry as { text: string }).text;
      const map = JSON.parse(text) as SourceMap;
      expect(map.config).toBe('nixlab.yaml');
      const order = map.entries.map((e) => `${e.file} ${String(e.start[0]).padStart(6, '0')} ${String(e.start[1]).padStart(6, '0')}`);
      expect(order).toEqual([...order].sort());
      expect(text).not.toContain(process.cwd());
      expect(text).not.toMatch(/"\/(tmp|home|root|work|usr|nix)\//);
      if (name === 'mapped') expect(text).toBe(golden('mapped.source-map.json', text));
    }
  });
});
