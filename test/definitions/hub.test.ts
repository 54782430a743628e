// The hub key: what validate reports for a JupyterHub single-user config (table), the defaults
// it fills in, the package-set check it can make without building (the offline set's lock), and
// where hub.adminPassword goes in the deployment's files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/definitions/validate.js';
import { SHARED_PASSWORD_MIN_LENGTH } from '../../src/definitions/rules.js';
import { checkPackageSetHub, hubVersionProblem, nativeAuthenticatorProblem, packageSetHubVersion } from '../../src/runtime/hub.js';
import { UserError } from '../../src/errors.js';
import { nixlab } from '../helpers/cli.js';
import { composeYaml, dotEnv, HUB_ADMIN_PASSWORD_VAR, jupyterhubConfigPy } from '../../src/deploy/hub-files.js';

const py = { kind: 'python', name: 'py' };
const volumes = { volumes: ['/home/jovyan/work'] };
const hubConfig = (hub: unknown, image: unknown = volumes) => ({ hub, kernels: [py], image });

const cases: { name: string; config: unknown; errors: [string, string][] }[] = [
  { name: 'version is not major.minor', config: hubConfig({ version: '5.4.1' }), errors: [['$.hub.version', 'is not a JupyterHub major.minor version']] },
  { name: 'version older than any package set', config: hubConfig({ version: '1.5' }), errors: [['$.hub.version', 'older than 4.0']] },
  { name: 'no version: the package set\'s jupyterhub (the hub is built from the same set)', config: hubConfig({ authenticator: 'tmp' }), errors: [] },
  { name: 'unknown authenticator', config: hubConfig({ version: '5.4', authenticator: 'github' }), errors: [['$.hub.authenticator', 'unknown authenticator "github"']] },
  { name: 'no notebook volume', config: hubConfig({ version: '5.4' }, {}), errors: [['$.image', 'needs a volume for notebooks']] },
  { name: 'no image at all', config: { hub: { version: '5.4' }, kernels: [py] }, errors: [['$', 'needs a volume for notebooks']] },
  { name: 'shared password too short', config: hubConfig({ version: '5.4', authenticator: 'shared-password', sharedPassword: 'short' }), errors: [['$.hub.sharedPassword', `JupyterHub refuses passwords shorter than ${SHARED_PASSWORD_MIN_LENGTH.user}`]] },
  { name: 'shared password before JupyterHub 5.3', config: hubConfig({ version: '5.2', authenticator: 'shared-password', sharedPassword: 'long enough' }), errors: [['$.hub.authenticator', 'needs JupyterHub 5.3 or newer']] },
  { name: 'shared-password without a password', config: hubConfig({ version: '5.4', authenticator: 'shared-password' }), errors: [['$.hub', 'needs hub.sharedPassword']] },
  { name: 'a password for another authenticator', config: hubConfig({ version: '5.4', authenticator: 'tmp', sharedPassword: 'long enough' }), errors: [['$.hub.sharedPassword', 'only used by the shared-password authenticator']] },
  { name: 'admin password too short', config: hubConfig({ version: '6.1', authenticator: 'shared-password', sharedPassword: 'long enough', adminPassword: 'a'.repeat(SHARED_PASSWORD_MIN_LENGTH.admin - 1) }), errors: [['$.hub.adminPassword', `JupyterHub refuses admin passwords shorter than ${SHARED_PASSWORD_MIN_LENGTH.admin}`]] },
  { name: 'admin password the same as the users\'', config: hubConfig({ version: '6.1', authenticator: 'shared-password', sharedPassword: 'a'.repeat(40), adminPassword: 'a'.repeat(40) }), errors: [['$.hub.adminPassword', 'refuses to start with the two the same']] },
  // issue 23 medium 4: a control character in a value that goes into .env is refused with its path
  { name: 'issue 23 medium 4: a newline in the shared password', config: hubConfig({ version: '6.1', authenticator: 'shared-password', sharedPassword: 'pass\nNIXLAB_DOCKER_SOCKET=/etc/shadow' }), errors: [['$.hub.sharedPassword', 'the shared password holds a newline at offset 4']] },
  { name: 'issue 23 medium 4: a control character in the admin password', config: hubConfig({ version: '6.1', authenticator: 'shared-password', sharedPassword: 'a workshop password', adminPassword: `${'a'.repeat(40)}\u0007` }), errors: [['$.hub.adminPassword', 'the admin password holds the control character U+0007 at offset 40']] },
  { name: 'issue 23 high 2: a published address that is not IPv4', config: hubConfig({ version: '6.1', address: 'localhost' }), errors: [['$.hub.address', '"localhost" is not an IPv4 address']] },
  { name: 'an admin password for another authenticator', config: hubConfig({ version: '6.1', authenticator: 'native', adminPassword: 'a'.repeat(40) }), errors: [['$.hub.adminPassword', 'only used by the shared-password authenticator']] },
];

