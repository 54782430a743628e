// `--target swarm`: the hub on a Docker Swarm, for more than one host. `docker stack deploy -c
// stack.yaml NAME` on a manager starts the hub service there (it needs a manager's Docker
// socket to create services); SwarmSpawner (dockerspawner) runs each user's server as a service
// of its own, on whichever node the scheduler picks. Everything else is the compose target's
// jupyterhub_config.py (the same authenticator and admin lines), with the swarm's part after it:
// - the images are pushed to the operator's registry (`--registry`) and named by digest, so
//   that every node pulls the same bytes;
// - an attachable overlay network the hub and the users' services share; `dnsrr` endpoints
//   (`hub.swarm.endpointMode`), because service VIPs need IPVS in the nodes' kernels;
// - the hub's state (sqlite, cookie secret) in a named volume on the manager it is pinned to;
// - each user's notebooks in `hub.swarm.notebooks/<user>`, a directory of a filesystem every
//   node mounts at the same path (NFS, CephFS…): SwarmSpawner's mounts are bind mounts, so a
//   server that starts again on another node finds the same files. The hub mounts the same
//   directory and creates a user's directory, owned by the image's user, before the spawn.
import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { DOCKER_HUB_IMAGE, HUB_API_SERVICE, HUB_API_TOKEN_VAR, HUB_ADMIN_PASSWORD_VAR, HUB_CONFIG_PATH, HUB_DATA_DIR, HUB_SERVICE, HUB_SHARED_PASSWORD_VAR, SPAWN_TIMEOUTS, hubNames, jupyterhubConfigPy, py, type AdminPassword } from '../hub-files.js';
import type { NormalizedConfig } from '../../definitions/types.js';
import type { DeployTarget, GeneratedFile, SingleUserImageConfig } from './types.js';

export interface SwarmSettings {
  /** A directory every node mounts at this same path (a shared filesystem): each user's notebooks go in `<it>/<user>`. */
  notebooks: string;
  /** `dnsrr` (default: works without IPVS) or `vip` (needs IPVS on every node). */
  endpointMode?: 'dnsrr' | 'vip';
}

/** Where the hub container sees the users' notebook directories (hub.swarm.notebooks). */
export const SWARM_NOTEBOOKS_IN_HUB = '/srv/nixlab-notebooks';
/** The file of the hub service's environment (secrets: mode 0600), read by `docker stack deploy`. */
export const SWARM_ENV_FILE = 'hub.env';
/** The stack's name (`docker stack deploy … NAME`): the deployment's network name. */
export const swarmStackName = (config: NormalizedConfig): string => hubNames(config).network;

const settingsOf = (config: NormalizedConfig): SwarmSettings | undefined => config.hub?.swarm as SwarmSettings | undefined;

/** jupyterhub_config.py: the compose target's, then SwarmSpawner's settings. */
export function swarmConfigPy(config: NormalizedConfig, source: string, images: { singleUser: string }, settings: SwarmSettings, image: SingleUserImageConfig): string {
  const names = hubNames(config);
  const notebookDir = config.image.volumes[0]!;
  const { uid, gid } = config.image.user;
  return [
    jupyterhubConfigPy(config, source, names).trimEnd(),
    '',
    '# --target swarm: every user\'s server is a swarm service of its own (SwarmSpawner), on any node.',
    'c.JupyterHub.spawner_class = "dockerspawner.SwarmSpawner"',
    '# The image by digest from the registry nixlab hub pushed it to: every node pulls the same bytes,',
    '# and users may choose no other (allowed_images).',
    `c.SwarmSpawner.image = ${py(images.singleUser)}`,
    `c.SwarmSpawner.allowed_images = [${py(images.singleUser)}]`,
    '# Each node pulls the image when it starts a task; the hub\'s node need not have it.',
    'c.SwarmSpawner.pull_policy = "skip"',
    '# A swarm restarts a task whose container turns unhealthy (a lone engine does not): the image\'s',
    '# health check (Test [] keeps it) gets the time JupyterHub gives a new server, and slower probes on',
    '# a busy node.',
    `c.SwarmSpawner.extra_container_spec = {"healthcheck": {"Test": [], "StartPeriod": ${SPAWN_TIMEOUTS.httpSeconds * 1e9}, "Interval": ${5e9}, "Timeout": ${10e9}, "Retries": 5}}`,
    '# The image\'s own command (its Cmd; the Entrypoint stays): the hub\'s engine need not have the image to read it.',
    `c.SwarmSpawner.cmd = [${(image.Cmd ?? []).map(py).join(', ')}]`,
    `c.SwarmSpawner.network_name = ${py(names.network)}`,
    '# The hub reaches a server by its service name on the overlay network; DNS round robin, since',
    '# service VIPs need IPVS on the nodes.',
    'c.SwarmSpawner.use_internal_ip = True',
    ...(settings.endpointMode === 'vip' ? [] : ['c.SwarmSpawner.extra_endpoint_spec = {"mode": "dnsrr"}']),
    `# Notebooks on the shared filesystem (${settings.notebooks} on every node), so they follow the user`,
    '# to whichever node runs their next server.',
    `c.SwarmSpawner.volumes = {${py(`${settings.notebooks.replace(/\/+$/, '')}/{username}`)}: ${py(notebookDir)}}`,
    'def _nixlab_notebook_dir(spawner):',
    '    """The user\'s directory on the shared filesystem, owned by the image\'s user (a bind mount needs it)."""',
    `    path = spawner.format_volume_name(${py(`${SWARM_NOTEBOOKS_IN_HUB}/{username}`)}, spawner)`,
    '    if not os.path.isdir(path):',
    '        os.makedirs(path, mode=0o750)',
    `        os.chown(path, ${uid}, ${gid})`,
    'c.Spawner.pre_spawn_hook = _nixlab_notebook_dir',
    '# The hub looks a server up by its service name each time it connects. aiohttp\'s resolver, with',
    '# aiodns installed, keeps an answer as long as its TTL says, and the swarm\'s DNS says 600 s: a server',
    '# started again on another node (a new service, a new address) would be sought at its old address',
    '# for up to ten minutes, and its spawn would time out. The system resolver asks the swarm each time.',
    'import socket',
    'import aiohttp',
    'import aiohttp.abc',
    'class _NixlabFreshResolver(aiohttp.abc.AbstractResolver):',
    '    """getaddrinfo for every connection; no state, because traitlets copies the config holding it."""',
    '    async def resolve(self, host, port=0, family=socket.AF_INET):',
    '        return await aiohttp.ThreadedResolver().resolve(host, port, family)',
    '    async def close(self):',
    '        pass',
    'c.JupyterHubHTTPClient.connector_options = {"resolver": _NixlabFreshResolver(), "use_dns_cache": False}',
    '# A restarted hub finds its users\' servers still running (their services outlive it).',
    'c.JupyterHub.cleanup_servers = False',
    '',
  ].join('\n');
}

