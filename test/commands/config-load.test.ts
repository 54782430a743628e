// Issue 23, medium 6: loading a nixlab.config.ts cannot end or stall nixlab. A module that calls
// process.exit(0) made validate, generate and build exit 0 having done nothing (a false green in
// CI); one that never finished loading hung them. Both are now errors naming the file, exit 2.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configTimeoutSeconds } from '../../src/definitions/load.js';
import { nixlab } from '../helpers/cli.js';

function project(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nixlab-cfg23-'));
  writeFileSync(join(dir, 'nixlab.config.ts'), source);
  return dir;
}

const KERNELS = "{ kernels: [{ kind: 'python', name: 'py' }] }";

describe('issue 23 medium 6: a config that calls process.exit or never ends loading', () => {
  it.each([
    ['at the top of the module', `process.exit(0);\nexport default ${KERNELS};\n`],
    ['in the exported config function', `export default async () => { process.exit(0); return ${KERNELS}; };\n`],
  ])('process.exit(0) %s: validate and generate exit 2 naming the file, and write nothing', async (_where, source) => {
    const dir = project(source);
    const v = await nixlab(['validate'], { cwd: dir });
    expect(v.exitCode).toBe(2);
    expect(v.stderr).toContain('nixlab.config.ts: the config module ended its loading with process.exit(0) before exporting a config. Fix: remove the process.exit call');
    const g = await nixlab(['generate', '--out', 'gen'], { cwd: dir });
    expect(g.exitCode).toBe(2);
    expect(existsSync(join(dir, 'gen'))).toBe(false);
  });

  it('an endless loop is stopped after NIXLAB_CONFIG_TIMEOUT seconds, with the bound in the message', async () => {
    const dir = project(`while (true) {}\nexport default ${KERNELS};\n`);
    const r = await nixlab(['validate'], { cwd: dir, env: { NIXLAB_CONFIG_TIMEOUT: '3' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('nixlab.config.ts: the config module did not finish loading within 3 s (NIXLAB_CONFIG_TIMEOUT), and was stopped');
  });

  it('a timer the module leaves running does not end nixlab after the config is read', async () => {
    const dir = project(`setTimeout(() => process.exit(0), 0);\nsetInterval(() => {}, 1000);\nexport default ${KERNELS};\n`);
    const r = await nixlab(['validate'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('1 kernel(s)');
  });

  it('the bound is 60 s unless NIXLAB_CONFIG_TIMEOUT says otherwise, and a bad value is named', () => {
    expect(configTimeoutSeconds({})).toBe(60);
    expect(configTimeoutSeconds({ NIXLAB_CONFIG_TIMEOUT: '2.5' })).toBe(2.5);
    expect(() => configTimeoutSeconds({ NIXLAB_CONFIG_TIMEOUT: 'soon' })).toThrow(/NIXLAB_CONFIG_TIMEOUT: "soon" is not a number of seconds/);
  });
});
