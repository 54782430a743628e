// A file of nixlab's caches (src/cache-file.ts, used by the YAML and schema-check caches): what
// was written is read back; a missing, truncated, garbled or headless file reads as nothing; a
// directory that cannot be written costs nothing but the entry; and the module loads no
// node:crypto (it is on the start of `nixlab validate`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readCacheFile, writeCacheFile } from '../src/cache-file.js';
import { quickHash } from '../src/quick-hash.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-cache-file-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a cache file', () => {
  const body = '{"key":"k","data":[1,"two\\n",{"x":null}]}\nsecond line\n';

  it('is the hash of its text, a newline, then the text; read back as the text (in a directory it makes)', () => {
    const file = join(tmp, 'a', 'b', 'entry.json');
    writeCacheFile(file, body);
    expect(readFileSync(file, 'utf8')).toBe(`${quickHash(body)}\n${body}`);
    expect(readCacheFile(file)).toBe(body);
    writeCacheFile(file, '');
    expect(readCacheFile(file)).toBe('');
  });

  it.each([
    ['missing', () => undefined],
    ['truncated', (t: string) => t.slice(0, -3)],
    ['garbled (one character changed)', (t: string) => t.replace('two', 'tvo')],
    ['without its hash line', () => body],
    ['without a newline', (t: string) => t.slice(0, 16)],
    ['empty', () => ''],
  ])('reads as nothing when %s', (_name, damage: (t: string) => string | undefined) => {
    const file = join(tmp, `damaged-${_name.split(' ')[0]}.json`);
    writeCacheFile(file, body);
    const text = damage(readFileSync(file, 'utf8'));
    if (text === undefined) rmSync(file);
    else writeFileSync(file, text);
    expect(readCacheFile(file)).toBeUndefined();
  });

  it('is not written, without an error, where the directory cannot be made', () => {
    const notDir = join(tmp, 'not-a-directory');
    writeFileSync(notDir, 'a file');
    expect(() => writeCacheFile(join(notDir, 'entry.json'), body)).not.toThrow();
    expect(readCacheFile(join(notDir, 'entry.json'))).toBeUndefined();
    expect(readFileSync(notDir, 'utf8')).toBe('a file');
  });

  it('loads no node:crypto to read or write (dist/, in a plain node)', () => {
    const module = pathToFileURL(resolve('dist/src/cache-file.js')).href;
    const script = `
      const { readCacheFile, writeCacheFile } = await import(${JSON.stringify(module)});
      const file = ${JSON.stringify(join(tmp, 'node', 'entry'))};
      writeCacheFile(file, 'text');
      console.log(JSON.stringify({ read: readCacheFile(file), crypto: process.moduleLoadList.filter((m) => /\\bcrypto\\b/.test(m)) }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ read: 'text', crypto: [] });
  });
});