/** stack.yaml: the hub service on a manager, the overlay network, the hub's data volume, its config. */
export function stackYaml(config: NormalizedConfig, source: string, images: { hub: string }, settings: SwarmSettings, configPy: string, dockerSocket: string | undefined): string {
  const hub = config.hub!;
  const names = hubNames(config);
  const configName = `${names.network}-config-${createHash('sha256').update(configPy).digest('hex').slice(0, 12)}`;
  const socket = dockerSocket ?? '/var/run/docker.sock';
  return [
    `# Generated by nixlab hub --target swarm from ${source.replace(/[\r\n]/g, ' ')}. On a manager of the swarm:`,
    `#   docker stack deploy -c stack.yaml ${swarmStackName(config)}`,
    `# The hub answers on port ${hub.port} of the manager it runs on (published in host mode: the`,
    '# routing mesh needs IPVS). NIXLAB_DOCKER_SOCKET moves the engine socket it is given.',
    'version: "3.8"',
    'services:',
    `  ${HUB_SERVICE}:`,
    `    image: ${py(images.hub)}`,
    `    env_file: ${SWARM_ENV_FILE}`,
    '    ports:',
    `      - target: ${hub.port}`,
    `        published: ${hub.port}`,
    '        protocol: tcp',
    '        mode: host',
    '    volumes:',
    '      # The manager\'s engine: SwarmSpawner creates the users\' services through it.',
    '      - type: bind',
    `        source: "\${NIXLAB_DOCKER_SOCKET:-${socket}}"`,
    '        target: /var/run/docker.sock',
    '      - type: volume',
    '        source: hub-data',
    `        target: ${HUB_DATA_DIR}`,
    '      # The users\' notebook directories (the hub creates each before its first spawn).',
    '      - type: bind',
    `        source: ${py(settings.notebooks)}`,
    `        target: ${SWARM_NOTEBOOKS_IN_HUB}`,
    '    configs:',
    '      - source: jupyterhub-config',
    `        target: ${HUB_CONFIG_PATH}`,
    '    networks:',
    '      - hub',
    '    deploy:',
    `      endpoint_mode: ${settings.endpointMode ?? 'dnsrr'}`,
    '      replicas: 1',
    '      placement:',
    '        # A manager: only a manager\'s engine can create services. Its data volume stays on that',
    '        # manager; with more than one, pin the hub to one (a node label) so it finds its state.',
    '        constraints: ["node.role == manager"]',
    '      restart_policy:',
    '        condition: any',
    'networks:',
    '  hub:',
    `    name: ${py(names.network)}`,
    '    driver: overlay',
    '    # Attachable: SwarmSpawner\'s services join it.',
    '    attachable: true',
    'volumes:',
    '  hub-data:',
    `    name: ${py(names.dataVolume)}`,
    'configs:',
    '  jupyterhub-config:',
    '    # Named by its content: a swarm config cannot change, a new one replaces it.',
    `    name: ${py(configName)}`,
    '    file: ./jupyterhub_config.py',
    '',
  ].join('\n');
}

