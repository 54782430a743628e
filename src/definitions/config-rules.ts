// The config's rules beyond the schema, each named: what holds across fields (a name used once
// among names and aliases, a hub's volume, a password that goes with its authenticator), what
// the file system must hold (logo files, hook scripts, directories to copy), and what only
// warns. The validator runs them in this order after the schema; `nixlab schema --rules` and
// docs/configuration.md list them (a test checks the docs against this list). Each rule checks
// only values of the right shape: the schema reports the others.
//
// (The rules of single values, `Rule` in ./rules.ts, are the schema's; these are the config's.)
import { statSync } from 'node:fs';
import path from 'node:path';
import { checkDuplicates, formatJsonPath } from '../kernels/checks.js';
import { kindOf } from '../kernels/index.js';
import type { Reporter } from '../kernels/types.js';
import { RESERVED_VARIABLES } from '../runtime/environment.js';
import { DEFAULT_USER } from '../runtime/facts.js';
import { DEFAULT_FRONT_END, FRONT_ENDS, frontEndNames, type FrontEndName } from '../runtime/targets.js';
import { DEFAULT_HUB_AUTHENTICATOR, HUB_VERSION, SHARED_PASSWORD_MIN_HUB, SHARED_PASSWORD_MIN_LENGTH, compareMajorMinor, isSecretEnvName, secretEnvVerdict, storeFileNameVerdict, unrepresentable } from './rules.js';
import { kernelNameLike } from './kernel-name.js';

/** One named rule of a config. */
export interface ConfigRule {
  /** Stable name, kebab-case: what `nixlab schema --rules` and the docs list. */
  readonly id: string;
  /** What a config must do (one sentence); `warns` when breaking it is only a warning. */
  readonly description: string;
  /** Breaking it is a warning, not an error (the config still builds). */
  readonly warns?: boolean;
  /** Reports where the config as written (plain JSON data, not yet of a known shape) breaks it. */
  check(data: Record<string, unknown>, report: Reporter): void;
}

const q = (v: unknown): string => JSON.stringify(v);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `data.key` when it is an object, else an empty one. */
const section = (data: Record<string, unknown>, key: string): Record<string, unknown> | undefined => (isObject(data[key]) ? (data[key] as Record<string, unknown>) : undefined);

/** The kernels that are objects, with their indices. */
const kernelsOf = (data: Record<string, unknown>): [number, Record<string, unknown>][] =>
  Array.isArray(data.kernels) ? data.kernels.flatMap((k, i): [number, Record<string, unknown>][] => (isObject(k) ? [[i, k]] : [])) : [];

/** A relative path the schema accepted (a string, not empty, not absolute, representable). */
const relativePath = (v: unknown): v is string => typeof v === 'string' && v !== '' && !v.startsWith('/') && !unrepresentable(v);

