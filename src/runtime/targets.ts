// Runtime targets: how Jupyter runs in the environment. A front end is the server package and
// the program that starts it; the image's Cmd, `nixlab shell` and the server environment's
// packages all come from here.

/** One way of running Jupyter. */
export interface FrontEnd {
  name: 'lab' | 'notebook' | 'server';
  /** What users get (the schema's description of the value). */
  summary: string;
  /** nixpkgs Python package attribute names of the server environment (pkgs/top-level/python-packages.nix). */
  serverPackages: string[];
  /** The program that starts it, from the notebook environment's bin/. */
  command: string;
  /** It loads prebuilt JupyterLab extensions from the data path (`lab.extensions`). */
  labExtensions: boolean;
}

/** The front ends, by config value. */
export const FRONT_ENDS = {
  lab: { name: 'lab', summary: 'JupyterLab', serverPackages: ['jupyterlab'], command: 'jupyter-lab', labExtensions: true },
  notebook: { name: 'notebook', summary: 'Jupyter Notebook 7', serverPackages: ['notebook'], command: 'jupyter-notebook', labExtensions: true },
  server: { name: 'server', summary: 'Jupyter Server without a front end (REST API and kernels only)', serverPackages: ['jupyter-server'], command: 'jupyter-server', labExtensions: false },
} as const satisfies Record<string, FrontEnd>;

export type FrontEndName = keyof typeof FRONT_ENDS;

/**
 * Python packages every server environment has besides the front end: papermill, so that
 * `docker run IMAGE papermill in.ipynb out.ipynb` executes a notebook as `jupyter nbconvert
 * --execute` does. The image's `papermill` is nixlab's wrapper (nix/lib.nix, `env`): papermill is
 * not a Jupyter application and reads no Jupyter config, so the wrapper loads the kernel
 * allow-list (jupyter_config.py) into its process first.
 */
export const SERVER_TOOLS = ['papermill'] as const;

/** The front end when the config names none. */
export const DEFAULT_FRONT_END: FrontEndName = 'notebook';

/** The config values of `frontend`, in the order the docs list them. */
export const frontEndNames = Object.keys(FRONT_ENDS) as FrontEndName[];
