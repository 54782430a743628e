// Image config: what docker load would reject is caught first, as UserErrors naming the field.
import { UserError } from '../../src/errors.js';
import { buildImageConfig, canonicalJson, checkImageConfig, createdTimestamp, parseReference, type ImageConfigOptions } from '../../src/image/config.js';
import { customisationEntries } from '../../src/image/custom-layer.js';

const base: ImageConfigOptions = { user: { uid: 1000, gid: 100 }, created: '1970-01-01T00:00:01Z', architecture: 'amd64' };

describe('references', () => {
  it.each([
    ['nixlab-demo', { repository: 'nixlab-demo', tag: 'latest' }],
    ['nixlab-demo:1.0', { repository: 'nixlab-demo', tag: '1.0' }],
    ['ghcr.io/org/lab:2024-05-01', { repository: 'ghcr.io/org/lab', tag: '2024-05-01' }],
    ['localhost:5000/a/b__c', { repository: 'localhost:5000/a/b__c', tag: 'latest' }],
  ])('accepts %s', (ref, expected) => {
    expect(parseReference(ref)).toEqual(expected);
  });

  it.each([
    ['Nixlab:latest', /use nixlab/],
    ['nixlab:bad tag', /not a valid tag/],
    ['nixlab:-x', /not a valid tag/],
    ['a//b:1', /not a valid repository/],
    ['nixlab@sha256:abc', /digests/],
    ['-lead:1', /not a valid repository/],
  ])('rejects %s', (ref, message) => {
    expect(() => parseReference(ref)).toThrow(UserError);
    expect(() => parseReference(ref)).toThrow(message);
  });
});

describe('checkImageConfig', () => {
  const cases: { name: string; config: Partial<ImageConfigOptions>; errors: string[] }[] = [
    { name: 'a valid config', config: { env: ['A=1', 'B='], cmd: ['jupyter', 'lab'], exposedPorts: [8888, '53/udp'] }, errors: [] },
    { name: 'duplicate env keys', config: { env: ['A=1', 'B=2', 'A=3'] }, errors: ['env[2]: A is set twice (also env[0]). Fix: keep one of them'] },
    { name: 'env without =', config: { env: ['JUSTKEY'] }, errors: ['env[0]: must be KEY=value, got "JUSTKEY". Fix: write JUSTKEY=value'] },
    { name: 'a token in Env', config: { env: ['JUPYTER_TOKEN=abc'] }, errors: ['env[0]: JUPYTER_TOKEN looks like a secret and would be stored in the image. Fix: pass it at run time: docker run -e JUPYTER_TOKEN=…'] },
    { name: 'a token in Cmd', config: { cmd: ['jupyter', 'lab', '--IdentityProvider.token=abc'] }, errors: ['cmd[2]: sets a token on the command line, which would be stored in the image. Fix: pass it at run time (docker run -e JUPYTER_TOKEN=…) instead'] },
    { name: 'non-string argv', config: { entrypoint: ['/bin/tini', 1 as unknown as string] }, errors: ['entrypoint[1]: must be a string, got 1. Fix: quote numbers: "8888"'] },
    { name: 'argv not an array', config: { cmd: 'jupyter lab' as unknown as string[] }, errors: ['cmd: must be an array of strings, got "jupyter lab"'] },
    { name: 'relative workdir', config: { workingDir: 'home/x' }, errors: ['workingDir: must be an absolute path, got "home/x". Fix: write /home/x'] },
    { name: 'bad port', config: { exposedPorts: [70000] }, errors: ['exposedPorts[0]: must be a port 1-65535 with optional /tcp or /udp, got 70000'] },
  ];
  it.each(cases)('$name', ({ config, errors }) => {
    expect(checkImageConfig({ ...base, ...config }).map((p) => (p.hint ? `${p.where}: ${p.message}. Fix: ${p.hint}` : `${p.where}: ${p.message}`))).toEqual(errors);
  });

  it('empty token (auth disabled) is not a secret, a token with a value is', () => {
    expect(checkImageConfig({ ...base, env: ['JUPYTER_TOKEN='] })).toEqual([]);
  });
});

