// The files of a hub deployment (`nixlab hub --out DIR`), as pure functions of the normalised
// config and the two image references: compose.yaml (the hub service, the engine's socket, the
// hub data volume, the port), jupyterhub_config.py (DockerSpawner, the hub's state in the data
// volume, the authenticator) and .env. No secret is ever written here but the shared and admin
// passwords the config itself holds; the admin API token comes from the environment or the user's .env.
import type { NormalizedConfig, NormalizedHub, NormalizedImage } from '../definitions/types.js';
import { SHARED_PASSWORD_MIN_LENGTH, type HubAuthenticator } from '../definitions/rules.js';

/** Where the hub image keeps its state (the hub data volume): the sqlite database, the cookie secret, the proxy's pid file. */
export const HUB_DATA_DIR = '/data';
/** Where compose mounts jupyterhub_config.py in the hub container. */
export const HUB_CONFIG_PATH = '/etc/jupyterhub/jupyterhub_config.py';
/** The compose service of the hub: also its name on the deployment's network, which user containers connect to. */
export const HUB_SERVICE = 'jupyterhub';
/** The port the hub's API listens on inside its container (JupyterHub's default hub_port). */
export const HUB_API_PORT = 8081;
/** The environment variable of the optional admin API token (a JupyterHub service with admin scopes). */
export const HUB_API_TOKEN_VAR = 'NIXLAB_HUB_API_TOKEN';
/** The service that token belongs to. */
export const HUB_API_SERVICE = 'nixlab-admin';
/** The environment variable of the shared password (shared-password). */
export const HUB_SHARED_PASSWORD_VAR = 'NIXLAB_HUB_SHARED_PASSWORD';
/** The environment variable of the admin's password (shared-password with hub.adminPassword). */
export const HUB_ADMIN_PASSWORD_VAR = 'NIXLAB_HUB_ADMIN_PASSWORD';
/** The environment variable compose publishes the hub's port with (default: the config's hub.port). */
export const HUB_PORT_VAR = 'NIXLAB_HUB_PORT';
/** The environment variable naming the engine's socket on the host. */
export const DOCKER_SOCKET_VAR = 'NIXLAB_DOCKER_SOCKET';
/** The per-user volume DockerSpawner creates (DockerSpawner expands `{username}`). */
export const USER_VOLUME_TEMPLATE = 'jupyterhub-user-{username}';

/** DockerSpawner's timeouts: from the container's start to the server answering, and to the container running. */
export const SPAWN_TIMEOUTS = { httpSeconds: 120, startSeconds: 180 } as const;

/**
 * The Python packages (nixpkgs attribute names) each authenticator needs in the hub image (none:
 * JupyterHub's own). nixpkgs has no jupyterhub-nativeauthenticator: nix/hub.nix builds it
 * (nix/native-authenticator.nix) when the package set lacks it.
 */
export const AUTHENTICATOR_PACKAGES: Record<HubAuthenticator, string[]> = {
  native: ['jupyterhub-nativeauthenticator'],
  tmp: ['jupyterhub-tmpauthenticator'],
  'shared-password': [],
  dummy: [],
};

/** Names a deployment's engine objects carry. */
export interface HubNames {
  /** The single-user image, `name:tag`. */
  singleUserImage: string;
  /** The hub image, `name:tag`. */
  hubImage: string;
  /** The docker network the hub and the user containers share. */
  network: string;
  /** The hub data volume. */
  dataVolume: string;
}

/** The names for a config: the hub image is the single-user image's name with `-hub`. */
export function hubNames(config: { image: Pick<NormalizedImage, 'name' | 'tag'> }): HubNames {
  const { name, tag } = config.image;
  const base = name.split('/').pop()!;
  return { singleUserImage: `${name}:${tag}`, hubImage: `${name}-hub:${tag}`, network: `${base}-hub`, dataVolume: `${base}-hub-data` };
}

/** A Python string literal (JSON's escapes are Python's for these characters). */
/** A Python string literal (JSON's escaping is a subset of Python's). */
export const py = (s: string): string => JSON.stringify(s);

