// The environment Jupyter runs in, written once for every place it runs: the image's Env and
// the shellHook of shell.nix come from the same list. A value is made of literal text and
// references to places (the notebook environment's store path, the Jupyter config directory,
// the state directory, the notebook directory, where JupyterLab's settings and workspaces are
// kept) that each place fills in its own way.

/** Places a variable's value can refer to. */
export type Place = 'env' | 'config' | 'state' | 'notebooks' | 'lab';

/** A variable's value: literal text and places, concatenated. */
export type Value = (string | { place: Place })[];

/** One variable. */
export interface Variable {
  name: string;
  value: Value;
  /** Why a config may not set it (image.env), when it may not. */
  reserved?: string;
}

const at = (place: Place, rest = ''): Value => (rest ? [{ place }, rest] : [{ place }]);

/** What Jupyter needs wherever it runs: its config in the store, writable state outside it. */
export const JUPYTER_VARIABLES: readonly Variable[] = [
  { name: 'JUPYTER_CONFIG_DIR', value: at('config'), reserved: 'it points Jupyter at the config nixlab generates' },
  { name: 'JUPYTER_PATH', value: at('env', '/share/jupyter'), reserved: 'it points Jupyter at the kernels nixlab declares' },
  { name: 'JUPYTER_DATA_DIR', value: at('state', '/data'), reserved: 'it keeps Jupyter state out of the read-only store' },
  { name: 'JUPYTER_RUNTIME_DIR', value: at('state', '/runtime'), reserved: 'it keeps Jupyter state out of the read-only store' },
  { name: 'IPYTHONDIR', value: at('state', '/ipython') },
  // JupyterLab's (and Notebook 7's) user settings and workspaces: kept where they persist
  // (labStateDir() for an image, ./.jupyter/lab for `nixlab shell`). Not reserved: image.env or
  // `docker run -e` may move them.
  { name: 'JUPYTERLAB_SETTINGS_DIR', value: at('lab', '/user-settings') },
  { name: 'JUPYTERLAB_WORKSPACES_DIR', value: at('lab', '/workspaces') },
  { name: 'NIXLAB_NOTEBOOK_DIR', value: at('notebooks'), reserved: 'it is the notebook directory; set image.volumes (the first volume) or image.workdir' },
  // Nothing may write bytecode into the store (Debian and PyPI packages ship none).
  { name: 'PYTHONDONTWRITEBYTECODE', value: ['1'] },
  // ipykernel's debugger otherwise warns about frozen modules at every kernel start.
  { name: 'PYDEVD_DISABLE_FILE_VALIDATION', value: ['1'] },
];

/** Where writable Jupyter state goes in an image: under /tmp, so that any uid (e.g. 4242) can write it. */
export const IMAGE_STATE_DIR = '/tmp/jupyter';

/** Where JupyterLab's settings and workspaces go below the directory that keeps them: JupyterLab's own layout under ~/.jupyter. */
export const LAB_STATE_SUBDIR = '.jupyter/lab';

/** `path` is `dir` or inside it. */
const within = (path: string, dir: string): boolean => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/**
 * Where an image keeps JupyterLab's user settings and workspaces, so that they outlive the
 * container: under the home (`~/.jupyter/lab`, JupyterLab's own place) when the home is a
 * volume or inside one; else under the first volume (`<volume>/.jupyter/lab`, hidden from the
 * file browser); with no volume, under the state directory in /tmp (any uid can write it;
 * nothing outlives the container then).
 */
export function labStateDir(opts: { home: string; volumes: readonly string[] }): string {
  if (opts.volumes.some((v) => within(opts.home, v))) return `${opts.home}/${LAB_STATE_SUBDIR}`;
  if (opts.volumes.length) return `${opts.volumes[0]!.replace(/\/+$/, '')}/${LAB_STATE_SUBDIR}`;
  return `${IMAGE_STATE_DIR}/lab`;
}

/** Where the image links the Jupyter config directory (the system layer makes the link). */
export const IMAGE_JUPYTER_CONFIG = '/etc/jupyter';

/** The CA bundle path programs in the image use. */
export const IMAGE_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** What the image adds: a full PATH, the user's home, the listen address and port. */
export function imageVariables(opts: { envPath: string; startPath: string; shellPath: string; home: string; port: number }): Variable[] {
  return [
    // The start's bin/ holds docker-stacks' entry points (start-notebook.py, …).
    { name: 'PATH', value: [`${opts.envPath}/bin:${opts.startPath}/bin:${opts.shellPath}/bin`] },
    { name: 'HOME', value: [opts.home] },
    { name: 'LANG', value: ['C.UTF-8'] },
    { name: 'SSL_CERT_FILE', value: [IMAGE_CA_BUNDLE] },
    ...JUPYTER_VARIABLES,
    // `*`: every address, IPv6 and IPv4 when the container has IPv6 (jupyter_server_config.py).
    { name: 'NIXLAB_IP', value: ['*'], reserved: 'a container listens on every address' },
    // docker-stacks' name: `docker run -e JUPYTER_PORT=9999 …` moves the server.
    { name: 'JUPYTER_PORT', value: [String(opts.port)], reserved: 'set the port with image.port (or at run time: docker run -e JUPYTER_PORT=…)' },
  ];
}

/** The names a config's image.env may not set, with the reason. */
export const RESERVED_VARIABLES: ReadonlyMap<string, string> = new Map(
  imageVariables({ envPath: '', startPath: '', shellPath: '', home: '', port: 0 }).flatMap((v) => (v.reserved ? [[v.name, v.reserved] as [string, string]] : [])),
);

/** A value with every place filled in as text. */
export function resolveValue(value: Value, places: Record<Place, string>): string {
  return value.map((part) => (typeof part === 'string' ? part : places[part.place])).join('');
}
