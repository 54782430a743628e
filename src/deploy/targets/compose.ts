// `--target compose` (the default): the hub and its users' containers on one host, with
// docker-compose; the images loaded into the engine at DOCKER_HOST (../hub-files.ts writes the files).
import { DOCKER_HUB_IMAGE, HUB_ADMIN_PASSWORD_VAR, composeYaml, dotEnv, jupyterhubConfigPy, parseDotEnv } from '../hub-files.js';
import type { DeployTarget } from './types.js';

export const compose: DeployTarget<unknown, 'compose'> = {
  name: 'compose',
  summary: 'one host: compose.yaml, jupyterhub_config.py (DockerSpawner) and .env for docker-compose; the images loaded into the engine at DOCKER_HOST',
  images: 'load',
  hubImage: DOCKER_HUB_IMAGE,
  fileNames: ['compose.yaml', 'jupyterhub_config.py', '.env'],
  secretsFile: '.env',
  keptAdminPassword: (previous) => {
    const env = previous('.env');
    return env === undefined ? undefined : parseDotEnv(env).get(HUB_ADMIN_PASSWORD_VAR);
  },
  files: ({ config, source, dockerSocket, previous, admin }) => [
    { path: 'compose.yaml', text: composeYaml(config, source), mode: 0o644 },
    { path: 'jupyterhub_config.py', text: jupyterhubConfigPy(config, source), mode: 0o644 },
    // It holds the admin's password (and the shared password, the API token): only the owner reads it.
    { path: '.env', text: dotEnv(config, { dockerSocket, previous: previous('.env'), adminPassword: admin }), mode: 0o600 },
  ],
  next: (out) => `cd ${out} && docker-compose up -d`,
  verify: async (dir) => {
    const { execa } = await import('execa');
    const r = await execa('docker-compose', ['config', '-q'], { cwd: dir, reject: false });
    return r.exitCode === 0 ? [] : [`docker-compose config: ${r.stderr}`];
  },
};