describe('validate: hub', () => {
  it('normalises a missing version to null (the package set\'s), and keeps a declared one', () => {
    expect(validateConfig(hubConfig({ authenticator: 'tmp' }), 'nixlab.json', { baseDir: '/' }).config?.hub?.version).toBeNull();
    expect(validateConfig(hubConfig({ version: '5.5' }), 'nixlab.json', { baseDir: '/' }).config?.hub?.version).toBe('5.5');
  });

  it.each(cases)('$name', ({ config, errors }) => {
    const r = validateConfig(config, 'nixlab.json', { baseDir: '/' });
    expect(r.errors.map((e) => [e.where.replace(/^nixlab\.json:/, ''), e.message])).toEqual(errors.map(([at, msg]) => [at, expect.stringContaining(msg)]));
    for (const e of r.errors) expect(e.hint).toBeTruthy();
  });

  it('fills in the defaults: JupyterLab, native, admin, port 8000 on 127.0.0.1', () => {
    const r = validateConfig(hubConfig({ version: '6.1' }), 'nixlab.json', { baseDir: '/' });
    expect(r.errors).toEqual([]);
    expect(r.config!.frontend).toBe('lab');
    expect(r.config!.hub).toEqual({ version: '6.1', authenticator: 'native', admin: 'admin', port: 8000, address: '127.0.0.1' });
  });

  it('keeps an explicit front end', () => {
    expect(validateConfig({ ...hubConfig({ version: '6.1' }), frontend: 'notebook' }, 'nixlab.json', { baseDir: '/' }).config!.frontend).toBe('notebook');
  });
});

