// image.files: directories copied into the image, checked and normalised.
import { validateConfig } from '../../src/definitions/validate.js';

const kernel = { kind: 'python', name: 'py' };

describe('image.files', () => {
  it('resolves sources against the config and targets against the home', () => {
    const r = validateConfig({ kernels: [kernel], image: { files: [{ source: 'examples/workshop/lessons', target: 'lessons' }, { source: 'examples', target: '/opt/x' }] } }, 'nixlab.yaml', { baseDir: process.cwd() });
    expect(r.errors).toEqual([]);
    expect(r.config!.image.files).toEqual([
      { source: `${process.cwd()}/examples/workshop/lessons`, target: '/home/jovyan/lessons' },
      { source: `${process.cwd()}/examples`, target: '/opt/x' },
    ]);
  });

  it.each([
    [{ source: 'no/such/dir', target: 'x' }, '$.image.files[0].source', 'is not a directory'],
    [{ source: 'package.json', target: 'x' }, '$.image.files[0].source', 'is not a directory'],
    [{ source: '/etc', target: 'x' }, '$.image.files[0].source', '"/etc" is an absolute path; paths here are relative to the config file'],
    [{ source: 'examples', target: '../escape' }, '$.image.files[0].target', '"../escape" contains a ".." segment'],
    [{ source: 'examples', target: 'a/../../escape' }, '$.image.files[0].target', 'contains a ".." segment'],
    [{ source: 'examples' }, '$.image.files[0]', 'target'],
  ])('rejects %j at %s', (file, where, message) => {
    const r = validateConfig({ kernels: [kernel], image: { files: [file] } }, 'nixlab.yaml', { baseDir: process.cwd() });
    const hit = r.errors.find((e) => e.where === `nixlab.yaml:${where}`);
    expect(hit).toBeDefined();
    expect(message.length).toBeGreaterThan(5);
    expect(hit!.message).toContain(message);
    expect(hit!.hint).toBeTruthy();
  });
});

describe('reserved kernel names', () => {
  it.each(['python', 'Python'])('refuses %s (jupyter_client renames it to python3)', (name) => {
    const r = validateConfig({ kernels: [{ kind: 'python', name }] }, 'nixlab.yaml');
    expect(r.errors.map((e) => e.where)).toContain('nixlab.yaml:$.kernels[0].name');
    expect(r.errors.find((e) => e.where === 'nixlab.yaml:$.kernels[0].name')!.message).toContain('reserved');
  });
  // Regression (issue 24, "no kernel is named python3"): notebooks, nbconvert and papermill ask
  // for python3, so it is a kernel name like any other.
  it.each(['python3', 'Python3'])('accepts %s', (name) => {
    expect(validateConfig({ kernels: [{ kind: 'python', name }] }, 'nixlab.yaml').errors).toEqual([]);
  });
});
