// docs/commands.md is generated from the oclif manifest (scripts/commands-doc.mjs); it must be
// what the current commands say, so a new or changed flag cannot go undocumented.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve('.');

describe('docs/commands.md', () => {
  it('is current: scripts/commands-doc.mjs over oclif.manifest.json writes exactly it', async () => {
    const { commandsDoc } = await import(pathToFileURL(join(root, 'scripts', 'commands-doc.mjs')).href);
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'));
    const expected = commandsDoc(manifest);
    // After a change to a command: npm run build && node scripts/commands-doc.mjs
    expect(readFileSync(join(root, 'docs', 'commands.md'), 'utf8')).toBe(expected);
  });

  it('names every command and every flag of the manifest', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'));
    const doc = readFileSync(join(root, 'docs', 'commands.md'), 'utf8');
    for (const [id, c] of Object.entries<{ flags: Record<string, { name: string; hidden?: boolean }> }>(manifest.commands)) {
      expect(doc).toContain(`## nixlab ${id}\n`);
      const section = doc.split(`## nixlab ${id}\n`)[1].split('\n## ')[0];
      for (const f of Object.values(c.flags)) if (!f.hidden) expect(section).toContain(`--${f.name}`);
    }
  });
});

describe('README.md and docs/', () => {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

  it('the README stays a front page: at most 12 KB, with the two commands and a link to every doc', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12 * 1024);
    expect(readme).toContain('bash scripts/demo.sh');
    expect(readme).toContain('bash scripts/test.sh');
    for (const f of files.filter((f) => f !== 'README.md')) expect(readme).toContain(`](${f})`);
  });

  it.each(files)('every relative link of %s names a file that exists', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const missing = [...text.matchAll(/\]\(([^)\s#]+)(#[^)\s]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((target) => !/^(https?|mailto):/.test(target) && !existsSync(resolve(dirname(join(root, file)), target)));
    expect(missing).toEqual([]);
  });
});
