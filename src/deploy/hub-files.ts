// The files of a hub deployment (`nixlab hub --out DIR`), as pure functions of the normalised
// config and the two image references: compose.yaml (the hub service, the engine's socket, the
// hub data volume, the port), jupyterhub_config.py (DockerSpawner, the hub's state in the data
// volume, the authenticator) and .env. The secrets .env holds: the shared and admin passwords the
// config holds, or the admin password `nixlab hub` generates (hubAdminPassword); the admin API
// token comes from the environment or the user's own lines of .env, which a rerun keeps.
import { randomBytes } from 'node:crypto';
import type { NormalizedConfig, NormalizedHub, NormalizedImage } from '../definitions/types.js';
import { controlCharacterIn, SHARED_PASSWORD_MIN_LENGTH, type HubAuthenticator } from '../definitions/rules.js';
import type { HubImageKind } from './targets/types.js';

/** Where the hub image keeps its state (the hub data volume): the sqlite database and the cookie secret. */
export const HUB_DATA_DIR = '/data';
/**
 * Where the hub keeps what must not outlive its container (the proxy's pid file): a tmpfs in
 * compose.yaml, so that a restarted container never finds the last one's pid there.
 * jupyterhub_config.py creates it when it is missing (a hub started without the tmpfs).
 */
export const HUB_RUNTIME_DIR = '/run/nixlab-hub';
/** Where compose mounts jupyterhub_config.py in the hub container. */
export const HUB_CONFIG_PATH = '/etc/jupyterhub/jupyterhub_config.py';
/** The hub image of the compose and swarm targets: DockerSpawner (SwarmSpawner is its class too), its state in HUB_DATA_DIR. */
export const DOCKER_HUB_IMAGE = { spawner: 'DockerSpawner', pythonPackages: ['dockerspawner'], dataDir: HUB_DATA_DIR, configPath: HUB_CONFIG_PATH } as const satisfies HubImageKind;
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
/** The environment variable of the admin's password: hub.adminPassword, or the one `nixlab hub` generates (hubAdminPassword). */
export const HUB_ADMIN_PASSWORD_VAR = 'NIXLAB_HUB_ADMIN_PASSWORD';
/** The environment variable compose publishes the hub's port with (default: the config's hub.port). */
export const HUB_PORT_VAR = 'NIXLAB_HUB_PORT';
/** The environment variable naming the engine's socket on the host. */
export const DOCKER_SOCKET_VAR = 'NIXLAB_DOCKER_SOCKET';
/** The per-user volume DockerSpawner creates (DockerSpawner expands `{username}`). */
export const USER_VOLUME_TEMPLATE = 'jupyterhub-user-{username}';

/**
 * NativeAuthenticator's password rules in the generated hub (its own defaults accept a
 * 1-character password and any number of failed logins): a sign-up password of at least
 * `minimumLength` characters, not in its list of common passwords; after `allowedFailedLogins`
 * failed logins a name is locked for `lockSeconds`. The admin is never locked out (its password
 * is generated and long; a lock would only let anyone keep the operator out).
 */
export const NATIVE_PASSWORD_RULES = { minimumLength: 10, checkCommon: true, allowedFailedLogins: 5, lockSeconds: 600 } as const;

/**
 * Whether an authenticator logs the admin in with a password, which `nixlab hub` then sets
 * before the hub answers (hubAdminPassword). tmpauthenticator has no login form: its visitors
 * get random names, never the admin's, and the admin is reached with the API token only.
 */
export const ADMIN_LOGS_IN_WITH_PASSWORD: Record<HubAuthenticator, boolean> = { native: true, 'shared-password': true, dummy: true, tmp: false };

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

/** What jupyterhub_config.py reads of the hub settings (not where compose publishes the port). */
type HubFacts = Omit<NormalizedHub, 'address'>;

