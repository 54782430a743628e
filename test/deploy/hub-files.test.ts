// The hub deployment's files (src/deploy/hub-files.ts) without building anything: .env values
// read back by the real docker-compose (Debian's 1.29, python-dotenv 0.21) as the same bytes,
// a rerun keeping the user's lines of .env, the admin made before the hub answers for every
// authenticator, the port published on 127.0.0.1 unless the config says otherwise, and the
// proxy's pid file on a tmpfs. The same files run for real in hub-native.test.ts and hub.test.ts.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HUB_AUTHENTICATORS, type HubAuthenticator } from '../../src/definitions/rules.js';
import type { NormalizedConfig } from '../../src/definitions/types.js';
import { validateConfig } from '../../src/definitions/validate.js';
import {
  ADMIN_LOGS_IN_WITH_PASSWORD,
  composeYaml,
  dotEnv,
  dotEnvValue,
  DotEnvValueError,
  HUB_ADMIN_PASSWORD_VAR,
  HUB_RUNTIME_DIR,
  HUB_SHARED_PASSWORD_VAR,
  hubAdminPassword,
  jupyterhubConfigPy,
  NATIVE_PASSWORD_RULES,
  parseDotEnv,
} from '../../src/deploy/hub-files.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-hub-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function config(hub: Record<string, unknown>): NormalizedConfig {
  const r = validateConfig({ hub: { version: '6.1', ...hub }, kernels: [{ kind: 'python', name: 'py' }], image: { volumes: ['/home/jovyan/work'] } }, 'nixlab.json', { baseDir: '/' });
  expect(r.errors).toEqual([]);
  return r.config!;
}
const passwords = (auth: HubAuthenticator) => (auth === 'shared-password' ? { sharedPassword: 'a workshop password' } : {});

/** The hub service's environment as `docker-compose config` prints it for a deployment directory (it writes `$` as `$$`). */
async function composeEnvironment(dir: string): Promise<Record<string, string>> {
  const { stdout } = await execa('docker-compose', ['config'], { cwd: dir, env: { HOME: '/nonexistent-home' } });
  const env = (parse(stdout) as { services: { jupyterhub: { environment: Record<string, string> } } }).services.jupyterhub.environment;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replaceAll('$$', '$')]));
}

describe('issue 23 medium 4: .env values reach docker-compose unchanged', () => {
  const values = [
    'pa$$word #1',
    '${HOME}',
    '$HOME and ${HOME:-x} and ${:-$} and $',
    `it's "quoted" and 'single'`,
    'back\\slash \\\\ \\\' \\" \\n end\\',
    '  spaces around  ',
    '#starts with a hash',
    'ünïcødé ✓ = and = signs',
    "ends with a backslash\\",
    "\\'\\\\''\\",
  ];

  it.each(values)('%j → .env → docker-compose config → the same bytes', async (value) => {
    const dir = mkdtempSync(join(work, 'rt-'));
    const cfg = config({ authenticator: 'shared-password', sharedPassword: value.padEnd(8, '.'), adminPassword: `${value} `.padEnd(40, '!') });
    writeFileSync(join(dir, 'compose.yaml'), composeYaml(cfg, 'nixlab.json'));
    const env = dotEnv(cfg);
    writeFileSync(join(dir, '.env'), env);
    const got = await composeEnvironment(dir);
    expect(Buffer.from(got[HUB_SHARED_PASSWORD_VAR]!)).toEqual(Buffer.from(cfg.hub!.sharedPassword!));
    expect(Buffer.from(got[HUB_ADMIN_PASSWORD_VAR]!)).toEqual(Buffer.from(cfg.hub!.adminPassword!));
    // nixlab reads its own quoting back the same way (the admin password a rerun keeps).
    expect(parseDotEnv(env).get(HUB_SHARED_PASSWORD_VAR)).toBe(cfg.hub!.sharedPassword);
  });

  it('a newline or another control character is never written: dotEnvValue refuses it, naming the variable', () => {
    expect(() => dotEnvValue(HUB_SHARED_PASSWORD_VAR, 'pass\nNIXLAB_DOCKER_SOCKET=/etc/shadow')).toThrow(DotEnvValueError);
    expect(() => dotEnvValue(HUB_SHARED_PASSWORD_VAR, 'pass\rword')).toThrow(`${HUB_SHARED_PASSWORD_VAR} holds a carriage return at offset 4`);
    const r = validateConfig({ hub: { version: '6.1', authenticator: 'shared-password', sharedPassword: 'pass\nNIXLAB_DOCKER_SOCKET=/etc/shadow' }, kernels: [{ kind: 'python', name: 'py' }], image: { volumes: ['/w'] } }, 'nixlab.json', { baseDir: '/' });
    expect(r.errors.map((e) => e.where)).toEqual(['nixlab.json:$.hub.sharedPassword']);
  });
});

