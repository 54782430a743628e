// The registry client's pure parts: destination references, where credentials come from, and
// the compressed-digest cache refusing entries it did not write whole.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsFor, parseRegistryRef } from '../../src/engine/registry.js';
import { BlobCache } from '../../src/image/blob-cache.js';
import { UserError } from '../../src/errors.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-registry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('parseRegistryRef', () => {
  it.each([
    ['docker://127.0.0.1:5000/demo:v1', { registry: '127.0.0.1:5000', repository: 'demo', tag: 'v1' }],
    ['docker://registry.example.org/team/demo', { registry: 'registry.example.org', repository: 'team/demo', tag: 'latest' }],
    ['docker://localhost:5000/a/b/c:1.2_x-y', { registry: 'localhost:5000', repository: 'a/b/c', tag: '1.2_x-y' }],
    ['docker://[::1]:5000/demo:v1', { registry: '[::1]:5000', repository: 'demo', tag: 'v1' }],
  ])('%s', (text, want) => expect(parseRegistryRef(text)).toEqual(want));

  it.each([
    ['registry/demo:v1', 'is not a docker:// registry reference'],
    ['docker://demo', 'is not a docker:// registry reference'],
    ['docker://127.0.0.1:5000/Demo:v1', 'the repository "Demo" is not valid'],
    ['docker://127.0.0.1:5000/demo:-bad', 'the tag "-bad" is not valid'],
    ['docker://bad_host/demo:v1', 'the registry "bad_host" is not a host[:port]'],
  ])('%s is a user error with a hint', (text, message) => {
    let error: unknown;
    try {
      parseRegistryRef(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).problems[0]!.message).toContain(message);
    expect((error as UserError).problems[0]!.hint).toContain('docker://REGISTRY/REPOSITORY:TAG');
  });
});

describe('credentialsFor', () => {
  const dir = join(work, 'docker');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      auths: {
        '127.0.0.1:5000': { auth: Buffer.from('alice:pa:ss').toString('base64') },
        'https://registry.example.org/v1/': { username: 'bob', password: 'pw' },
      },
    }),
  );
  const env = { DOCKER_CONFIG: dir, HOME: '/nonexistent' };

  it('reads base64 auth (a password may hold colons) and username/password entries, matching the host', () => {
    expect(credentialsFor('127.0.0.1:5000', env)).toEqual({ username: 'alice', password: 'pa:ss', from: 'docker-config' });
    expect(credentialsFor('registry.example.org', env)).toEqual({ username: 'bob', password: 'pw', from: 'docker-config' });
    expect(credentialsFor('127.0.0.1:5001', env)).toBeNull();
  });

  it('the environment wins over the docker config', () => {
    expect(credentialsFor('127.0.0.1:5000', { ...env, NIXLAB_REGISTRY_USERNAME: 'ci', NIXLAB_REGISTRY_PASSWORD: 'x' })).toEqual({ username: 'ci', password: 'x', from: 'env' });
  });

  it("a helper's <token> username is an identity token; an auths identitytoken too; a bad helper name is refused", () => {
    const bin = join(work, 'helper-bin');
    mkdirSync(bin, { recursive: true });
    // A credential helper by the protocol: reads the server on stdin, answers for one only.
    writeFileSync(join(bin, 'docker-credential-tok'), '#!/bin/sh\nread s\n[ "$1" = get ] && [ "$s" = 127.0.0.1:5000 ] && { echo \'{"ServerURL":"127.0.0.1:5000","Username":"<token>","Secret":"refresh-me"}\'; exit 0; }\necho "credentials not found in native keychain"; exit 1\n', { mode: 0o755 });
    const cfg = join(work, 'docker-tok');
    mkdirSync(cfg, { recursive: true });
    writeFileSync(join(cfg, 'config.json'), JSON.stringify({ credsStore: 'tok', auths: { '127.0.0.1:5002': { identitytoken: 'id-tok' } } }));
    const e = { DOCKER_CONFIG: cfg, HOME: '/nonexistent', PATH: `${bin}:${process.env.PATH}` };
    expect(credentialsFor('127.0.0.1:5000', e)).toEqual({ username: '', password: '', identityToken: 'refresh-me', from: 'credential-helper', helper: 'tok' });
    expect(credentialsFor('127.0.0.1:5002', e)).toEqual({ username: '', password: '', identityToken: 'id-tok', from: 'docker-config' });
    expect(credentialsFor('127.0.0.1:5003', e)).toBeNull();
    writeFileSync(join(cfg, 'config.json'), JSON.stringify({ credsStore: '../evil' }));
    expect(() => credentialsFor('127.0.0.1:5000', e)).toThrow('is not a valid helper name');
  });

  it('no config file means no credentials', () => {
    expect(credentialsFor('127.0.0.1:5000', { DOCKER_CONFIG: join(work, 'none'), HOME: '/nonexistent' })).toBeNull();
  });
});

describe('BlobCache', () => {
  const diffId = `sha256:${'a'.repeat(64)}`;
  const blob = { digest: `sha256:${'b'.repeat(64)}`, size: 1234 };

  it('remembers a compressed digest and the repositories it is in, per compression', async () => {
    const cache = new BlobCache(join(work, 'c1'));
    expect(await cache.get('gzip', diffId)).toBeNull();
    await cache.put('gzip', diffId, blob, 'r:5000/b');
    await cache.put('gzip', diffId, blob, 'r:5000/a');
    expect(await cache.get('gzip', diffId)).toEqual({ ...blob, seenIn: ['r:5000/a', 'r:5000/b'] });
    expect(await cache.get('zstd', diffId)).toBeNull();
    // A different digest for the same diff_id (another compressor) starts the list again.
    await cache.put('gzip', diffId, { digest: `sha256:${'c'.repeat(64)}`, size: 99 }, 'r:5000/c');
    expect(await cache.get('gzip', diffId)).toEqual({ digest: `sha256:${'c'.repeat(64)}`, size: 99, seenIn: ['r:5000/c'] });
  });

  it('ignores truncated or edited entries', async () => {
    const dir = join(work, 'c2');
    const cache = new BlobCache(dir);
    await cache.put('gzip', diffId, blob, 'r/a');
    const sub = join(dir, 'blobs', 'v1', 'gzip', 'aa');
    const file = join(sub, readdirSync(sub)[0]!);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length / 2));
    expect(await cache.get('gzip', diffId)).toBeNull();
    writeFileSync(file, text.replace('"size":1234', '"size":1235'));
    expect(await cache.get('gzip', diffId)).toBeNull();
    writeFileSync(file, text);
    expect(await cache.get('gzip', diffId)).toEqual({ ...blob, seenIn: ['r/a'] });
  });
});
