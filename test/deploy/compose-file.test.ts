// The compose file `nixlab compose` writes (it replaces the hand-written docker/compose.yaml):
// the demo's image, port and notebook volume, the host user and the token required at `up`
// time; the config's `compose` keys (SSH agent, host network, notebooks dir, host port); and the
// schema refusing bad `compose` values with a fix, exit 2.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { nixlab } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-compose-file-'));

test('the demo: its image, port on 127.0.0.1, /data from ./notebooks, the host user, the token required', async () => {
  const r = await nixlab(['compose', 'examples/demo/nixlab.yaml', '--out', join(work, 'demo')]);
  expect(r.exitCode).toBe(0);
  const text = readFileSync(join(work, 'demo', 'docker-compose.yml'), 'utf8');
  const lab = parse(text).services.lab;
  expect(lab).toEqual({
    image: 'nixlab-demo:latest',
    user: '${UID:?export UID and GID first (README.md)}:${GID:?export UID and GID first (README.md)}',
    ports: ['127.0.0.1:8888:8888'],
    environment: { JUPYTER_TOKEN: '${JUPYTER_TOKEN:?set JUPYTER_TOKEN to a secret, e.g. from openssl rand -hex 24}' },
    volumes: ['./notebooks:/data'],
    read_only: true,
    tmpfs: ['/tmp'],
    restart: 'unless-stopped',
    stop_grace_period: '10s',
    healthcheck: { interval: '3s', timeout: '3s', start_period: '60s', retries: 3 },
  });
  expect(readFileSync(join(work, 'demo', 'README.md'), 'utf8')).toContain('export UID; export GID=$(id -g)');
  // Same config, same bytes.
  await nixlab(['compose', 'examples/demo/nixlab.yaml', '--out', join(work, 'demo2')]);
  expect(readFileSync(join(work, 'demo2', 'docker-compose.yml'), 'utf8')).toBe(text);
});

test('local-lab: the SSH agent mounted and named inside, the host network', async () => {
  const r = await nixlab(['compose', 'examples/local-lab/nixlab.yaml', '--out', join(work, 'lab')]);
  expect(r.exitCode).toBe(0);
  const lab = parse(readFileSync(join(work, 'lab', 'docker-compose.yml'), 'utf8')).services.lab;
  expect(lab.network_mode).toBe('host');
  expect(lab.ports).toBeUndefined();
  expect(lab.environment.SSH_AUTH_SOCK).toBe('/run/nixlab/ssh-agent.sock');
  expect(lab.volumes).toEqual(['./notebooks:/home/jovyan/notebooks', '${SSH_AUTH_SOCK:?SSH_AUTH_SOCK is not set: start an SSH agent first (README.md)}:/run/nixlab/ssh-agent.sock']);
});

test('bad compose values are refused with a fix (exit 2)', async () => {
  const config = join(work, 'bad.yaml');
  writeFileSync(config, 'kernels: [{ kind: python, name: py }]\ncompose: { network: overlay, notebooks: ../up, sshAgent: "yes", extra: 1 }\n');
  const r = await nixlab(['validate', config]);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain('$.compose.network');
  expect(r.stderr).toContain('$.compose.notebooks');
  expect(r.stderr).toContain('$.compose.sshAgent');
  expect(r.stderr).toContain('$.compose.extra');
  for (const line of r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))) expect(line).toContain('Fix:');
});
