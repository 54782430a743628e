// The system layer: /etc, /tmp, the home, volumes and links a FROM-scratch image needs, and
// every problem with them at its path in the spec.
import { formatSpecPath } from '../../src/image/spec.js';
import { SystemLayerError, systemLayerEntries, type SpecProblem, type TreeEntry } from '../../src/image/system-layer.js';

describe('the system layer', () => {
  const user = { name: 'jovyan', uid: 1000, gid: 100 };
  it('lists users, groups, /tmp, home, volumes and links in depth-first byte order', () => {
    const entries = systemLayerEntries({ user, shell: '/nix/store/b-busybox/bin/sh', envBinary: '/nix/store/b-busybox/bin/env', caBundle: '/nix/store/c-cacert/etc/ssl/certs/ca-bundle.crt', jupyterConfigDir: '/nix/store/j-config', volumes: ['/home/jovyan/work', '/data/shared'], workingDir: '/home/jovyan/work' });
    const summary = entries.map((e) => `${e.type === 'directory' ? 'd' : e.type === 'symlink' ? 'l' : 'f'} ${e.name}${e.type === 'symlink' ? ` -> ${e.target}` : ` ${(e.mode).toString(8)} ${e.uid ?? 0}:${e.gid ?? 0}`}`);
    expect(summary).toEqual([
      'd bin 755 0:0',
      'l bin/sh -> /nix/store/b-busybox/bin/sh',
      'd data 755 0:0',
      'd data/shared 755 1000:100',
      'd etc 755 0:0',
      'f etc/group 644 0:0', // read-only: the start names an unknown uid through nss_wrapper (nix/start.sh)
      'l etc/jupyter -> /nix/store/j-config',
      'f etc/nsswitch.conf 644 0:0',
      'f etc/passwd 644 0:0',
      'd etc/ssl 755 0:0',
      'd etc/ssl/certs 755 0:0',
      'l etc/ssl/certs/ca-bundle.crt -> /nix/store/c-cacert/etc/ssl/certs/ca-bundle.crt',
      'l etc/ssl/certs/ca-certificates.crt -> /nix/store/c-cacert/etc/ssl/certs/ca-bundle.crt',
      'd home 755 0:0',
      'd home/jovyan 755 1000:100',
      'd home/jovyan/work 755 1000:100',
      'd root 700 0:0',
      'd tmp 1777 0:0',
      'd usr 755 0:0',
      'd usr/bin 755 0:0',
      'l usr/bin/env -> /nix/store/b-busybox/bin/env',
      'd var 755 0:0',
      'd var/tmp 1777 0:0',
    ]);
    const text = (name: string) => (entries.find((e) => e.name === name) as { content: Buffer }).content.toString();
    expect(text('etc/passwd')).toBe('root:x:0:0:root:/root:/bin/sh\njovyan:x:1000:100:jovyan:/home/jovyan:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n');
    expect(text('etc/group')).toBe('root:x:0:\nusers:x:100:jovyan\nnogroup:x:65534:\n');
  });

  it.each([
    [{ volumes: ['/etc/passwd'] }, 'volumes[0]', /etc\/passwd would have to be a directory/],
    [{ volumes: ['/nix/store/x'] }, 'volumes[0]', /would hide the Nix store/],
    [{ volumes: ['relative'] }, 'volumes[0]', /is not an absolute path/],
    [{ user: { name: 'Bad', uid: 1000, gid: 100 } }, 'user.name', /is not a valid user name/],
    [{ user: { name: 'x', uid: 300000, gid: 100 } }, 'user.uid', /must be between 0 and 262143/],
    [{ jupyterConfigDir: 'relative' }, 'links.jupyterConfigDir', /is not an absolute path/],
  ])('rejects %p at %s', (opts, at, message) => {
    let problems: SpecProblem[] = [];
    try {
      systemLayerEntries({ user, ...opts });
    } catch (error) {
      if (!(error instanceof SystemLayerError)) throw error;
      problems = error.problems;
    }
    expect(problems.map((p) => formatSpecPath(p.at))).toEqual([at]);
    expect(problems[0]!.message).toMatch(message);
  });

  it('refuses a name that would become a whiteout', () => {
    expect(() => systemLayerEntries({ user, volumes: ['/home/jovyan/.wh.x'] })).toThrow(/whiteout/);
  });

  it('copies listed trees, owned by the user', () => {
    const tree: TreeEntry[] = [
      { rel: '', type: 'directory' },
      { rel: 'a.ipynb', type: 'file', executable: false, size: 3, source: '/nix/store/x-lessons/a.ipynb' },
      { rel: 'run.sh', type: 'file', executable: true, size: 9, source: '/nix/store/x-lessons/run.sh' },
    ];
    const entries = systemLayerEntries({ user, copies: [{ tree, target: '/home/jovyan/lessons' }] });
    const files = entries.filter((e) => e.name.startsWith('home/jovyan/lessons'));
    expect(files.map((e) => [e.name, e.type, 'mode' in e ? e.mode.toString(8) : '', e.uid])).toEqual([
      ['home/jovyan/lessons', 'directory', '755', 1000],
      ['home/jovyan/lessons/a.ipynb', 'file', '644', 1000],
      ['home/jovyan/lessons/run.sh', 'file', '755', 1000],
    ]);
  });
});
