// dependencyVersion reads a dependency's version without node's resolver: it must be the version
// of the copy node resolves (the one nixlab's modules load).
import { createRequire } from 'node:module';
import { dependencyVersion } from '../src/paths.js';

const require = createRequire(import.meta.url);

describe('dependencyVersion', () => {
  it.each(['yaml', 'ajv', 'tar-stream'])('%s: the version of the copy node resolves', (name) => {
    expect(dependencyVersion(name)).toBe((require(`${name}/package.json`) as { version: string }).version);
  });

  it('a package that is not installed: node\'s own error', () => {
    expect(() => dependencyVersion('no-such-package-nixlab')).toThrow(/Cannot find module/);
  });
});