/** The authenticator's part of jupyterhub_config.py (every deployment target's). */
export function authenticatorLines(hub: NormalizedHub): string[] {
  switch (hub.authenticator) {
    case 'native':
      return [
        '# NativeAuthenticator: users sign up at /hub/signup (name and password, no e-mail); the admin',
        '# authorizes them at /hub/authorize, and only then can they log in (open signup off, as in',
        '# jupyterhub-deploy-docker). The admin signs up like anyone, first, and is authorized at once',
        '# (NativeAuthenticator pre-authorizes admin_users).',
        'import nativeauthenticator',
        'c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"',
        '# Its pages (signup, authorization area, change password) and the nav bar links to them.',
        'c.JupyterHub.template_paths = [os.path.join(os.path.dirname(nativeauthenticator.__file__), "templates")]',
        'c.NativeAuthenticator.open_signup = False',
        'c.NativeAuthenticator.ask_email_on_signup = False',
        '# Whoever NativeAuthenticator lets log in (it checks the authorization) may use the hub.',
        'c.Authenticator.allow_all = True',
      ];
    case 'tmp':
      return [
        '# tmpauthenticator: every visitor of /hub/tmplogin gets a new temporary user and a server.',
        'c.JupyterHub.authenticator_class = "tmpauthenticator.TmpAuthenticator"',
        'c.Authenticator.allow_all = True',
      ];
    case 'shared-password':
      return [
        `# JupyterHub's SharedPasswordAuthenticator: every (non-admin) user logs in with the password`,
        `# in .env (${HUB_SHARED_PASSWORD_VAR}); it needs at least ${SHARED_PASSWORD_MIN_LENGTH.user} characters.`,
        'c.JupyterHub.authenticator_class = "shared-password"',
        `c.SharedPasswordAuthenticator.user_password = os.environ[${py(HUB_SHARED_PASSWORD_VAR)}]`,
        ...(hub.adminPassword === undefined
          ? ['# No admin password (hub.adminPassword): SharedPasswordAuthenticator logs admins in only with one.']
          : [`# The admin (only) logs in with ${HUB_ADMIN_PASSWORD_VAR} from .env; it needs at least ${SHARED_PASSWORD_MIN_LENGTH.admin} characters.`, `c.SharedPasswordAuthenticator.admin_password = os.environ[${py(HUB_ADMIN_PASSWORD_VAR)}]`]),
        'c.Authenticator.allow_all = True',
      ];
    case 'dummy':
      return ['# DummyAuthenticator: any name, any password. For tests only.', 'c.JupyterHub.authenticator_class = "dummy"', 'c.Authenticator.allow_all = True'];
  }
}

/**
 * jupyterhub_config.py for a config. `source` names the config file (no directory); `names`
 * (default: the deployment's) lets `nixlab test` put the hub on a network of its own.
 */
export function jupyterhubConfigPy(config: { hub?: NormalizedHub; image: Pick<NormalizedImage, 'name' | 'tag' | 'volumes'> }, source: string, names: HubNames = hubNames(config)): string {
  const hub = config.hub!;
  const notebookDir = config.image.volumes[0]!;
  return [
    `# Generated by nixlab hub from ${source.replace(/[\r\n]/g, ' ')}; edit that file and run \`nixlab hub\` again.`,
    `# JupyterHub ${hub.version} with DockerSpawner; every user gets a container of ${names.singleUserImage}.`,
    'import os',
    '',
    'c = get_config()  # noqa: F821 (provided by traitlets when it runs this file)',
    '',
    '# The hub listens on every address of its container; user containers reach it by its',
    `# service name on the network they share (${names.network}).`,
    'c.JupyterHub.hub_ip = "0.0.0.0"',
    `c.JupyterHub.hub_port = ${HUB_API_PORT}`,
    `c.JupyterHub.hub_connect_ip = ${py(HUB_SERVICE)}`,
    `c.JupyterHub.port = ${hub.port}`,
    '',
    `# The hub's state lives in the data volume (${names.dataVolume}), so a restarted hub keeps its users.`,
    `c.JupyterHub.cookie_secret_file = ${py(`${HUB_DATA_DIR}/jupyterhub_cookie_secret`)}`,
    `c.JupyterHub.db_url = ${py(`sqlite:///${HUB_DATA_DIR}/jupyterhub.sqlite`)}`,
    `c.ConfigurableHTTPProxy.pid_file = ${py(`${HUB_DATA_DIR}/jupyterhub-proxy.pid`)}`,
    '',
    '# DockerSpawner: one container per user on the shared network, reached at its address there;',
    '# each user\'s notebooks in a named volume of their own at the notebook directory (the image',
    '# creates that directory owned by its user, so a new volume is not root-owned).',
    'c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"',
    `c.DockerSpawner.image = ${py(names.singleUserImage)}`,
    '# nixlab hub loaded the image into the engine; there is no registry to pull it from.',
    'c.DockerSpawner.pull_policy = "never"',
    `c.DockerSpawner.network_name = ${py(names.network)}`,
    `c.DockerSpawner.extra_host_config = {"network_mode": ${py(names.network)}}`,
    'c.DockerSpawner.use_internal_ip = True',
    `c.DockerSpawner.notebook_dir = ${py(notebookDir)}`,
    `c.DockerSpawner.volumes = {${py(USER_VOLUME_TEMPLATE)}: ${py(notebookDir)}}`,
    '# How long a new server may take: JupyterHub gives up after http_timeout (30 s) and removes',
    '# it; a single-user server took 15-30 s to answer on a busy 2-core machine.',
    `c.DockerSpawner.http_timeout = ${SPAWN_TIMEOUTS.httpSeconds}`,
    `c.DockerSpawner.start_timeout = ${SPAWN_TIMEOUTS.startSeconds}`,
    '# A stopped server\'s container is removed; its volume stays.',
    'c.DockerSpawner.remove = True',
    '',
    `c.Authenticator.admin_users = {${py(hub.admin)}}`,
    ...authenticatorLines(hub),
    '',
    `# An admin API token for automation (CI smoke tests): ${HUB_API_TOKEN_VAR} from the environment`,
    '# or .env. It is a service with admin scopes, and it is never in an image.',
    `_token = os.environ.get(${py(HUB_API_TOKEN_VAR)}, "")`,
    'if _token:',
    `    c.JupyterHub.services = [{"name": ${py(HUB_API_SERVICE)}, "api_token": _token}]`,
    '    c.JupyterHub.load_roles = [',
    `        {"name": ${py(HUB_API_SERVICE)}, "scopes": ["admin:users", "admin:servers", "access:servers", "read:hub"], "services": [${py(HUB_API_SERVICE)}]},`,
    '    ]',
    '',
  ].join('\n');
}