/** The admin's password in the hub's environment, for the authenticators that need one (the hub refuses to start without it). */
function adminPasswordLines(hub: HubFacts, required: boolean): string[] {
  return [
    `_ADMIN = ${py(hub.admin)}`,
    `_ADMIN_PASSWORD = os.environ.get(${py(HUB_ADMIN_PASSWORD_VAR)}, "")`,
    ...(required ? ['if not _ADMIN_PASSWORD:', `    raise SystemExit(${py(`${HUB_ADMIN_PASSWORD_VAR} is empty: the admin could not log in. Run \`nixlab hub\` again (it writes one into .env), or set it in .env.`)})`] : []),
  ];
}

/** The authenticator's part of jupyterhub_config.py (every deployment target's). */
export function authenticatorLines(hub: HubFacts): string[] {
  switch (hub.authenticator) {
    case 'native':
      return [
        '# NativeAuthenticator: users sign up at /hub/signup (name and password, no e-mail); the admin',
        '# authorizes them at /hub/authorize, and only then can they log in (open signup off, as in',
        '# jupyterhub-deploy-docker). The admin exists before the hub answers: every start makes it',
        `# (or resets its password) from ${HUB_ADMIN_PASSWORD_VAR} in .env, which \`nixlab hub\` generated;`,
        '# nobody can sign up under its name.',
        'import bcrypt',
        'import nativeauthenticator',
        'from nativeauthenticator.orm import UserInfo',
        ...adminPasswordLines(hub, true),
        '',
        'class NixlabNativeAuthenticator(nativeauthenticator.NativeAuthenticator):',
        '    def __init__(self, *args, **kwargs):',
        '        super().__init__(*args, **kwargs)',
        '        name = self.normalize_username(_ADMIN)',
        '        info = self.get_user(name)',
        '        if info is None:',
        '            self.db.add(UserInfo(username=name, password=bcrypt.hashpw(_ADMIN_PASSWORD.encode(), bcrypt.gensalt()), is_authorized=True))',
        '        elif not info.is_valid_password(_ADMIN_PASSWORD) or not info.is_authorized:',
        '            info.password = bcrypt.hashpw(_ADMIN_PASSWORD.encode(), bcrypt.gensalt())',
        '            info.is_authorized = True',
        '        self.db.commit()',
        '',
        '    def create_user(self, username, password, **kwargs):',
        '        if self.normalize_username(username) == self.normalize_username(_ADMIN):',
        '            return None',
        '        return super().create_user(username, password, **kwargs)',
        '',
        '    def is_blocked(self, username):',
        '        return self.normalize_username(username) != self.normalize_username(_ADMIN) and super().is_blocked(username)',
        '',
        'c.JupyterHub.authenticator_class = NixlabNativeAuthenticator',
        '# Its pages (signup, authorization area, change password) and the nav bar links to them.',
        'c.JupyterHub.template_paths = [os.path.join(os.path.dirname(nativeauthenticator.__file__), "templates")]',
        'c.NativeAuthenticator.open_signup = False',
        'c.NativeAuthenticator.ask_email_on_signup = False',
        '# Password rules (NativeAuthenticator\'s defaults accept any password and unlimited tries).',
        `c.NativeAuthenticator.minimum_password_length = ${NATIVE_PASSWORD_RULES.minimumLength}`,
        `c.NativeAuthenticator.check_common_password = ${NATIVE_PASSWORD_RULES.checkCommon ? 'True' : 'False'}`,
        `c.NativeAuthenticator.allowed_failed_logins = ${NATIVE_PASSWORD_RULES.allowedFailedLogins}`,
        `c.NativeAuthenticator.seconds_before_next_try = ${NATIVE_PASSWORD_RULES.lockSeconds}`,
        '# Whoever NativeAuthenticator lets log in (it checks the authorization) may use the hub.',
        'c.Authenticator.allow_all = True',
      ];
    case 'tmp':
      return [
        '# tmpauthenticator: every visitor of /hub/tmplogin gets a new temporary user (a random name,',
        '# never the admin\'s) and a server. There is no login form: the admin is reached with the',
        `# API token (${HUB_API_TOKEN_VAR}) only.`,
        'c.JupyterHub.authenticator_class = "tmpauthenticator.TmpAuthenticator"',
        'c.Authenticator.allow_all = True',
      ];
    case 'shared-password':
      return [
        `# JupyterHub's SharedPasswordAuthenticator: every (non-admin) user logs in with the password`,
        `# in .env (${HUB_SHARED_PASSWORD_VAR}); it needs at least ${SHARED_PASSWORD_MIN_LENGTH.user} characters.`,
        'c.JupyterHub.authenticator_class = "shared-password"',
        `c.SharedPasswordAuthenticator.user_password = os.environ[${py(HUB_SHARED_PASSWORD_VAR)}]`,
        `# The admin (only) logs in with ${HUB_ADMIN_PASSWORD_VAR} from .env (hub.adminPassword, or the one`,
        `# \`nixlab hub\` generated); it needs at least ${SHARED_PASSWORD_MIN_LENGTH.admin} characters.`,
        `c.SharedPasswordAuthenticator.admin_password = os.environ[${py(HUB_ADMIN_PASSWORD_VAR)}]`,
        'c.Authenticator.allow_all = True',
      ];
    case 'dummy':
      return [
        '# DummyAuthenticator: any name, any password. For tests only. The admin\'s name alone needs',
        `# ${HUB_ADMIN_PASSWORD_VAR} from .env (without it, nobody logs in as the admin).`,
        'import hmac',
        'from jupyterhub.auth import DummyAuthenticator',
        'from jupyterhub.utils import maybe_future',
        ...adminPasswordLines(hub, false),
        '',
        'class NixlabDummyAuthenticator(DummyAuthenticator):',
        '    async def authenticate(self, handler, data):',
        '        if self.normalize_username(data.get("username", "")) == self.normalize_username(_ADMIN):',
        '            given = data.get("password", "")',
        '            return _ADMIN if _ADMIN_PASSWORD and hmac.compare_digest(given.encode(), _ADMIN_PASSWORD.encode()) else None',
        '        return await maybe_future(super().authenticate(handler, data))',
        '',
        'c.JupyterHub.authenticator_class = NixlabDummyAuthenticator',
        'c.Authenticator.allow_all = True',
      ];
  }
}

