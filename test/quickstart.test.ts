// The README's Quick start, as a new user types it: its `npm install -g .` puts `nixlab` on PATH
// (here into a private prefix, so the machine's global packages are not touched), and every
// `nixlab` line then runs as written, in a copy of examples/demo. The `docker` lines are what
// test/e2e/readme.test.ts runs as typed, as root, under an engine with a default bridge.
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readmeShLines } from './helpers/readme.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-quickstart-'));

describe('the Quick start', () => {
  it('puts nixlab on PATH with a step of its own, and its nixlab lines work as typed', async () => {
    const lines = readmeShLines('## Quick start');
    expect(lines[0]).toBe('npm ci && npm run build');
    expect(lines[1]).toBe('npm install -g .');
    const prefix = join(work, 'npm-global');
    const install = await execa('npm', ['install', '-g', '--prefix', prefix, '.', '--no-audit', '--no-fund'], { reject: false });
    expect([install.exitCode, install.stderr.split('\n').filter((l) => /ERR/.test(l))]).toEqual([0, []]);
    const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
    expect((await execa('sh', ['-c', 'command -v nixlab'], { env })).stdout).toBe(join(prefix, 'bin', 'nixlab'));

    // The demo, copied, so nothing is written into the checkout.
    const demo = join(work, 'examples', 'demo');
    cpSync(resolve('examples/demo'), demo, { recursive: true });
    const cd = lines.indexOf('cd examples/demo');
    expect(cd).toBeGreaterThan(1);
    const ran: string[] = [];
    for (const line of lines.slice(cd + 1)) {
      if (/(^|&& *)docker /.test(line)) continue; // the docker lines: test/e2e/readme.test.ts
      const r = await execa('sh', ['-c', line], { cwd: demo, env, reject: false });
      expect([line, r.exitCode, r.stderr.split('\n').filter((l) => l.startsWith('error'))]).toEqual([line, 0, []]);
      ran.push(line);
    }
    expect(ran.filter((l) => l.startsWith('nixlab '))).toEqual(['nixlab validate', 'nixlab build --pkgs offline -o demo.tar']);
    expect(existsSync(join(demo, 'demo.tar'))).toBe(true);
  }, 900_000);
});