describe("issue 23 low: rerunning nixlab hub keeps the user's lines of .env", () => {
  const cfg = () => config({ authenticator: 'native' });

  it('keeps a port, an API token, comments and settings of their own below nixlab\'s lines; rewrites only its own', () => {
    const first = dotEnv(cfg());
    const edited = `${first}# my settings\nNIXLAB_HUB_PORT=9000\nNIXLAB_HUB_API_TOKEN=abc123\nMY_SETTING='x y'\n`;
    const second = dotEnv(cfg(), { previous: edited });
    expect(second).toBe(edited);
    // The generated admin password is kept too (it is what the operator was shown).
    expect(parseDotEnv(second).get(HUB_ADMIN_PASSWORD_VAR)).toBe(parseDotEnv(first).get(HUB_ADMIN_PASSWORD_VAR));
    expect(hubAdminPassword(cfg(), edited)!.origin).toBe('kept');
  });

  it('keeps the user\'s lines of a .env an older nixlab wrote (no markers), and the token in it', () => {
    const old = '# Read by docker-compose (and compose.yaml passes the hub what it needs).\nNIXLAB_HUB_PORT=9000\nNIXLAB_HUB_API_TOKEN=abc123\nFOO=bar\n';
    const next = dotEnv(cfg(), { previous: old });
    const vars = parseDotEnv(next);
    expect([vars.get('NIXLAB_HUB_PORT'), vars.get('NIXLAB_HUB_API_TOKEN'), vars.get('FOO')]).toEqual(['9000', 'abc123', 'bar']);
    expect(next.match(/^# Read by docker-compose \(and/gm)).toBeNull();
  });

  it('the config wins for what it declares: a new shared password replaces the old one', () => {
    const a = dotEnv(config({ authenticator: 'shared-password', sharedPassword: 'first password' }));
    const b = dotEnv(config({ authenticator: 'shared-password', sharedPassword: 'second password' }), { previous: a });
    expect(parseDotEnv(b).get(HUB_SHARED_PASSWORD_VAR)).toBe('second password');
    expect(b.match(new RegExp(`^${HUB_SHARED_PASSWORD_VAR}=`, 'gm'))).toHaveLength(1);
  });
});

describe('issue 23 high 2: the admin exists before the hub answers, and the hub is published on 127.0.0.1', () => {
  it.each(Object.keys(HUB_AUTHENTICATORS) as HubAuthenticator[])('%s', async (auth) => {
    const cfg = config({ authenticator: auth, ...passwords(auth) });
    const py = jupyterhubConfigPy(cfg, 'nixlab.json');
    const compose = composeYaml(cfg, 'nixlab.json');
    const admin = hubAdminPassword(cfg);
    expect(admin !== undefined).toBe(ADMIN_LOGS_IN_WITH_PASSWORD[auth]);
    if (admin) {
      // A password of its own, generated once, passed to the hub from .env, never in the config file.
      expect(admin).toMatchObject({ origin: 'generated', value: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      expect(py).toMatch(new RegExp(`os\\.environ(\\.get\\(|\\[)"${HUB_ADMIN_PASSWORD_VAR}"`));
      expect(compose).toContain(`${HUB_ADMIN_PASSWORD_VAR}: "\${${HUB_ADMIN_PASSWORD_VAR}}"`);
      expect(py).not.toContain(admin.value);
    } else {
      expect(compose).not.toContain(HUB_ADMIN_PASSWORD_VAR);
    }
    expect(py).toContain('c.Authenticator.admin_users = {"admin"}');
    // The python parses (the real hub runs it in hub-native.test.ts and hub.test.ts).
    const file = join(work, `${auth}.py`);
    writeFileSync(file, py);
    await execa('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', file]);

    const dir = mkdtempSync(join(work, `pub-${auth}-`));
    writeFileSync(join(dir, 'compose.yaml'), compose);
    writeFileSync(join(dir, '.env'), dotEnv(cfg));
    const ports = async () => (parse((await execa('docker-compose', ['config'], { cwd: dir })).stdout) as { services: { jupyterhub: { ports: unknown[] } } }).services.jupyterhub.ports;
    expect(await ports()).toEqual(['127.0.0.1:8000:8000/tcp']);
    writeFileSync(join(dir, 'compose.yaml'), composeYaml(config({ authenticator: auth, ...passwords(auth), address: '0.0.0.0' }), 'nixlab.json'));
    expect(await ports()).toEqual(['0.0.0.0:8000:8000/tcp']);
  });

  it("native: nobody signs up as the admin, the admin is made from .env at every start, NativeAuthenticator's password rules are on", () => {
    const py = jupyterhubConfigPy(config({ authenticator: 'native' }), 'nixlab.json');
    expect(py).toContain('c.JupyterHub.authenticator_class = NixlabNativeAuthenticator');
    expect(py).toMatch(/def create_user\(self, username, password, \*\*kwargs\):\n {8}if self\.normalize_username\(username\) == self\.normalize_username\(_ADMIN\):\n {12}return None/);
    expect(py).toContain('raise SystemExit("NIXLAB_HUB_ADMIN_PASSWORD is empty');
    expect(py).toContain(`c.NativeAuthenticator.minimum_password_length = ${NATIVE_PASSWORD_RULES.minimumLength}`);
    expect(py).toContain('c.NativeAuthenticator.check_common_password = True');
    expect(py).toContain(`c.NativeAuthenticator.allowed_failed_logins = ${NATIVE_PASSWORD_RULES.allowedFailedLogins}`);
    expect(py).toContain('c.NativeAuthenticator.open_signup = False');
  });
});

describe('issue 23 medium 5: runtime files do not outlive the container', () => {
  it('the proxy pid file is on a tmpfs, not in the data volume', () => {
    const cfg = config({ authenticator: 'native' });
    const py = jupyterhubConfigPy(cfg, 'nixlab.json');
    expect(py).toContain(`c.ConfigurableHTTPProxy.pid_file = "${HUB_RUNTIME_DIR}/jupyterhub-proxy.pid"`);
    expect(py).not.toMatch(/pid_file = "\/data/);
    expect((parse(composeYaml(cfg, 'nixlab.json')) as { services: { jupyterhub: { tmpfs: string[] } } }).services.jupyterhub.tmpfs).toEqual([HUB_RUNTIME_DIR]);
  });
});
