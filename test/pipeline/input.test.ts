// One answer to "is this an image or a config?", for test, load, push and sbom alike.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { resolveInput } from '../../src/pipeline/input.js';

const dir = mkdtempSync(join(tmpdir(), 'nixlab-input-'));
const file = (rel: string, text = '') => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), text);
  return join(dir, rel);
};
const CONFIG = 'kernels: [{ kind: python, name: py }]\n';

describe('resolveInput', () => {
  const cases: [string, () => string, 'image' | 'config', string][] = [
    ['a YAML config', () => file('a/nixlab.yaml', CONFIG), 'config', 'a/nixlab.yaml'],
    ['a config in capitals (LAB.YAML)', () => file('b/LAB.YAML', CONFIG), 'config', 'b/LAB.YAML'],
    ['a JSON config', () => file('c/lab.json', '{"kernels":[{"kind":"python","name":"py"}]}'), 'config', 'c/lab.json'],
    ['a TypeScript config', () => file('d/nixlab.config.ts', 'export default {}'), 'config', 'd/nixlab.config.ts'],
    ['a directory holding a config', () => (file('e/nixlab.yaml', CONFIG), join(dir, 'e')), 'config', 'e/nixlab.yaml'],
    ['an image archive', () => file('f/image.tar', 'x'), 'image', 'f/image.tar'],
    ['an archive without an extension', () => file('g/image', 'x'), 'image', 'g/image'],
    ['an OCI layout directory', () => (file('h/index.json', '{}'), file('h/oci-layout', '{}'), join(dir, 'h')), 'image', 'h'],
    ['an OCI layout without oci-layout', () => (file('i/index.json', '{}'), join(dir, 'i')), 'image', 'i'],
    ['an unpacked docker-archive (manifest.json)', () => (file('j/manifest.json', '[]'), join(dir, 'j')), 'image', 'j'],
  ];
  it.each(cases)('%s', async (_what, make, kind, path) => {
    expect(await resolveInput(make())).toEqual({ kind, path: join(dir, path) });
  });

  it('a path that does not exist is a user error naming it', async () => {
    await expect(resolveInput(join(dir, 'nope.tar'))).rejects.toThrow(UserError);
    await expect(resolveInput(join(dir, 'nope.tar'))).rejects.toThrow(/nope\.tar: does not exist/);
  });

  it('a directory with neither a config nor an image is a user error', async () => {
    mkdirSync(join(dir, 'empty'));
    await expect(resolveInput(join(dir, 'empty'))).rejects.toThrow(/no nixlab config file found/);
  });
});
