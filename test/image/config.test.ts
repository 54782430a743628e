// Image config: what docker load would reject is caught first, as problems naming the field.
import { UserError } from '../../src/errors.js';
import { buildImageConfig, checkImageConfig, createdTimestamp, parseReference, type ImageConfigOptions } from '../../src/image/config.js';
import { formatSpecPath } from '../../src/image/spec.js';
import { canonicalJson } from '../../src/json.js';

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
    ['Nixlab:latest', /use "nixlab"/],
    ['nixlab:bad tag', /not a valid image tag/],
    ['nixlab:-x', /not a valid image tag/],
    ['a//b:1', /not a valid image repository name/],
    ['nixlab@sha256:abc', /names a digest/],
    ['-lead:1', /not a valid image repository name/],
  ])('rejects %s', (ref, message) => {
    expect(() => parseReference(ref)).toThrow(UserError);
    expect(() => parseReference(ref)).toThrow(message);
  });
});

describe('checkImageConfig', () => {
  const cases: { name: string; config: Partial<ImageConfigOptions>; errors: string[] }[] = [
    { name: 'a valid config', config: { env: ['A=1', 'B='], cmd: ['jupyter', 'lab'], exposedPorts: [8888, '53/udp'] }, errors: [] },
    { name: 'duplicate env keys', config: { env: ['A=1', 'B=2', 'A=3'] }, errors: ['env.A: A is set twice. Fix: keep one of them'] },
    { name: 'env without =', config: { env: ['JUSTKEY'] }, errors: ['env[0]: must be KEY=value, got "JUSTKEY". Fix: write JUSTKEY=value'] },
    { name: 'a token in Env', config: { env: ['JUPYTER_TOKEN=abc'] }, errors: ['env.JUPYTER_TOKEN: JUPYTER_TOKEN looks like a secret: in the image it would be readable by anyone who has the image. Fix: remove it and pass it when the container starts (docker run -e JUPYTER_TOKEN=…)'] },
    { name: 'any *_TOKEN in Env', config: { env: ['GITHUB_TOKEN=x'] }, errors: ['env.GITHUB_TOKEN: GITHUB_TOKEN looks like a secret: in the image it would be readable by anyone who has the image. Fix: remove it and pass it when the container starts (docker run -e GITHUB_TOKEN=…)'] },
    { name: 'a token in Cmd', config: { cmd: ['jupyter', 'lab', '--IdentityProvider.token=abc'] }, errors: ['cmd[2]: sets a token on the command line, which would be stored in the image. Fix: pass it at run time (docker run -e JUPYTER_TOKEN=…) instead'] },
    { name: 'non-string argv', config: { entrypoint: ['/bin/tini', 1 as unknown as string] }, errors: ['entrypoint[1]: must be a string, got 1. Fix: quote numbers: "8888"'] },
    { name: 'argv not an array', config: { cmd: 'jupyter lab' as unknown as string[] }, errors: ['cmd: must be a list of strings, got "jupyter lab". Fix: give a list of strings'] },
    { name: 'relative workdir', config: { workingDir: 'home/x' }, errors: ['workingDir: "home/x" is not an absolute path. Fix: start it with "/", e.g. "/home/x"'] },
    { name: 'bad port', config: { exposedPorts: [70000] }, errors: ['exposedPorts[0]: must be a port 1-65535 with optional /tcp or /udp, got 70000. Fix: write e.g. 8888 or 8888/tcp'] },
  ];
  it.each(cases)('$name', ({ config, errors }) => {
    expect(checkImageConfig({ ...base, ...config }).map((p) => `${formatSpecPath(p.at)}: ${p.message}. Fix: ${p.hint}`)).toEqual(errors);
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
