// The environment Jupyter runs in, written once for every place it runs: the image's Env and
// the shellHook of shell.nix come from the same list. A value is made of literal text and
// references to places (the notebook environment's store path, the Jupyter config directory,
// the state directory, the notebook directory, where JupyterLab's settings and workspaces are
// kept) that each place fills in its own way. The names and paths are ./facts.ts's.
import { ENV, IMAGE_CA_BUNDLE, IMAGE_LISTEN_ADDRESS, IMAGE_LOCALE, IMAGE_STATE_DIR } from './facts.js';

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
  { name: ENV.jupyterConfigDir, value: at('config'), reserved: 'it points Jupyter at the config nixlab generates' },
  { name: ENV.jupyterPath, value: at('env', '/share/jupyter'), reserved: 'it points Jupyter at the kernels nixlab declares' },
  { name: ENV.jupyterDataDir, value: at('state', '/data'), reserved: 'it keeps Jupyter state out of the read-only store' },
  { name: ENV.jupyterRuntimeDir, value: at('state', '/runtime'), reserved: 'it keeps Jupyter state out of the read-only store' },
  { name: ENV.ipythonDir, value: at('state', '/ipython') },
  // JupyterLab's (and Notebook 7's) user settings and workspaces: kept where they persist
  // (labStateDir() for an image, ./.jupyter/lab for `nixlab shell`). Not reserved: image.env or
  // `docker run -e` may move them.
  { name: ENV.labSettingsDir, value: at('lab', '/user-settings') },
  { name: ENV.labWorkspacesDir, value: at('lab', '/workspaces') },
  { name: ENV.notebookDir, value: at('notebooks'), reserved: 'it is the notebook directory; set image.volumes (the first volume) or image.workdir' },
  // Nothing may write bytecode into the store (Debian and PyPI packages ship none).
  { name: ENV.pythonDontWriteBytecode, value: ['1'] },
  // ipykernel's debugger otherwise warns about frozen modules at every kernel start.
  { name: ENV.pydevdDisableFileValidation, value: ['1'] },
];

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

/** What the image adds: a full PATH, the user's home, the listen address and port. */
export function imageVariables(opts: { envPath: string; startPath: string; shellPath: string; home: string; port: number }): Variable[] {
  return [
    // The start's bin/ holds docker-stacks' entry points (start-notebook.py, …).
    { name: ENV.path, value: [`${opts.envPath}/bin:${opts.startPath}/bin:${opts.shellPath}/bin`] },
    { name: ENV.home, value: [opts.home] },
    { name: ENV.lang, value: [IMAGE_LOCALE] },
    { name: ENV.sslCertFile, value: [IMAGE_CA_BUNDLE] },
    ...JUPYTER_VARIABLES,
    // `*`: every address, IPv6 and IPv4 when the container has IPv6 (jupyter_server_config.py).
    { name: ENV.ip, value: [IMAGE_LISTEN_ADDRESS], reserved: 'a container listens on every address' },
    // docker-stacks' name: `docker run -e JUPYTER_PORT=9999 …` moves the server.
    { name: ENV.port, value: [String(opts.port)], reserved: `set the port with image.port (or at run time: docker run -e ${ENV.port}=…)` },
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