describe('buildImageConfig', () => {
  it('writes the docker/OCI fields with sorted keys and a digest of its bytes', () => {
    const c = buildImageConfig({ ...base, entrypoint: ['/t', '-g', '--'], cmd: ['sh'], env: ['B=1', 'A=2'], workingDir: '/home/jovyan', exposedPorts: [8888], volumes: ['/home/jovyan/work'], labels: { 'org.opencontainers.image.title': 'x' } }, [
      { diffId: 'sha256:aa', history: { created_by: 'nix store paths: /nix/store/a' } },
    ]);
    expect(c.json).toEqual({
      architecture: 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:01Z',
      config: { User: '1000:100', Env: ['B=1', 'A=2'], Entrypoint: ['/t', '-g', '--'], Cmd: ['sh'], WorkingDir: '/home/jovyan', ExposedPorts: { '8888/tcp': {} }, Volumes: { '/home/jovyan/work': {} }, Labels: { 'org.opencontainers.image.title': 'x' } },
      rootfs: { type: 'layers', diff_ids: ['sha256:aa'] },
      history: [{ created: '1970-01-01T00:00:01Z', created_by: 'nix store paths: /nix/store/a' }],
    });
    expect(c.bytes.toString()).toBe(canonicalJson(c.json));
    expect(c.bytes.toString().startsWith('{"architecture":"amd64","config":{"Cmd":["sh"],"Entrypoint"')).toBe(true);
  });

  it('takes created from SOURCE_DATE_EPOCH', () => {
    expect(createdTimestamp(undefined)).toBe('1970-01-01T00:00:01Z');
    expect(createdTimestamp('1700000000')).toBe('2023-11-14T22:13:20Z');
    expect(() => createdTimestamp('yesterday')).toThrow(UserError);
  });
});

describe('customisation layer', () => {
  const user = { name: 'jovyan', uid: 1000, gid: 100 };
  it('lists users, groups, /tmp, home, volumes and links in depth-first byte order', () => {
    const entries = customisationEntries({ user, shell: '/nix/store/b-busybox/bin/sh', envBinary: '/nix/store/b-busybox/bin/env', caBundle: '/nix/store/c-cacert/etc/ssl/certs/ca-bundle.crt', jupyterConfigDir: '/nix/store/j-config', volumes: ['/home/jovyan/work', '/data/shared'], workingDir: '/home/jovyan/work' });
    const summary = entries.map((e) => `${e.type === 'directory' ? 'd' : e.type === 'symlink' ? 'l' : 'f'} ${e.name}${e.type === 'symlink' ? ` -> ${e.target}` : ` ${(e.mode).toString(8)} ${e.uid ?? 0}:${e.gid ?? 0}`}`);
    expect(summary).toEqual([
      'd bin 755 0:0',
      'l bin/sh -> /nix/store/b-busybox/bin/sh',
      'd data 755 0:0',
      'd data/shared 755 1000:100',
      'd etc 755 0:0',
      'f etc/group 644 0:0',
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
    [{ volumes: ['/etc/passwd'] }, /etc\/passwd would have to be a directory/],
    [{ volumes: ['/nix/store/x'] }, /would hide the Nix store/],
    [{ volumes: ['relative'] }, /must be an absolute path/],
    [{ volumes: ['/home/jovyan/.wh.x'] }, /whiteout/],
    [{ user: { name: 'Bad', uid: 1000, gid: 100 } }, /user.name: must match/],
    [{ user: { name: 'x', uid: 300000, gid: 100 } }, /user.uid: must be an integer from 0 to 262143/],
    [{ jupyterConfigDir: 'relative' }, /jupyterConfigDir: must be an absolute path/],
  ])('rejects %p', (opts, message) => {
    expect(() => customisationEntries({ user, ...opts })).toThrow(message);
  });
});
