// Where an image keeps JupyterLab's settings and workspaces (labStateDir), and that the image's
// Env and shell.nix both carry JUPYTERLAB_SETTINGS_DIR and JUPYTERLAB_WORKSPACES_DIR.
import { JUPYTER_VARIABLES, RESERVED_VARIABLES, labStateDir } from '../../src/runtime/environment.js';

describe('labStateDir', () => {
  it.each([
    ['the home is a volume', '/home/jovyan', ['/data', '/home/jovyan'], '/home/jovyan/.jupyter/lab'],
    ['the home is inside a volume', '/home/jovyan', ['/home'], '/home/jovyan/.jupyter/lab'],
    ['another volume only', '/home/jovyan', ['/data', '/scratch'], '/data/.jupyter/lab'],
    ['a volume whose name starts like the home is not the home', '/home/jo', ['/home/jovyan'], '/home/jovyan/.jupyter/lab'],
    ['no volume: the state directory in /tmp', '/home/jovyan', [], '/tmp/jupyter/lab'],
  ])('%s', (_what, home, volumes, expected) => {
    expect(labStateDir({ home, volumes })).toBe(expected);
  });
});

describe('the JupyterLab variables', () => {
  it('are set wherever Jupyter runs, below the lab place, and a config may move them', () => {
    const byName = new Map(JUPYTER_VARIABLES.map((v) => [v.name, v.value]));
    expect(byName.get('JUPYTERLAB_SETTINGS_DIR')).toEqual([{ place: 'lab' }, '/user-settings']);
    expect(byName.get('JUPYTERLAB_WORKSPACES_DIR')).toEqual([{ place: 'lab' }, '/workspaces']);
    expect(RESERVED_VARIABLES.has('JUPYTERLAB_SETTINGS_DIR')).toBe(false);
  });
});
