// The closure query: one nix path-info call, references and sizes, sorted; inputs resolved.
import { symlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError, UserError } from '../../src/errors.js';
import { byteOrder, parsePathInfo, queryClosure, resolveStorePaths } from '../../src/image/closure.js';
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

  it('parses both path-info JSON shapes (array before Nix 2.19, object after)', () => {
    const a = parsePathInfo('[{"path":"/nix/store/b","references":["/nix/store/a"],"narSize":2},{"path":"/nix/store/a","references":[],"narSize":1}]');
    const b = parsePathInfo('{"/nix/store/a":{"references":[],"narSize":1},"/nix/store/b":{"references":["/nix/store/a"],"narSize":2}}');
    expect(a).toEqual(b);
    expect(a.map((n) => n.path)).toEqual(['/nix/store/a', '/nix/store/b']);
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