/**
 * hub.env: the hub service's secrets, in the Docker CLI's env-file format (the value is the rest
 * of the line, no quoting). An admin API token already in the previous file is kept.
 */
export function swarmEnv(config: NormalizedConfig, previous: string | undefined, admin?: AdminPassword): string {
  const hub = config.hub!;
  const lines = [`# The hub service's environment (docker stack deploy reads it; ${HUB_API_TOKEN_VAR} is the ${HUB_API_SERVICE} token).`];
  if (hub.sharedPassword !== undefined) lines.push(`${HUB_SHARED_PASSWORD_VAR}=${hub.sharedPassword}`);
  if (admin) lines.push(`${HUB_ADMIN_PASSWORD_VAR}=${admin.value}`);
  const kept = (previous ?? '').split('\n').find((l) => l.startsWith(`${HUB_API_TOKEN_VAR}=`));
  lines.push(kept ?? `# ${HUB_API_TOKEN_VAR}=<a long random token>   (an admin API token for automation)`);
  return lines.join('\n') + '\n';
}

export const swarm: DeployTarget<SwarmSettings, 'swarm'> = {
  name: 'swarm',
  summary: 'Docker Swarm, any number of nodes: stack.yaml (the hub on a manager, SwarmSpawner, an attachable overlay network with dnsrr, the notebooks in hub.swarm.notebooks, a directory every node mounts), jupyterhub_config.py and hub.env; the images pushed to --registry and named by digest',
  images: 'push',
  hubImage: DOCKER_HUB_IMAGE,
  schema: {
    type: 'object',
    description: '`nixlab hub --target swarm`: where users\' notebooks live, and the endpoint mode.',
    additionalProperties: false,
    required: ['notebooks'],
    properties: {
      notebooks: { type: 'string', pattern: '^/', description: 'An absolute directory that every node of the swarm mounts at this same path (NFS, CephFS…): each user\'s notebooks go in a directory of theirs under it, so they follow the user from node to node.' },
      endpointMode: { type: 'string', enum: ['dnsrr', 'vip'], description: 'How services are reached: `dnsrr` (default; DNS round robin, works without IPVS) or `vip` (needs IPVS on every node).' },
    },
  },
  check: (config, file) => {
    const s = settingsOf(config);
    if (!s) return [{ where: `${file}:hub`, message: '--target swarm needs hub.swarm.notebooks: a directory every node mounts at the same path, where users\' notebooks live', hint: 'add swarm: { notebooks: "/srv/nixlab/users" } under hub, and mount your shared filesystem (NFS…) there on every node' }];
    if (!isAbsolute(s.notebooks)) return [{ where: `${file}:hub.swarm.notebooks`, message: `${JSON.stringify(s.notebooks)} is not an absolute path`, hint: 'write the directory as every node mounts it, e.g. "/srv/nixlab/users"' }];
    const secrets = [config.hub?.sharedPassword, config.hub?.adminPassword].filter((p): p is string => p !== undefined);
    if (secrets.some((p) => /[\r\n]/.test(p))) return [{ where: `${file}:hub`, message: 'a hub password holds a line break, which the env file of a swarm service cannot carry', hint: 'choose a password without line breaks' }];
    return [];
  },
  fileNames: ['stack.yaml', 'jupyterhub_config.py', SWARM_ENV_FILE],
  secretsFile: SWARM_ENV_FILE,
  // hub.env is in the Docker CLI's env-file format: the value is the rest of the line.
  keptAdminPassword: (previous) => (previous(SWARM_ENV_FILE) ?? '').split('\n').find((l) => l.startsWith(`${HUB_ADMIN_PASSWORD_VAR}=`))?.slice(HUB_ADMIN_PASSWORD_VAR.length + 1),
  files: ({ config, source, images, settings, singleUserConfig, dockerSocket, previous, admin }): GeneratedFile[] => {
    const configPy = swarmConfigPy(config, source, images, settings!, singleUserConfig);
    return [
      { path: 'stack.yaml', text: stackYaml(config, source, images, settings!, configPy, dockerSocket), mode: 0o644 },
      { path: 'jupyterhub_config.py', text: configPy, mode: 0o644 },
      { path: SWARM_ENV_FILE, text: swarmEnv(config, previous(SWARM_ENV_FILE), admin), mode: 0o600 },
    ];
  },
  next: (out, config) => `cd ${out} && docker stack deploy -c stack.yaml ${swarmStackName(config)}   (on a swarm manager; ${settingsOf(config)?.notebooks ?? 'hub.swarm.notebooks'} mounted on every node)`,
  verify: async (dir) => {
    // docker-compose (v1) parses a version 3.8 file with its deploy keys, as `docker stack deploy` does.
    const { execa } = await import('execa');
    const r = await execa('docker-compose', ['-f', 'stack.yaml', 'config', '-q'], { cwd: dir, reject: false });
    return r.exitCode === 0 ? [] : [`docker-compose config (stack.yaml): ${r.stderr}`];
  },
};
