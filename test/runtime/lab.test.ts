// lab.extensions: the schema's rule, validate's errors (each with a hint), the offline set's
// names (validate --pkgs offline), and the emitted server environment.
import { validateConfig } from '../../src/definitions/validate.js';
import { emitMappedFiles } from '../../src/nix/emit.js';
import { labExtensionProblems } from '../../src/runtime/lab.js';

const kernels = [{ kind: 'python', name: 'py' }];

describe('lab.extensions validation', () => {
  test.each([
    { name: 'npm name', ext: '@jupyterlab/git', where: '$.lab.extensions[0]', message: /npm name/, hint: /"jupyterlab-git"/ },
    { name: 'pip requirement', ext: 'jupyterlab-git==0.55', where: '$.lab.extensions[0]', message: /pip requirement/, hint: /"jupyterlab-git"/ },
    { name: 'two names in one item', ext: 'jupyterlab-git jupyterlab-widgets', where: '$.lab.extensions[0]', message: /several names/, hint: /own list item/ },
    { name: 'a number', ext: 3, where: '$.lab.extensions[0]', message: /must be a string/, hint: /quotes/ },
  ])('$name', ({ ext, where, message, hint }) => {
    const r = validateConfig({ frontend: 'lab', lab: { extensions: [ext] }, kernels }, 'c.json');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.where).toBe(`c.json:${where}`);
    expect(r.errors[0]!.message).toMatch(message);
    expect(r.errors[0]!.hint).toMatch(hint);
  });

  test('unknown key under lab', () => {
    const r = validateConfig({ frontend: 'lab', lab: { extension: ['jupyterlab-git'] }, kernels }, 'c.json');
    expect(r.errors.map((e) => [e.where, e.hint])).toEqual([['c.json:$.lab.extension', expect.stringMatching(/did you mean "extensions"/)]]);
  });

  test('frontend server has nothing to load extensions', () => {
    const r = validateConfig({ frontend: 'server', lab: { extensions: ['jupyterlab-git'] }, kernels }, 'c.json');
    expect(r.errors).toEqual([{ where: 'c.json:$.lab.extensions', message: expect.stringMatching(/frontend "server" has no browser front end/), hint: expect.stringMatching(/"lab" or "notebook"/) }]);
  });

  test('repeats and the front end itself are warnings; the normalised list has no repeats', () => {
    const r = validateConfig({ frontend: 'lab', lab: { extensions: ['jupyterlab-git', 'jupyterlab', 'jupyterlab-git'] }, kernels }, 'c.json');
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.where)).toEqual(['c.json:$.lab.extensions[1]', 'c.json:$.lab.extensions[2]']);
    expect(r.warnings.every((w) => w.hint)).toBe(true);
    expect(r.config?.lab).toEqual({ extensions: ['jupyterlab-git', 'jupyterlab'] });
  });

  test('no lab section: no lab in the normalised config', () => {
    expect(validateConfig({ kernels }, 'c.json').config).not.toHaveProperty('lab');
  });

  test('validate --pkgs offline: names the offline lock lacks, at their written index, with close names', () => {
    const data = { frontend: 'lab', lab: { extensions: ['jupyterlab-git', 'jupyterlab-git', 'jupyterlab_git', 'jupyterlab-execute-time'] }, kernels };
    const r = validateConfig(data, 'c.json');
    const problems = labExtensionProblems('c.json', r.config!, { kind: 'offline' }, r.data);
    expect(problems.map((p) => p.where)).toEqual(['c.json:$.lab.extensions[2]', 'c.json:$.lab.extensions[3]']);
    expect(problems[0]!.hint).toMatch(/"jupyterlab-git"/);
    expect(problems[1]!.hint).toMatch(/lock-wheels\.py/);
    expect(labExtensionProblems('c.json', r.config!, { kind: 'pinned' }, r.data)).toEqual([]);
  });
});

describe('lab.extensions in the emitted server environment', () => {
  test('extensions join the server withPackages (not a kernel env), each mapped to its config path', () => {
    const data = { frontend: 'lab', lab: { extensions: ['jupyterlab-git', 'jupyterlab-widgets'] }, kernels };
    const r = validateConfig(data, 'c.json');
    const out = emitMappedFiles(r.config!, 'c.json', r.data);
    // (papermill is in every server environment: runtime/targets.ts SERVER_TOOLS; the list is long enough to wrap.)
    expect(out.defaultNix.replace(/\s+/g, ' ')).toContain('server = pkgs.python3.withPackages (ps: [ ps.jupyterlab ps.papermill ps.jupyterlab-git ps.jupyterlab-widgets ]);');
    expect(out.defaultNix).toContain('kernelEnv0 = pkgs.python3.withPackages (ps: [ ps.ipykernel ]);');
    const entries = out.sourceMap.entries.filter((e) => e.path[0] === 'lab');
    expect(entries.map((e) => [e.at, e.role, e.set, e.attr])).toEqual([
      ['$.lab.extensions[0]', 'package', 'python3Packages', ['jupyterlab-git']],
      ['$.lab.extensions[1]', 'package', 'python3Packages', ['jupyterlab-widgets']],
    ]);
  });
});