describe('the package set against the declared hub version', () => {
  it("reads the offline set's jupyterhub from its lock", () => {
    expect(packageSetHubVersion({ kind: 'offline' })).toMatch(/^\d+\.\d+\.\d+$/);
    expect(packageSetHubVersion({ kind: 'pinned' })).toBeUndefined();
  });

  it('a mismatch names both versions and the fix', () => {
    const p = hubVersionProblem('nixlab.yaml', '5.4', '6.1.1', 'the offline package set')!;
    expect(p.where).toBe('nixlab.yaml:$.hub.version');
    expect(p.message).toContain('JupyterHub 5.4');
    expect(p.message).toContain('jupyterhub 6.1.1');
    expect(p.hint).toContain('version: "6.1"');
    expect(hubVersionProblem('nixlab.yaml', '6.1', '6.1.1', 'x')).toBeUndefined();
  });

  it('validate --pkgs offline refuses a version the offline set does not have', () => {
    const { config } = validateConfig(hubConfig({ version: '5.4' }), 'nixlab.json', { baseDir: '/' });
    expect(() => checkPackageSetHub('nixlab.json', config!, { kind: 'offline' })).toThrow(UserError);
    const offline = packageSetHubVersion({ kind: 'offline' })!.split('.').slice(0, 2).join('.');
    const ok = validateConfig(hubConfig({ version: offline }), 'nixlab.json', { baseDir: '/' }).config!;
    expect(() => checkPackageSetHub('nixlab.json', { ...ok, hub: { ...ok.hub!, authenticator: 'tmp' } }, { kind: 'offline' })).not.toThrow();
  });

  it('accepts the offline NativeAuthenticator (1.3.0); refuses one before 1.0, which fails under JupyterHub 1.0 and later', () => {
    const offline = packageSetHubVersion({ kind: 'offline' })!.split('.').slice(0, 2).join('.');
    const { config } = validateConfig(hubConfig({ version: offline, authenticator: 'native' }), 'nixlab.json', { baseDir: '/' });
    expect(() => checkPackageSetHub('nixlab.json', config!, { kind: 'offline' })).not.toThrow();
    expect(nativeAuthenticatorProblem('nixlab.json', '0.0.4', 'x')!.message).toContain('jupyterhub-nativeauthenticator 0.0.4');
    expect(nativeAuthenticatorProblem('nixlab.json', '1.3.0', 'x')).toBeUndefined();
  });

  it('`nixlab validate --pkgs offline` passes examples/hub (native) and its shared-password fixture; a short admin password is exit 2', async () => {
    for (const dir of ['examples/hub', 'test/deploy/fixtures/hub-shared-password']) {
      const r = await nixlab(['validate', dir, '--pkgs', 'offline']);
      expect({ dir, exitCode: r.exitCode, stderr: r.stderr }).toEqual({ dir, exitCode: 0, stderr: '' });
    }
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-hub-admin-'));
    writeFileSync(join(dir, 'nixlab.json'), JSON.stringify(hubConfig({ version: '6.1', authenticator: 'shared-password', sharedPassword: 'a workshop password', adminPassword: 'too short' })));
    const r = await nixlab(['validate', dir, '--pkgs', 'offline']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('$.hub.adminPassword: the admin password has 9 characters; JupyterHub refuses admin passwords shorter than 32');
  });
});

describe('hub.adminPassword (shared-password)', () => {
  const ADMIN_PASSWORD = 'an admin password of at least thirty-two characters';
  const valid = () => validateConfig(hubConfig({ version: '6.1', authenticator: 'shared-password', sharedPassword: 'a workshop password', adminPassword: ADMIN_PASSWORD }), 'nixlab.json', { baseDir: '/' });

  it('is kept by validate and goes into .env and the hub service, never into jupyterhub_config.py', () => {
    const r = valid();
    expect(r.errors).toEqual([]);
    expect(r.config!.hub!.adminPassword).toBe(ADMIN_PASSWORD);
    const py = jupyterhubConfigPy(r.config!, 'nixlab.json');
    expect(py).toContain(`c.SharedPasswordAuthenticator.admin_password = os.environ["${HUB_ADMIN_PASSWORD_VAR}"]`);
    expect(py).not.toContain(ADMIN_PASSWORD);
    expect(dotEnv(r.config!)).toContain(`\n${HUB_ADMIN_PASSWORD_VAR}='${ADMIN_PASSWORD}'\n`);
    expect(composeYaml(r.config!, 'nixlab.json')).toContain(`${HUB_ADMIN_PASSWORD_VAR}: "\${${HUB_ADMIN_PASSWORD_VAR}}"`);
  });

  it('without one, nixlab hub generates one (43 characters) and keeps it in .env across reruns', () => {
    const r = validateConfig(hubConfig({ version: '6.1', authenticator: 'shared-password', sharedPassword: 'a workshop password' }), 'nixlab.json', { baseDir: '/' });
    expect(r.errors).toEqual([]);
    expect(jupyterhubConfigPy(r.config!, 'nixlab.json')).toContain(`c.SharedPasswordAuthenticator.admin_password = os.environ["${HUB_ADMIN_PASSWORD_VAR}"]`);
    const first = dotEnv(r.config!);
    const generated = new RegExp(`^${HUB_ADMIN_PASSWORD_VAR}='([A-Za-z0-9_-]{43})'$`, 'm').exec(first)![1]!;
    expect(dotEnv(r.config!, { previous: first })).toContain(generated);
    expect(composeYaml(r.config!, 'nixlab.json')).toContain(`${HUB_ADMIN_PASSWORD_VAR}: "\${${HUB_ADMIN_PASSWORD_VAR}}"`);
  });
});
