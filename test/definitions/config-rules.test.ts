// The named rules beyond the schema (src/definitions/config-rules.ts), each with a config that
// breaks it and one that keeps it: the break is reported at its path by validateConfig, and by
// `nixlab validate` with exit code 2 (a warning: exit 0, the warning at its path); the kept
// config has no problem there. A rule of the set without a case here fails, and so does the
// list in docs/configuration.md when it is not the rule set's.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_RULES, renderRules, rulesMarkdown } from '../../src/definitions/config-rules.js';
import { validateConfig } from '../../src/definitions/validate.js';
import { SHARED_PASSWORD_MIN_HUB } from '../../src/definitions/rules.js';
import { nixlab } from '../helpers/cli.js';

/** A directory beside the configs: a logo, a hook script, a directory to copy. */
const dir = mkdtempSync(join(tmpdir(), 'nixlab-rules-'));
writeFileSync(join(dir, 'logo.png'), 'png');
writeFileSync(join(dir, 'hook.sh'), 'echo hi\n');
mkdirSync(join(dir, 'files'));
writeFileSync(join(dir, 'files', 'a.txt'), 'a');

const py = { kind: 'python', name: 'py' };
const hubImage = { volumes: ['/home/jovyan/work'] };
const sharedPassword = 'a-shared-pass';
const adminPassword = 'an-admin-password-of-32-characters!';

interface Case {
  /** A config that breaks the rule, the path it is reported at, and what the message says. */
  breaks: { config: Record<string, unknown>; at: string; message: RegExp };
  /** A config like it that keeps the rule. */
  keeps: Record<string, unknown>;
}

