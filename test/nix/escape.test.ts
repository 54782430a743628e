// Escaping is the one place injection can happen: every string and attribute name must come
// back from the real Nix evaluator exactly as it went in.
import fc from 'fast-check';
import { attrs, data, int, json, nix, NixEmitError, str, strParts, v, select, type NixExpr, list } from '../../src/nix/ast.js';
import { escapeString, render, renderInline } from '../../src/nix/render.js';
import { evalJson as evalWith, NIX_BINARIES, parseNix as parseWith, type NixBinary } from '../helpers/nix.js';

const RUNS = Number(process.env.NIXLAB_FC_RUNS ?? 2000);

/** Nix cannot hold NUL or lone surrogates; everything else must round-trip. */
const nixString = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/\0/.test(s) && s.isWellFormed());
const interesting = fc.oneof(
  nixString,
  fc.constantFrom('${', '$', '\\', '"', "''", "'''", '\\${', '$${', '\r\n', '\t', '\u2028', '\ufeff'),
  fc.array(fc.constantFrom('$', '{', '}', '\\', '"', "'", 'a', '\n'), { maxLength: 12 }).map((a) => a.join('')),
);
const jsonish = fc.jsonValue({ maxDepth: 3 });

const ADVERSARIAL = [
  '${builtins.currentSystem}',
  '\\${x}',
  '$${x}',
  '"; evil = builtins.readFile /etc/passwd; x = "',
  'a\r\nb',
  "''",
  "end'",
  "'''",
  "$'x'",
  'ünïcödé 日本語 🎉👩‍🔬',
  '\u2028 line separator',
  '\ufeffBOM',
  '$',
  'trailing $',
  '${',
  '\\',
  '',
];
const ADVERSARIAL_NAMES = ['in', 'or', 'a.b', 'a b', '', '0abc', '__functor', 'outPath', '${x}', 'a"b', "a'b", 'rec', '-x', 'x-y'];

/** Cases per evaluation in the property tests: one nix-instantiate checks a batch. */
const BATCH = 250;

describe.each(NIX_BINARIES.map((n) => [n.label, n] as const))('escapeString under %s', (_label, nixBin: NixBinary) => {
  const evalJson = (source: string) => evalWith(source, nixBin);
  const parseNix = (source: string) => parseWith(source, nixBin);

  it('escapes the characters that end a string or start an interpolation', () => {
    expect(escapeString('a"b\\c${d}$e\n\r\t')).toBe('a\\"b\\\\c\\${d}$e\\n\\r\\t');
    expect(escapeString('x$')).toBe('x\\$');
  });

  it.each(ADVERSARIAL)('round-trips the adversarial string %j', async (s) => {
    const source = render(str(s));
    await parseNix(source);
    expect(await evalJson(source)).toBe(s);
  });

  it('round-trips a 1 MiB string', async () => {
    const big = Array.from({ length: 1 << 16 }, (_, i) => ADVERSARIAL[i % ADVERSARIAL.length]).join('').slice(0, 1 << 20);
    expect(await evalJson(render(str(big)))).toBe(big);
  });

  it.each(ADVERSARIAL_NAMES)('keeps the attribute name %j as data, never code', async (name) => {
    const source = render(attrs([[name, int(1)]]));
    expect(await evalJson(`builtins.attrNames (${source})`)).toEqual([name]);
    expect(await evalJson(`(${source}).${JSON.stringify(name).replace(/\$/g, '\\$')}`)).toBe(1);
  });

  it('keeps a __proto__ key in JSON data (regression: it was dropped from kernel.json metadata)', async () => {
    const value = JSON.parse('{"__proto__":{"x":1},"a":2}');
    expect(JSON.parse((await evalJson(render(json(value)))) as string)).toEqual(value);
    expect(renderInline(json(value))).toContain('__proto__');
  });

  it('refuses NUL and lone surrogates instead of emitting them', () => {
    expect(() => str('a\0b')).toThrow(NixEmitError);
    expect(() => str('a\ud800b')).toThrow(/lone UTF-16 surrogate \(\\ud800\) at offset 1/);
    expect(() => str('\udc00')).toThrow(NixEmitError);
    expect(() => attrs([['a\0', int(1)]])).toThrow(NixEmitError);
    expect(str('🎉').node).toBeDefined();
  });

  it('refuses names that are not identifiers as variables', () => {
    expect(() => v('a b')).toThrow(NixEmitError);
    expect(() => v('in')).toThrow(NixEmitError);
  });

  it('takes a plain string in a string only as escaped text, and refuses a forged expression', async () => {
    const e = strParts('x', '${y}');
    expect(renderInline(e)).toBe('"x\\${y}"');
    expect(await evalJson(renderInline(e))).toBe('x${y}');
    expect(() => strParts('x', { node: { kind: 'var', name: 'evil' } } as unknown as NixExpr)).toThrow(NixEmitError);
  });

  it('never splices a plain string into code', () => {
    const evil = 'builtins.exec' as unknown as NixExpr;
    expect(() => nix`f ${evil}`).toThrow(NixEmitError);
  });

  it('keeps interpolation parts apart from literal dollars', async () => {
    const e = strParts('a$', select(v('x'), 'y'), '${z}');
    expect(await evalJson(`let x = { y = "Y"; }; in ${renderInline(e)}`)).toBe('a$Y${z}');
  });

  it(`round-trips any string, attribute name and JSON value (${RUNS} runs)`, async () => {
    // fast-check's cases, evaluated BATCH to a nix-instantiate (one process per case took minutes
    // per Nix under load); each case is compared on its own, so a failure names its input.
    const cases = fc.sample(fc.tuple(interesting, nixString, jsonish), { numRuns: RUNS });
    for (let i = 0; i < cases.length; i += BATCH) {
      const batch = cases.slice(i, i + BATCH);
      const e = list(batch.map(([s, name, value]) => list([str(s), attrs([[name, str(s)]]), json(value)])));
      const results = (await evalJson(
        `map (l: [ (builtins.elemAt l 0) (builtins.attrNames (builtins.elemAt l 1)) (builtins.elemAt l 2) ]) ${renderInline(e)}`,
      )) as [string, string[], string][];
      batch.forEach(([s, name, value], j) => {
        const [back, set, text] = results[j]!;
        expect({ input: s, back }).toEqual({ input: s, back: s });
        expect({ name, set }).toEqual({ name, set: [name] });
        // JSON itself cannot tell -0 from 0; compare with what JSON carries.
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      });
    }
  }, 900_000);

  it('round-trips integer JSON data as Nix values, refusing floats', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .jsonValue({ maxDepth: 2 })
          .filter((x) => !JSON.stringify(x).match(/\d[.eE]/) && !/"(outPath|__toString|__functor)"/.test(JSON.stringify(x)))
          .filter((x) => [...JSON.stringify(x).matchAll(/-?\d+/g)].every((m) => Number.isSafeInteger(Number(m[0])))),
        async (value) => {
          const normalised = JSON.parse(JSON.stringify(value));
          if (JSON.stringify(normalised).includes('\\u0000') || !JSON.stringify(normalised).isWellFormed()) return;
          expect(await evalJson(render(data(normalised)))).toEqual(normalised);
        },
      ),
      { numRuns: Math.max(50, RUNS / 20) },
    );
    expect(() => data(0.5)).toThrow(/floats/);
  });
});