/**
 * jupyterhub_config.py for a config. `source` names the config file (no directory); `names`
 * (default: the deployment's) lets `nixlab test` put the hub on a network of its own.
 */
export function jupyterhubConfigPy(config: { hub?: HubFacts; image: Pick<NormalizedImage, 'name' | 'tag' | 'volumes'> }, source: string, names: HubNames = hubNames(config)): string {
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
    `# What must not outlive the container (the proxy's pid file) is in ${HUB_RUNTIME_DIR}, a tmpfs:`,
    '# a pid file kept in the volume made a restarted hub find "the proxy still running" at a pid',
    '# of the old container.',
    `os.makedirs(${py(HUB_RUNTIME_DIR)}, exist_ok=True)`,
    `c.ConfigurableHTTPProxy.pid_file = ${py(`${HUB_RUNTIME_DIR}/jupyterhub-proxy.pid`)}`,
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
  if (ADMIN_LOGS_IN_WITH_PASSWORD[hub.authenticator]) env.push(`      ${HUB_ADMIN_PASSWORD_VAR}: "\${${HUB_ADMIN_PASSWORD_VAR}}"`);
  return [
    `# Generated by nixlab hub from ${source.replace(/[\r\n]/g, ' ')}. \`docker-compose up -d\` here starts the hub`,
    `# on ${hub.address} port ${hub.port} (hub.address in the config; ${HUB_PORT_VAR} in .env moves the port).`,
    ...(hub.address === '127.0.0.1' ? ['# Only this machine reaches it: for other machines, put TLS or a reverse proxy in front and set', '# hub.address to "0.0.0.0".'] : ['# It serves plain HTTP: keep TLS or a reverse proxy in front of it.']),
    'version: "3.8"',
    'services:',
    `  ${HUB_SERVICE}:`,
    `    image: ${py(names.hubImage)}`,
    '    restart: unless-stopped',
    '    ports:',
    `      - "${hub.address}:\${${HUB_PORT_VAR}:-${hub.port}}:${hub.port}"`,
    '    volumes:',
    '      # The engine DockerSpawner starts user containers in.',
    `      - "\${${DOCKER_SOCKET_VAR}:-/var/run/docker.sock}:/var/run/docker.sock"`,
    `      - "hub-data:${HUB_DATA_DIR}"`,
    `      - "./jupyterhub_config.py:${HUB_CONFIG_PATH}:ro"`,
    '    # Runtime files (the proxy\'s pid file): empty at every start of the container.',
    '    tmpfs:',
    `      - ${py(HUB_RUNTIME_DIR)}`,
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

/** A value nixlab cannot write into .env: a control character (docker-compose reads one line per variable). */
export class DotEnvValueError extends Error {
  constructor(
    readonly variable: string,
    readonly where: string,
  ) {
    super(`${variable} holds ${where}; .env holds one line per variable`);
  }
}

/** How nixlab writes the three characters python-dotenv treats specially inside single quotes. */
const DOTENV_ESCAPES: Record<string, string> = { "'": "\\'", '\\': '${:-\\}', $: '${:-$}' };

/**
 * A .env value docker-compose 1.29 (python-dotenv 0.21) reads back as exactly `value`: single
 * quotes, with `'` written `\'`; python-dotenv still expands `${NAME:-default}` in them, so a
 * `$` is written `${:-$}` and a backslash `${:-\}` (the empty name's default; a backslash
 * written `\\` right before a quote ends the value early in python-dotenv's reader). Control
 * characters cannot be written (validate refuses them in the config).
 */
export function dotEnvValue(variable: string, value: string): string {
  const where = controlCharacterIn(value);
  if (where) throw new DotEnvValueError(variable, where);
  return `'${value.replace(/['\\$]/g, (c) => DOTENV_ESCAPES[c]!)}'`;
}

/** The assignments of a .env, the last of each name (as docker-compose reads them); values in nixlab's quoting are decoded, others kept as they are. */
export function parseDotEnv(text: string): Map<string, string> {
  const decode = new Map(Object.entries(DOTENV_ESCAPES).map(([c, e]) => [e, c]));
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const raw = m[2]!;
    const quoted = /^'((?:\\'|[^'])*)'$/.exec(raw);
    vars.set(m[1]!, quoted ? quoted[1]!.replace(/\\'|\$\{:-[\\$]\}/g, (e) => decode.get(e)!) : raw);
  }
  return vars;
}

/** Where the lines nixlab rewrites begin and end in .env; everything else in it is the user's and kept. */
export const DOTENV_BEGIN = '# >>> written by nixlab hub: rewritten on every run >>>';
export const DOTENV_END = '# <<< end of nixlab hub\'s lines: yours go below and are kept <<<';

/** The admin's password for a deployment, and where it came from. */
export interface AdminPassword {
  value: string;
  /** `config`: hub.adminPassword; `kept`: the previous .env's; `generated`: new, to be shown to the operator once. */
  origin: 'config' | 'kept' | 'generated';
}

/**
 * The admin's password a deployment gets (undefined when its authenticator has no admin login):
 * hub.adminPassword, else the one the previous .env holds, else a new random one (43
 * characters, at least SharedPasswordAuthenticator's 32). Any deployment target calls this
 * and stores the value where its hub reads it.
 */
export function hubAdminPassword(config: NormalizedConfig, previousEnv?: string): AdminPassword | undefined {
  return adminPasswordKeeping(config, previousEnv === undefined ? undefined : parseDotEnv(previousEnv).get(HUB_ADMIN_PASSWORD_VAR));
}

/** hubAdminPassword, given the password a target's previous deployment files held (each target reads its own format). */
export function adminPasswordKeeping(config: NormalizedConfig, kept: string | undefined): AdminPassword | undefined {
  const hub = config.hub!;
  if (!ADMIN_LOGS_IN_WITH_PASSWORD[hub.authenticator]) return undefined;
  if (hub.adminPassword !== undefined) return { value: hub.adminPassword, origin: 'config' };
  if (kept && kept.length >= SHARED_PASSWORD_MIN_LENGTH.admin && !controlCharacterIn(kept)) return { value: kept, origin: 'kept' };
  return { value: randomBytes(32).toString('base64url'), origin: 'generated' };
}

/** The lines of a previous .env that are the user's: outside nixlab's markers, or (a .env of an older nixlab) all but what nixlab wrote. */
function userLines(previous: string | undefined, managed: string[]): string[] {
  if (!previous) return [];
  const lines = previous.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [b, e] = [lines.indexOf(DOTENV_BEGIN), lines.indexOf(DOTENV_END)];
  if (b !== -1 && e > b) return [...lines.slice(0, b), ...lines.slice(e + 1)];
  const nixlabs = (l: string) => l === '# Read by docker-compose (and compose.yaml passes the hub what it needs).' || l.startsWith(`# ${HUB_API_TOKEN_VAR}=<`) || managed.some((k) => l.startsWith(`${k}=`));
  return lines.filter((l) => !nixlabs(l));
}

/**
 * .env for a config: between nixlab's markers, the engine's socket when it is not
 * /var/run/docker.sock, the shared password and the admin's password (hubAdminPassword), each
 * quoted so that docker-compose reads it literally; after them, the user's lines of the previous
 * .env (the port, the API token, anything else), kept as they were. nixlab never makes an API token.
 */
export function dotEnv(config: NormalizedConfig, opts: { dockerSocket?: string; previous?: string; adminPassword?: AdminPassword } = {}): string {
  const hub = config.hub!;
  const admin = opts.adminPassword ?? hubAdminPassword(config, opts.previous);
  const assign = (k: string, v: string) => `${k}=${dotEnvValue(k, v)}`;
  const block = [
    DOTENV_BEGIN,
    '# Read by docker-compose (compose.yaml passes the hub what it needs). Settings of yours, kept by',
    '# every `nixlab hub`, go below the last marker, e.g.:',
    `#   ${HUB_PORT_VAR}=${hub.port}                      the published port (default: hub.port)`,
    `#   ${HUB_API_TOKEN_VAR}=<a long random token>   an admin API token for automation`,
  ];
  if (opts.dockerSocket && opts.dockerSocket !== '/var/run/docker.sock') block.push(assign(DOCKER_SOCKET_VAR, opts.dockerSocket));
  if (hub.sharedPassword !== undefined) block.push(assign(HUB_SHARED_PASSWORD_VAR, hub.sharedPassword));
  if (admin) block.push(`# The admin (${py(hub.admin)}) logs in with this password; change it here, then \`docker-compose up -d\`.`, assign(HUB_ADMIN_PASSWORD_VAR, admin.value));
  block.push(DOTENV_END);
  return [...block, ...userLines(opts.previous, [DOCKER_SOCKET_VAR, HUB_SHARED_PASSWORD_VAR, HUB_ADMIN_PASSWORD_VAR])].join('\n') + '\n';
}
