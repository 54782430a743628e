// The runtime facts, written once: the port, the environment variables the image's servers and
// scripts read, the paths in the image and the image user. TypeScript imports them; nix/*.py
// and nix/*.sh get them as generated files of every project (runtimeJson(), runtimeShell():
// nixlab/runtime.json and nixlab/runtime.sh, which nix/jupyter-config.nix and nix/start.nix
// hand to the scripts), so no script spells a name or a default of its own.
// test/runtime/facts.test.ts reads every variable nix/ uses and checks it against ENV.
import { canonicalJson } from '../json.js';

/** The port Jupyter listens on unless image.port or JUPYTER_PORT says otherwise (docker-stacks' and Jupyter's default). */
export const DEFAULT_PORT = 8888;

/** The address a server listens on when nothing says otherwise (`nixlab shell`, `nixlab run`): loopback only. */
export const LOOPBACK_ADDRESS = '127.0.0.1';

/** The address an image's server listens on: every address, IPv6 and IPv4 when the container has IPv6 (nix/jupyter_server_config.py). */
export const IMAGE_LISTEN_ADDRESS = '*';

/** The image user by default: Jupyter docker-stacks' jovyan, uid 1000, group users (100). */
export const DEFAULT_USER = { name: 'jovyan', uid: 1000, gid: 100 } as const;

/** The home of the image user: /root for uid 0, else /home/<name>. */
export function homeOf(user: { name: string; uid: number }): string {
  return user.uid === 0 ? '/root' : `/home/${user.name}`;
}

/** Where writable Jupyter state goes in an image: under /tmp, so that any uid (e.g. 4242) can write it. */
export const IMAGE_STATE_DIR = '/tmp/jupyter';

/** Where the image links the Jupyter config directory (the system layer makes the link). */
export const IMAGE_JUPYTER_CONFIG = '/etc/jupyter';

/** The CA bundle path programs in the image use. */
export const IMAGE_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The locale of every image (LANG): UTF-8 without locale data. */
export const IMAGE_LOCALE = 'C.UTF-8';

/** How long the health probe may take before it gives up by itself (below Docker's timeout, HEALTHCHECK_TIMING). */
export const HEALTHCHECK_DEADLINE_SECONDS = 2;

/** The directory temporary files go in when TMPDIR is unset (POSIX). */
export const DEFAULT_TMPDIR = '/tmp';

/**
 * Every environment variable nixlab's images set or read, by role. The image's Env
 * (./environment.ts), the commands (`nixlab run`, `nixlab test`, compose files) and the
 * scripts in nix/ (through runtime.json and runtime.sh) all name a variable through this.
 */
export const ENV = {
  // Jupyter's own (jupyter_core, jupyter_server, JupyterLab) and IPython's.
  jupyterConfigDir: 'JUPYTER_CONFIG_DIR',
  jupyterPath: 'JUPYTER_PATH',
  jupyterDataDir: 'JUPYTER_DATA_DIR',
  jupyterRuntimeDir: 'JUPYTER_RUNTIME_DIR',
  ipythonDir: 'IPYTHONDIR',
  labSettingsDir: 'JUPYTERLAB_SETTINGS_DIR',
  labWorkspacesDir: 'JUPYTERLAB_WORKSPACES_DIR',
  /** The server's token (jupyter_server reads it itself). */
  jupyterToken: 'JUPYTER_TOKEN',
  /** The listen port (docker-stacks' name: `docker run -e JUPYTER_PORT=9999 …`). */
  port: 'JUPYTER_PORT',
  // nixlab's.
  /** The listen address (nix/jupyter_server_config.py). */
  ip: 'NIXLAB_IP',
  notebookDir: 'NIXLAB_NOTEBOOK_DIR',
  healthcheckDeadline: 'NIXLAB_HEALTHCHECK_DEADLINE',
  // What a JupyterHub spawner passes a single-user server (jupyterhub-singleuser reads the rest).
  hubServiceUrl: 'JUPYTERHUB_SERVICE_URL',
  hubServicePrefix: 'JUPYTERHUB_SERVICE_PREFIX',
  hubRootDir: 'JUPYTERHUB_ROOT_DIR',
  hubApiToken: 'JUPYTERHUB_API_TOKEN',
  // docker-stacks' start scripts' (nix/docker-stacks.sh honours these).
  stacksJupyterCmd: 'DOCKER_STACKS_JUPYTER_CMD',
  notebookArgs: 'NOTEBOOK_ARGS',
  restartable: 'RESTARTABLE',
  // Python's.
  pythonDontWriteBytecode: 'PYTHONDONTWRITEBYTECODE',
  pydevdDisableFileValidation: 'PYDEVD_DISABLE_FILE_VALIDATION',
  // The process environment's.
  path: 'PATH',
  home: 'HOME',
  lang: 'LANG',
  sslCertFile: 'SSL_CERT_FILE',
  tmpdir: 'TMPDIR',
  /** The dynamic loader's preload list: nss_wrapper's library for a uid /etc/passwd does not name (nix/start.sh). */
  ldPreload: 'LD_PRELOAD',
  /** nss_wrapper's passwd and group files (the start's copies with the unknown uid added). */
  nssWrapperPasswd: 'NSS_WRAPPER_PASSWD',
  nssWrapperGroup: 'NSS_WRAPPER_GROUP',
} as const;