/** What `rel`, relative to the config's directory, is: a file, a directory, something else, or nothing. */
function whatIs(report: Reporter, rel: string): 'file' | 'dir' | 'other' | 'missing' {
  try {
    const s = statSync(path.resolve(report.baseDir, rel));
    return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

const LOGO_EXTENSIONS: Record<string, string> = { '32x32': '.png', '64x64': '.png', svg: '.svg' };

/** The hub's authenticator and its declared major.minor (when it is one). */
function hubAuth(hub: Record<string, unknown>): { auth: string; version: string | undefined } {
  return {
    auth: typeof hub.authenticator === 'string' ? hub.authenticator : DEFAULT_HUB_AUTHENTICATOR,
    version: typeof hub.version === 'string' && HUB_VERSION.test(hub.version) ? hub.version : undefined,
  };
}

/** The front end a config runs (JupyterLab by default behind a hub). */
function frontEndOf(data: Record<string, unknown>): FrontEndName {
  return typeof data.frontend === 'string' && Object.hasOwn(FRONT_ENDS, data.frontend) ? (data.frontend as FrontEndName) : data.hub !== undefined ? 'lab' : DEFAULT_FRONT_END;
}

/** The rule set, in the order the validator runs it. */
export const CONFIG_RULES: readonly ConfigRule[] = [
  {
    id: 'kernel-names-unique',
    description: 'Kernel names and aliases are unique, ignoring case (Jupyter lower-cases them): a name starts one kernel only.',
    check(data, report) {
      const kernels = data.kernels as unknown[];
      const firstByName = new Map<string, number>();
      for (const [i, kernel] of kernelsOf(data)) {
        if (typeof kernel.name === 'string') {
          const j = firstByName.get(kernel.name.toLowerCase());
          if (j === undefined) firstByName.set(kernel.name.toLowerCase(), i);
          else {
            const other = (kernels[j] as { name: string }).name;
            const caseOnly = other !== kernel.name ? ` (${q(other)}: Jupyter ignores case in kernel names)` : '';
            report.error(['kernels', i, 'name'], { message: `kernel name ${q(kernel.name)} is already used by ${formatJsonPath(['kernels', j])}${caseOnly}`, hint: `rename one of them, e.g. to ${q(`${kernelNameLike(kernel.name)}-2`)}` });
          }
        }
        if (!Array.isArray(kernel.aliases)) continue;
        kernel.aliases.forEach((alias: unknown, a: number) => {
          if (typeof alias !== 'string') return;
          const j = firstByName.get(alias.toLowerCase());
          if (j === undefined) firstByName.set(alias.toLowerCase(), i);
          else report.error(['kernels', i, 'aliases', a], { message: `alias ${q(alias)} is already a kernel name or alias of ${formatJsonPath(['kernels', j])}`, hint: 'a name starts one kernel only: remove the alias, or rename the kernel' });
        });
      }
    },
  },
  {
    id: 'kernel-logo-files',
    description: "A kernel's logos are regular files beside the config (a logo whose extension is not its size's only warns).",
    check(data, report) {
      for (const [i, kernel] of kernelsOf(data)) {
        if (!isObject(kernel.logos)) continue;
        for (const [key, rel] of Object.entries(kernel.logos)) {
          if (!(key in LOGO_EXTENSIONS) || !relativePath(rel)) continue;
          const at = ['kernels', i, 'logos', key];
          const is = whatIs(report, rel);
          const ext = LOGO_EXTENSIONS[key]!;
          if (is === 'missing') report.error(at, { message: `logo file ${q(rel)} does not exist`, hint: `the path is relative to the directory of ${report.file}; check the spelling or add the file` });
          else if (is !== 'file') report.error(at, { message: `logo ${q(rel)} is not a regular file`, hint: 'point it at an image file' });
          else if (path.extname(rel).toLowerCase() !== ext) report.warn(at, { message: `logo ${q(rel)} does not end in ${ext}`, hint: `Jupyter serves it as logo-${key}${ext}; use a ${ext.slice(1).toUpperCase()} file` });
        }
      }
    },
  },
  {
    id: 'kernel-kind-checks',
    description: "Each kernel meets its kind's own checks beyond the schema (src/kernels/<kind>.ts: a custom argv with {connection_file}, repeated packages, …).",
    check(data, report) {
      for (const [i, kernel] of kernelsOf(data)) kindOf(kernel.kind)?.check?.(kernel, ['kernels', i], report);
    },
  },
  {
    id: 'hub-needs-volume',
    description: "A JupyterHub single-user image (hub) has a volume for notebooks: DockerSpawner mounts each user's volume at the first one.",
    check(data, report) {
      if (!isObject(data.hub)) return;
      const image = section(data, 'image') ?? {};
      if (Array.isArray(image.volumes) && image.volumes.length > 0) return;
      report.error(isObject(data.image) ? ['image'] : [], {
        message: "a JupyterHub single-user image needs a volume for notebooks: DockerSpawner mounts each user's volume there, and without one their notebooks are lost when the server stops",
        hint: `add image: { volumes: ["/home/${DEFAULT_USER.name}/work"] } (the first volume is the notebook directory)`,
      });
    },
  },
  {
    id: 'shared-password-hub-version',
    description: `The shared-password authenticator runs on JupyterHub ${SHARED_PASSWORD_MIN_HUB} or newer (hub.version).`,
    check(data, report) {
      const hub = section(data, 'hub');
      if (!hub) return;
      const { auth, version } = hubAuth(hub);
      if (auth !== 'shared-password' || !version || compareMajorMinor(version, SHARED_PASSWORD_MIN_HUB) >= 0) return;
      report.error(['hub', 'authenticator'], { message: `the shared-password authenticator needs JupyterHub ${SHARED_PASSWORD_MIN_HUB} or newer; hub.version is ${version}`, hint: `declare hub.version "${SHARED_PASSWORD_MIN_HUB}" or newer, or choose "native"` });
    },
  },
  {
    id: 'shared-password-given',
    description: 'The shared-password authenticator has its password: hub.sharedPassword.',
    check(data, report) {
      const hub = section(data, 'hub');
      if (!hub || hubAuth(hub).auth !== 'shared-password' || hub.sharedPassword !== undefined) return;
      report.error(['hub'], { message: 'the shared-password authenticator needs hub.sharedPassword', hint: `add sharedPassword: a password of at least ${SHARED_PASSWORD_MIN_LENGTH.user} characters` });
    },
  },
  {
    id: 'admin-password-not-shared',
    description: "The admin's password is not the users' shared password (JupyterHub's SharedPasswordAuthenticator refuses to start then).",
    check(data, report) {
      const hub = section(data, 'hub');
      if (!hub || hubAuth(hub).auth !== 'shared-password' || typeof hub.adminPassword !== 'string' || hub.adminPassword !== hub.sharedPassword) return;
      report.error(['hub', 'adminPassword'], { message: "the admin password is the users' shared password; JupyterHub refuses to start with the two the same", hint: `choose another admin password (at least ${SHARED_PASSWORD_MIN_LENGTH.admin} characters)` });
    },
  },
  {
    id: 'passwords-need-shared-password',
    description: 'hub.sharedPassword and hub.adminPassword are given only with the shared-password authenticator, which uses them.',
    check(data, report) {
      const hub = section(data, 'hub');
      if (!hub) return;
      const { auth } = hubAuth(hub);
      if (auth === 'shared-password') return;
      for (const key of ['sharedPassword', 'adminPassword'] as const) {
        if (hub[key] !== undefined) report.error(['hub', key], { message: `${key} is only used by the shared-password authenticator, not ${q(auth)}`, hint: 'remove it, or set authenticator: "shared-password"' });
      }
    },
  },
  {
    id: 'lab-extensions-unique',
    description: 'Each JupyterLab extension is listed once.',
    warns: true,
    check(data, report) {
      const lab = section(data, 'lab');
      if (lab && Array.isArray(lab.extensions)) checkDuplicates(lab.extensions, ['lab', 'extensions'], report, 'warn', 'extension');
    },
  },
  {
    id: 'lab-extensions-need-browser',
    description: `lab.extensions go with a front end that loads them (${frontEndNames.filter((n) => FRONT_ENDS[n].labExtensions).join(' or ')}).`,
    check(data, report) {
      const lab = section(data, 'lab');
      if (!lab || !Array.isArray(lab.extensions) || lab.extensions.length === 0) return;
      const frontend = frontEndOf(data);
      if (FRONT_ENDS[frontend].labExtensions) return;
      const loaders = frontEndNames.filter((n) => FRONT_ENDS[n].labExtensions);
      report.error(['lab', 'extensions'], { message: `frontend ${q(frontend)} has no browser front end to load JupyterLab extensions`, hint: `set frontend to ${loaders.map(q).join(' or ')}, or remove lab.extensions` });
    },
  },
  {
    id: 'lab-extension-not-front-end',
    description: 'lab.extensions do not name the front end itself, which the server environment always has.',
    warns: true,
    check(data, report) {
      const lab = section(data, 'lab');
      if (!lab || !Array.isArray(lab.extensions)) return;
      const frontend = frontEndOf(data);
      lab.extensions.forEach((e, i) => {
        if (typeof e === 'string' && (FRONT_ENDS[frontend].serverPackages as readonly string[]).includes(e)) {
          report.warn(['lab', 'extensions', i], { message: `${q(e)} is the ${frontend} front end itself, always in the server environment`, hint: 'remove it from lab.extensions' });
        }
      });
    },
  },
  {
    id: 'insecure-packages-unique',
    description: 'Each of nixpkgs.permittedInsecurePackages is listed once.',
    warns: true,
    check(data, report) {
      const nixpkgs = section(data, 'nixpkgs');
      if (nixpkgs) checkDuplicates(nixpkgs.permittedInsecurePackages, ['nixpkgs', 'permittedInsecurePackages'], report, 'warn', 'package');
    },
  },
  {
    id: 'volumes-unique',
    description: 'Each of image.volumes is listed once.',
    check(data, report) {
      // Paths are written plainly (the absolutePath rule), so equal volumes are equal strings.
      checkDuplicates(section(data, 'image')?.volumes, ['image', 'volumes'], report, 'error', 'volume');
    },
  },
  {
    id: 'env-no-secrets',
    description: 'image.env holds no secret (a name such as TOKEN, or one ending in _TOKEN, _PASSWORD, _SECRET or _API_KEY): anyone with the image could read it; pass it at run time.',
    check(data, report) {
      const env = section(data, 'image')?.env;
      if (!isObject(env)) return;
      for (const key of Object.keys(env)) if (isSecretEnvName(key)) report.error(['image', 'env', key], secretEnvVerdict(key));
    },
  },
  {
    id: 'env-not-reserved',
    description: `image.env does not set a variable nixlab sets: ${[...RESERVED_VARIABLES.keys()].join(', ')}.`,
    check(data, report) {
      const env = section(data, 'image')?.env;
      if (!isObject(env)) return;
      for (const key of Object.keys(env)) {
        const reserved = RESERVED_VARIABLES.get(key);
        // A secret's name is reported once, by env-no-secrets.
        if (reserved && !isSecretEnvName(key)) report.error(['image', 'env', key], { message: `${key} is set by nixlab: ${reserved}`, hint: 'remove it from image.env' });
      }
    },
  },
  {
    id: 'files-sources-are-directories',
    description: "Each image.files source is a directory beside the config (it is copied into the image as it is).",
    check(data, report) {
      const files = section(data, 'image')?.files;
      if (!Array.isArray(files)) return;
      files.forEach((f, i) => {
        if (!isObject(f) || !relativePath(f.source)) return;
        if (whatIs(report, f.source) !== 'dir') report.error(['image', 'files', i, 'source'], { message: `${q(f.source)} is not a directory`, hint: `the path is relative to the directory of ${report.file}; point it at the directory to copy` });
      });
    },
  },
  {
    id: 'start-hooks-are-files',
    description: 'Each image.startHooks entry is a file beside the config whose name a Nix store path can carry.',
    check(data, report) {
      const hooks = section(data, 'image')?.startHooks;
      if (!Array.isArray(hooks)) return;
      hooks.forEach((h, i) => {
        if (!relativePath(h)) return;
        const isFile = whatIs(report, h) === 'file';
        if (!isFile) report.error(['image', 'startHooks', i], { message: `${q(h)} is not a file`, hint: `the path is relative to the directory of ${report.file}; point it at the script to run` });
        // The generated project hands the hook to Nix as a path: copied to a store path named after the file.
        const storeName = isFile ? storeFileNameVerdict(path.basename(h)) : undefined;
        if (storeName) report.error(['image', 'startHooks', i], storeName);
      });
    },
  },
  {
    id: 'start-hooks-unique',
    description: 'Each image.startHooks entry is listed once.',
    check(data, report) {
      checkDuplicates(section(data, 'image')?.startHooks, ['image', 'startHooks'], report, 'error', 'start hook');
    },
  },
  {
    id: 'user-not-root',
    description: 'image.user is not uid 0 (root inside the container).',
    warns: true,
    check(data, report) {
      const user = section(data, 'image')?.user;
      if (isObject(user) && user.uid === 0) report.warn(['image', 'user', 'uid'], { message: 'uid 0 runs Jupyter as root inside the container', hint: `use an unprivileged uid such as ${DEFAULT_USER.uid} (the default)` });
    },
  },
];

/** The rule set as `nixlab schema --rules` prints it: one rule a line, `id  description`. */
export function renderRules(): string {
  const width = Math.max(...CONFIG_RULES.map((r) => r.id.length));
  return CONFIG_RULES.map((r) => `${r.id.padEnd(width)}  ${r.warns ? '(warning) ' : ''}${r.description}\n`).join('');
}

/** The rule set as docs/configuration.md lists it (a test checks the docs hold exactly this). */
export function rulesMarkdown(): string {
  return CONFIG_RULES.map((r) => `- \`${r.id}\`${r.warns ? ' (warning)' : ''}: ${r.description}\n`).join('');
}