const CASES: Record<string, Case> = {
  'kernel-names-unique': {
    breaks: { config: { kernels: [py, { kind: 'python', name: 'PY' }] }, at: '$.kernels[1].name', message: /kernel name "PY" is already used by \$\.kernels\[0\]/ },
    keeps: { kernels: [py, { kind: 'python', name: 'py2', aliases: ['python3'] }] },
  },
  'kernel-logo-files': {
    breaks: { config: { kernels: [{ ...py, logos: { '32x32': 'missing.png' } }] }, at: '$.kernels[0].logos["32x32"]', message: /logo file "missing\.png" does not exist/ },
    keeps: { kernels: [{ ...py, logos: { '32x32': 'logo.png' } }] },
  },
  'kernel-kind-checks': {
    breaks: { config: { kernels: [{ kind: 'custom', name: 'sh', language: 'sh', argv: ['sh'] }] }, at: '$.kernels[0].argv', message: /argv has no "\{connection_file\}" argument/ },
    keeps: { kernels: [{ kind: 'custom', name: 'sh', language: 'sh', argv: ['sh', '{connection_file}'] }] },
  },
  'hub-needs-volume': {
    breaks: { config: { hub: {}, image: {}, kernels: [py] }, at: '$.image', message: /a JupyterHub single-user image needs a volume for notebooks/ },
    keeps: { hub: {}, image: hubImage, kernels: [py] },
  },
  'shared-password-hub-version': {
    breaks: { config: { hub: { version: '5.2', authenticator: 'shared-password', sharedPassword }, image: hubImage, kernels: [py] }, at: '$.hub.authenticator', message: new RegExp(`needs JupyterHub ${SHARED_PASSWORD_MIN_HUB.replace('.', '\\.')} or newer; hub\\.version is 5\\.2`) },
    keeps: { hub: { version: SHARED_PASSWORD_MIN_HUB, authenticator: 'shared-password', sharedPassword }, image: hubImage, kernels: [py] },
  },
  'shared-password-given': {
    breaks: { config: { hub: { authenticator: 'shared-password' }, image: hubImage, kernels: [py] }, at: '$.hub', message: /the shared-password authenticator needs hub\.sharedPassword/ },
    keeps: { hub: { authenticator: 'shared-password', sharedPassword }, image: hubImage, kernels: [py] },
  },
  'admin-password-not-shared': {
    breaks: { config: { hub: { authenticator: 'shared-password', sharedPassword: adminPassword, adminPassword }, image: hubImage, kernels: [py] }, at: '$.hub.adminPassword', message: /the admin password is the users' shared password/ },
    keeps: { hub: { authenticator: 'shared-password', sharedPassword, adminPassword }, image: hubImage, kernels: [py] },
  },
  'passwords-need-shared-password': {
    breaks: { config: { hub: { authenticator: 'native', sharedPassword }, image: hubImage, kernels: [py] }, at: '$.hub.sharedPassword', message: /sharedPassword is only used by the shared-password authenticator, not "native"/ },
    keeps: { hub: { authenticator: 'native' }, image: hubImage, kernels: [py] },
  },
  'lab-extensions-unique': {
    breaks: { config: { frontend: 'lab', lab: { extensions: ['jupyterlab-git', 'jupyterlab-git'] }, kernels: [py] }, at: '$.lab.extensions[1]', message: /extension "jupyterlab-git" is listed twice/ },
    keeps: { frontend: 'lab', lab: { extensions: ['jupyterlab-git'] }, kernels: [py] },
  },
  'lab-extensions-need-browser': {
    breaks: { config: { frontend: 'server', lab: { extensions: ['jupyterlab-git'] }, kernels: [py] }, at: '$.lab.extensions', message: /frontend "server" has no browser front end/ },
    keeps: { frontend: 'notebook', lab: { extensions: ['jupyterlab-git'] }, kernels: [py] },
  },
  'lab-extension-not-front-end': {
    breaks: { config: { frontend: 'lab', lab: { extensions: ['jupyterlab'] }, kernels: [py] }, at: '$.lab.extensions[0]', message: /"jupyterlab" is the lab front end itself/ },
    keeps: { frontend: 'notebook', lab: { extensions: ['jupyterlab'] }, kernels: [py] },
  },
  'insecure-packages-unique': {
    breaks: { config: { nixpkgs: { permittedInsecurePackages: ['olm-3.2.16', 'olm-3.2.16'] }, kernels: [py] }, at: '$.nixpkgs.permittedInsecurePackages[1]', message: /package "olm-3\.2\.16" is listed twice/ },
    keeps: { nixpkgs: { permittedInsecurePackages: ['olm-3.2.16'] }, kernels: [py] },
  },
  'volumes-unique': {
    breaks: { config: { image: { volumes: ['/data', '/data'] }, kernels: [py] }, at: '$.image.volumes[1]', message: /volume "\/data" is listed twice/ },
    keeps: { image: { volumes: ['/data', '/work'] }, kernels: [py] },
  },
  'env-no-secrets': {
    breaks: { config: { image: { env: { GITHUB_TOKEN: 'ghp_x' } }, kernels: [py] }, at: '$.image.env.GITHUB_TOKEN', message: /GITHUB_TOKEN looks like a secret/ },
    keeps: { image: { env: { GITHUB_USER: 'me' } }, kernels: [py] },
  },
  'env-not-reserved': {
    breaks: { config: { image: { env: { JUPYTER_PATH: '/x' } }, kernels: [py] }, at: '$.image.env.JUPYTER_PATH', message: /JUPYTER_PATH is set by nixlab/ },
    keeps: { image: { env: { MY_PATH: '/x' } }, kernels: [py] },
  },
  'files-sources-are-directories': {
    breaks: { config: { image: { files: [{ source: 'hook.sh', target: 'copied' }] }, kernels: [py] }, at: '$.image.files[0].source', message: /"hook\.sh" is not a directory/ },
    keeps: { image: { files: [{ source: 'files', target: 'copied' }] }, kernels: [py] },
  },
  'start-hooks-are-files': {
    breaks: { config: { image: { startHooks: ['files'] }, kernels: [py] }, at: '$.image.startHooks[0]', message: /"files" is not a file/ },
    keeps: { image: { startHooks: ['hook.sh'] }, kernels: [py] },
  },
  'start-hooks-unique': {
    breaks: { config: { image: { startHooks: ['hook.sh', 'hook.sh'] }, kernels: [py] }, at: '$.image.startHooks[1]', message: /start hook "hook\.sh" is listed twice/ },
    keeps: { image: { startHooks: ['hook.sh'] }, kernels: [py] },
  },
  'user-not-root': {
    breaks: { config: { image: { user: { name: 'root', uid: 0, gid: 0 } }, kernels: [py] }, at: '$.image.user.uid', message: /uid 0 runs Jupyter as root/ },
    keeps: { image: { user: { name: 'lab', uid: 4242, gid: 4242 } }, kernels: [py] },
  },
};

const validate = (config: Record<string, unknown>) => validateConfig(config, 'nixlab.json', { baseDir: dir });

test('every case is a rule of the set, and the ids are unique kebab-case names', () => {
  const ids = CONFIG_RULES.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
  expect(Object.keys(CASES).filter((id) => !ids.includes(id))).toEqual([]);
});

describe.each(CONFIG_RULES.map((r) => [r.id, r] as const))('rule %s', (id, rule) => {
  const c = CASES[id];
  test('has a case here: a config that breaks it and one that keeps it', () => {
    expect(c ? [] : [`rule ${id} has no case in CASES (test/definitions/config-rules.test.ts)`]).toEqual([]);
  });
  if (!c) return;
  const level = rule.warns ? 'warnings' : 'errors';

  test(`a config that breaks it: ${rule.warns ? 'a warning' : 'an error'} at ${c.breaks.at}, with a hint`, () => {
    const result = validate(c.breaks.config);
    const at = result[level].filter((p) => p.where === `nixlab.json:${c.breaks.at}`);
    expect(at.map((p) => p.message)).toEqual([expect.stringMatching(c.breaks.message)]);
    expect(at[0]!.hint).toMatch(/\S/);
    if (rule.warns) expect(result.errors).toEqual([]);
  });

  test(`nixlab validate: exit ${rule.warns ? 0 : 2}, the ${rule.warns ? 'warning' : 'error'} at its path`, async () => {
    const sub = mkdtempSync(join(dir, 'case-'));
    // The files the configs name are beside the config: the case's directory links to them.
    for (const f of ['logo.png', 'hook.sh']) writeFileSync(join(sub, f), readFileSync(join(dir, f)));
    mkdirSync(join(sub, 'files'));
    writeFileSync(join(sub, 'files', 'a.txt'), 'a');
    writeFileSync(join(sub, 'nixlab.json'), JSON.stringify(c.breaks.config));
    const r = await nixlab(['validate', 'nixlab.json', '--pkgs', 'offline'], { cwd: sub });
    expect(r.exitCode).toBe(rule.warns ? 0 : 2);
    const line = r.stderr.split('\n').find((l) => l.startsWith(`${rule.warns ? 'warning' : 'error'}: nixlab.json:${c.breaks.at}: `));
    expect(line).toMatch(c.breaks.message);
  });

  test('a config that keeps it: nothing reported', () => {
    const result = validate(c.keeps);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });
});

test('nixlab schema --rules lists the rule set, one rule a line in order', async () => {
  const r = await nixlab(['schema', '--rules']);
  expect([r.exitCode, r.stderr]).toEqual([0, '']);
  // (execa drops the output's last newline)
  expect(r.stdout + '\n').toBe(renderRules());
  expect(r.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0])).toEqual(CONFIG_RULES.map((rule) => rule.id));
});

test('docs/configuration.md lists exactly the rule set', () => {
  const docs = readFileSync('docs/configuration.md', 'utf8').split('\n');
  const start = docs.findIndex((l) => l.startsWith(`- \`${CONFIG_RULES[0]!.id}\``));
  expect(start).toBeGreaterThan(0);
  let end = start;
  while (end < docs.length && docs[end]!.startsWith('- `')) end++;
  expect(docs.slice(start, end).join('\n') + '\n').toBe(rulesMarkdown());
});