/** A role in ENV. */
export type EnvRole = keyof typeof ENV;

/** docker-stacks' variables of its root start, which an image with no root start refuses with a line each (nix/docker-stacks.sh). */
export const REFUSED_STACKS_VARIABLES = ['NB_USER', 'NB_UID', 'NB_GID', 'GRANT_SUDO', 'CHOWN_HOME', 'CHOWN_EXTRA', 'NB_UMASK'] as const;

/** Every variable name nixlab knows: ENV's and the refused ones. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set<string>([...Object.values(ENV), ...REFUSED_STACKS_VARIABLES]);

/** What a script reads of a variable when it is unset (the default the scripts apply). */
const SHELL_DEFAULTS: Partial<Record<EnvRole, string>> = {
  port: String(DEFAULT_PORT),
  healthcheckDeadline: String(HEALTHCHECK_DEADLINE_SECONDS),
  tmpdir: DEFAULT_TMPDIR,
};

/** The variables nix/*.sh read, as shell variables `env_<role>` (value) and `name_<role>` (its name). */
export const SHELL_READS = ['port', 'jupyterRuntimeDir', 'healthcheckDeadline', 'tmpdir', 'hubServicePrefix', 'hubApiToken', 'notebookDir', 'home', 'stacksJupyterCmd', 'notebookArgs', 'restartable', 'path', 'ldPreload', 'nssWrapperPasswd', 'nssWrapperGroup'] as const satisfies readonly EnvRole[];

/** `jupyterRuntimeDir` → `jupyter_runtime_dir`. */
export const snakeCase = (role: string): string => role.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A shell word for a constant (single-quoted; the constants hold no quote). */
const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * nixlab/runtime.sh: what nix/*.sh read, as shell assignments (nix/start.nix and
 * nix/jupyter-config.nix put it before each script's body). `env_port` holds JUPYTER_PORT's
 * value (or its default), `name_port` the name itself, for messages.
 */
export function runtimeShell(): string {
  const lines = ['# Generated by nixlab from src/runtime/facts.ts: the environment the scripts read, by role.'];
  for (const role of SHELL_READS) {
    const name = ENV[role];
    lines.push(`name_${snakeCase(role)}=${name}`);
    lines.push(`env_${snakeCase(role)}="\${${name}:-${SHELL_DEFAULTS[role] === undefined ? '' : SHELL_DEFAULTS[role]}}"`);
  }
  lines.push(`refused_stacks_variables=${shellWord(REFUSED_STACKS_VARIABLES.join(' '))}`);
  return `${lines.join('\n')}\n`;
}

/**
 * nixlab/runtime.json: what nix/*.py read (nix/jupyter-config.nix copies it into the Jupyter
 * config directory as nixlab-runtime.json): the variable names by role, and the defaults.
 */
export function runtimeJson(): string {
  const data = { defaults: { ip: LOOPBACK_ADDRESS, port: DEFAULT_PORT, imageListenAddress: IMAGE_LISTEN_ADDRESS }, env: ENV };
  // Keys sorted, one per line: the same bytes every time.
  return `${canonicalJson(data, 2)}\n`;
}

/** The environment that makes an image's server listen on loopback port `port` (`nixlab run`, the chroot runner of `nixlab test`). */
export function loopbackServerEnv(port: number): Record<string, string> {
  return { [ENV.ip]: LOOPBACK_ADDRESS, [ENV.port]: String(port) };
}
