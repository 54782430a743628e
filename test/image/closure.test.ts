// The closure query: one nix path-info call, references and sizes, sorted; inputs resolved.
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ToolError, UserError } from '../../src/errors.js';
import { byteOrder } from '../../src/image/names.js';
import { parsePathInfo, pathInfoJsonArgs, queryClosure, resolveStorePaths } from '../../src/image/closure.js';
import { buildFixture } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-closure-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('queryClosure', () => {
  it('returns every path with its references and NAR size, sorted', async () => {
    const runtime = await buildFixture('runtime');
    const nodes = await queryClosure([runtime]);
    const names = nodes.map((n) => n.path.replace(/^\/nix\/store\/[a-z0-9]{32}-/, ''));
    expect(names).toEqual(expect.arrayContaining(['nixlab-fixture-runtime', 'nixlab-fixture-tini', 'nixlab-fixture-busybox', 'nixlab-fixture-cacert']));
    expect(nodes).toHaveLength(4);
    expect(nodes.map((n) => n.path)).toEqual(nodes.map((n) => n.path).sort(byteOrder));
    const root = nodes.find((n) => n.path === runtime)!;
    expect(root.references).toHaveLength(3);
    expect(root.references).toEqual([...root.references].sort());
    for (const n of nodes) expect(n.narSize).toBeGreaterThan(0);
    // The NAR hash identifies a path's contents (the layer digest cache keys on it).
    for (const n of nodes) expect(n.narHash).toMatch(/^sha256[:-]/);
  });

  it('fails with the command and log tail for a path nix does not know', async () => {
    await expect(queryClosure(['/nix/store/00000000000000000000000000000000-missing'])).rejects.toThrow(ToolError);
  });

  // The real nix here is older than 2.33: a stand-in on PATH reports a version and records its calls.
  it.each([
    ['2.32.1', '2.32.json', [['path-info', '--json']]],
    ['2.33.0', '2.33-format-2.json', [['path-info', '--json'], ['path-info', '--json', '--json-format', '2']]],
  ])('Nix %s: runs path-info with plain --json while it asks the version, and again only if it wants other arguments', async (version, fixture, calls) => {
    const bin = mkdtempSync(join(tmp, 'nix-'));
    const log = join(bin, 'calls');
    const answer = join(process.cwd(), 'test/pipeline/fixtures/path-info', fixture);
    writeFileSync(join(bin, 'nix'), `#!/bin/sh\nif [ "$1" = --version ]; then echo "nix (Nix) ${version}"; exit 0; fi\necho "$*" >>${log}\ncase "$*" in *--json-format*) cat ${answer};; *) cat ${answer.replace(/-format-2/, '-format-1')};; esac\n`, { mode: 0o755 });
    // In a node of its own: the stand-in must be on the PATH that child processes get.
    const script = `import('${process.cwd()}/dist/src/image/closure.js').then(async (m) => process.stdout.write(JSON.stringify(await m.queryClosure(['/nix/store/${'0'.repeat(32)}-asked']))))`;
    const r = await execa('node', ['-e', script], { env: { PATH: `${bin}:${process.env.PATH}` }, reject: false });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(parsePathInfo(readFileSync(answer, 'utf8')));
    // Each call: the JSON arguments, then the rest, which is the same for every call.
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    for (const l of lines) expect(l).toMatch(/ --recursive --extra-experimental-features nix-command -- \/nix\/store\/0{32}-asked$/);
    expect(lines.map((l) => l.replace(/ --recursive .*/, '').split(' ')).sort()).toEqual(calls);
  });

  it('parses both path-info JSON shapes (array before Nix 2.19, object after)', () => {
    const a = parsePathInfo('[{"path":"/nix/store/b","references":["/nix/store/a"],"narSize":2},{"path":"/nix/store/a","references":[],"narSize":1}]');
    const b = parsePathInfo('{"/nix/store/a":{"references":[],"narSize":1},"/nix/store/b":{"references":["/nix/store/a"],"narSize":2}}');
    expect(a).toEqual(b);
    expect(a.map((n) => n.path)).toEqual(['/nix/store/a', '/nix/store/b']);
  });
});

// What each Nix release prints for the same three store objects (see the fixtures' README for
// the sources): every shape gives the same closure; an invalid path is the same UserError.
describe('parsePathInfo on the outputs of Nix 2.8 to 2.35', () => {
  const dir = 'test/pipeline/fixtures/path-info';
  const versions = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.includes('invalid'));
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const expected = parsePathInfo(read('2.8.0.json'));

  it('has the real Nix 2.8 output and the documented shapes of later releases', () => {
    expect(versions).toEqual(expect.arrayContaining(['2.8.0.json', '2.19.json', '2.32.json', '2.33-format-1.json', '2.33-format-2.json', '2.35-format-3.json']));
    expect(expected).toHaveLength(3);
    expect(expected.every((n) => n.path.startsWith('/nix/store/') && n.references.every((r) => r.startsWith('/nix/store/')))).toBe(true);
  });

  it.each(versions.filter((f) => !f.includes('signed')))('%s gives the same closure', (f) => {
    expect(parsePathInfo(read(f))).toEqual(expected);
  });

  it.each(versions.filter((f) => f.includes('signed')))('%s (a signed path) parses', (f) => {
    expect(parsePathInfo(read(f))[0]!.path).toMatch(/^\/nix\/store\//);
  });

  it.each(readdirSync(dir).filter((f) => f.includes('invalid')))('%s: the invalid path is a UserError naming it', (f) => {
    expect(() => parsePathInfo(read(f))).toThrow(UserError);
    expect(() => parsePathInfo(read(f))).toThrow('/nix/store/00000000000000000000000000000000-path-info-missing: is not a valid store path');
  });

  it('asks Nix 2.33 and later for format 2, older ones for plain --json', () => {
    expect(pathInfoJsonArgs([2, 8, 0])).toEqual(['--json']);
    expect(pathInfoJsonArgs([2, 32, 1])).toEqual(['--json']);
    expect(pathInfoJsonArgs([2, 33, 0])).toEqual(['--json', '--json-format', '2']);
    expect(pathInfoJsonArgs([3, 0, 0])).toEqual(['--json', '--json-format', '2']);
    expect(pathInfoJsonArgs(null)).toEqual(['--json']);
  });
});

describe('resolveStorePaths', () => {
  it('follows result symlinks to store paths and reports all bad inputs at once', async () => {
    const tiny = await buildFixture('tiny');
    symlinkSync(tiny, join(tmp, 'result'));
    expect(await resolveStorePaths([join(tmp, 'result'), tiny])).toEqual([tiny]);
    const p = resolveStorePaths(['/etc', join(tmp, 'nope'), `${tiny}/hello.txt`]);
    await expect(p).rejects.toThrow(UserError);
    await expect(p).rejects.toMatchObject({ problems: [expect.objectContaining({ where: '/etc' }), expect.objectContaining({ where: join(tmp, 'nope') }), expect.objectContaining({ where: `${tiny}/hello.txt` })] });
  });
});