/** compose.yaml for a config. */
export function composeYaml(config: NormalizedConfig, source: string): string {
  const hub = config.hub!;
  const names = hubNames(config);
  const env: string[] = [`      ${HUB_API_TOKEN_VAR}: "\${${HUB_API_TOKEN_VAR}:-}"`];
  if (hub.authenticator === 'shared-password') env.push(`      ${HUB_SHARED_PASSWORD_VAR}: "\${${HUB_SHARED_PASSWORD_VAR}}"`);
  if (hub.adminPassword !== undefined) env.push(`      ${HUB_ADMIN_PASSWORD_VAR}: "\${${HUB_ADMIN_PASSWORD_VAR}}"`);
  return [
    `# Generated by nixlab hub from ${source.replace(/[\r\n]/g, ' ')}. \`docker-compose up -d\` here starts the hub`,
    `# on port ${hub.port} (${HUB_PORT_VAR} in .env moves it).`,
    'version: "3.8"',
    'services:',
    `  ${HUB_SERVICE}:`,
    `    image: ${py(names.hubImage)}`,
    '    restart: unless-stopped',
    '    ports:',
    `      - "\${${HUB_PORT_VAR}:-${hub.port}}:${hub.port}"`,
    '    volumes:',
    '      # The engine DockerSpawner starts user containers in.',
    `      - "\${${DOCKER_SOCKET_VAR}:-/var/run/docker.sock}:/var/run/docker.sock"`,
    `      - "hub-data:${HUB_DATA_DIR}"`,
    `      - "./jupyterhub_config.py:${HUB_CONFIG_PATH}:ro"`,
    '    environment:',
    ...env,
    '    networks:',
    '      - hub',
    'networks:',
    '  hub:',
    `    name: ${py(names.network)}`,
    'volumes:',
    '  hub-data:',
    `    name: ${py(names.dataVolume)}`,
    '',
  ].join('\n');
}

/**
 * .env for a config: the port, the engine's socket when it is not /var/run/docker.sock, the
 * shared password; an admin API token already in the old .env is kept (nixlab never makes one).
 */
export function dotEnv(config: NormalizedConfig, opts: { dockerSocket?: string; previous?: string } = {}): string {
  const hub = config.hub!;
  const lines = ['# Read by docker-compose (and compose.yaml passes the hub what it needs).', `${HUB_PORT_VAR}=${hub.port}`];
  if (opts.dockerSocket && opts.dockerSocket !== '/var/run/docker.sock') lines.push(`${DOCKER_SOCKET_VAR}=${opts.dockerSocket}`);
  if (hub.sharedPassword !== undefined) lines.push(`${HUB_SHARED_PASSWORD_VAR}=${hub.sharedPassword}`);
  if (hub.adminPassword !== undefined) lines.push(`${HUB_ADMIN_PASSWORD_VAR}=${hub.adminPassword}`);
  const kept = (opts.previous ?? '').split('\n').find((l) => l.startsWith(`${HUB_API_TOKEN_VAR}=`));
  lines.push(kept ?? `# ${HUB_API_TOKEN_VAR}=<a long random token>   (an admin API token for automation)`);
  return lines.join('\n') + '\n';
}
