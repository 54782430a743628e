// The one rule set: every limit, pattern and default a config value must meet, written once.
// The JSON Schema is assembled from these rules, the validator explains a broken rule with the
// rule's own words, and the image packer checks its options with the same rules, so a config
// that `nixlab validate` accepts is never refused later by `nixlab build`.
//
// A rule is its JSON Schema (what ajv checks) and `explain` (why a value breaks it, and how to
// fix it). test/definitions/rules.test.ts checks that the two agree on many values.

import { DEFAULT_PORT, DEFAULT_USER, ENV } from '../runtime/facts.js';

/** A JSON Schema object (kept loose: the schema is data, checked by ajv's meta-schema). */
export type SchemaObject = { [keyword: string]: unknown };

/** What is wrong with a value and how to fix it. */
export interface Verdict {
  message: string;
  hint: string;
}

/** A named rule: its schema, and the explanation of a value that breaks it. */
export interface Rule {
  readonly schema: SchemaObject;
  /** Why `value` breaks the rule; undefined when it follows it. */
  explain(value: unknown): Verdict | undefined;
}

const q = (v: unknown): string => JSON.stringify(v);

/** Builds a rule; `explain` only sees values of the schema's type. */
export function rule(schema: SchemaObject, explain: (value: never) => Verdict | undefined): Rule {
  const type = schema.type as string | undefined;
  return {
    schema,
    explain: (value) => {
      if (type === 'string' && typeof value !== 'string') return { message: `must be a string, got ${describeValue(value)}`, hint: 'put it in quotes' };
      if (type === 'integer' && (typeof value !== 'number' || !Number.isInteger(value))) return { message: `must be a whole number, got ${describeValue(value)}`, hint: 'use a whole number' };
      if (type === 'boolean' && typeof value !== 'boolean') {
        const word = typeof value === 'string' ? value.trim().toLowerCase() : '';
        const means = ['true', 'yes', 'on', '1'].includes(word) ? 'true' : ['false', 'no', 'off', '0'].includes(word) ? 'false' : undefined;
        return { message: `must be true or false, got ${describeValue(value)}`, hint: means ? `write ${means} without quotes` : 'write true or false without quotes' };
      }
      return explain(value as never);
    },
  };
}

/** A short description of any value, for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${q(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// Text that Nix can carry

/**
 * Why `s` cannot be written into a Nix file, if it cannot: Nix strings are C strings (no NUL),
 * and a lone UTF-16 surrogate has no UTF-8 encoding. Returns the offending character's offset.
 */
export function unrepresentable(s: string): { offset: number; what: string } | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return { offset: i, what: 'a NUL character (\\u0000)' };
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) return { offset: i, what: `a lone UTF-16 surrogate (\\u${c.toString(16)})` };
  }
  return undefined;
}

/** Nix's reserved words: never bare identifiers, attribute names or package names. */
export const NIX_KEYWORDS = ['assert', 'else', 'if', 'in', 'inherit', 'let', 'or', 'rec', 'then', 'with'] as const;

// One attribute name: Nix's bare-identifier syntax, minus the keywords. The lookahead rejects a
// keyword only when it is the whole name (`inherit` is refused, `inherits` and `in-x` are fine).
const IDENT_CHARS = "A-Za-z0-9_'-";
const ATTR_NAME = `(?!(?:${NIX_KEYWORDS.join('|')})(?![${IDENT_CHARS}]))[A-Za-z_][${IDENT_CHARS}]*`;
/** A plain nixpkgs attribute name (`numpy`, `scikit-learn`). */
export const ATTR_NAME_PATTERN = `^${ATTR_NAME}$`;
/** A dotted nixpkgs attribute path (`python3Packages.bash-kernel`). */
export const ATTR_PATH_PATTERN = `^${ATTR_NAME}(?:\\.${ATTR_NAME})*$`;
const plainAttrName = new RegExp(ATTR_NAME_PATTERN, 'u');
const keywordSet: ReadonlySet<string> = new Set(NIX_KEYWORDS);

/**
 * A rule for attribute names of one nixpkgs package set (`dotted`: attribute paths). `examples`
 * are valid names of that set, for the hint.
 */
export function attrNameRule(description: string, examples: string, opts: { dotted?: boolean; explain?: (v: string) => Verdict | undefined } = {}): Rule {
  const pattern = opts.dotted ? ATTR_PATH_PATTERN : ATTR_NAME_PATTERN;
  const re = new RegExp(pattern, 'u');
  return rule({ type: 'string', description, pattern }, (v: string) => {
    if (re.test(v)) return undefined;
    const special = opts.explain?.(v);
    if (special) return special;
    const parts = opts.dotted ? v.split('.') : [v];
    const keyword = parts.find((p) => keywordSet.has(p));
    if (keyword) return { message: `${q(v)} uses the Nix keyword ${q(keyword)}, which cannot be a package name`, hint: 'check the attribute name on search.nixos.org' };
    const tokens = v.split(/[\s,;]+/).filter(Boolean);
    if (tokens.length > 1 && tokens.every((t) => plainAttrName.test(t))) {
      return { message: `${q(v)} is several names in one item`, hint: `put each package in its own list item: ${tokens.map(q).join(', ')}` };
    }
    return opts.dotted
      ? { message: `${q(v)} is not a nixpkgs attribute path`, hint: `use attribute names joined by dots, e.g. ${examples}` }
      : { message: `${q(v)} is not a nixpkgs attribute name`, hint: `use the name as nixpkgs spells it, one per item, e.g. ${examples}` };
  });
}

// ---------------------------------------------------------------------------------------------
// Kernels

// ---------------------------------------------------------------------------------------------
// Nix store path names

/**
 * The longest name a Nix store path may have (the part after `<hash>-`): Nix 2.8 refuses longer
 * ones with "has a name longer than 211 characters", Nix 2.26 with "must be no longer than 211
 * characters" (test/definitions/store-names.test.ts checks both).
 */
export const NIX_STORE_NAME_MAX = 211;
/** A derivation's name is also its `.drv` file's, which adds `.drv`: 207 characters at most. */
export const NIX_DERIVATION_NAME_MAX = NIX_STORE_NAME_MAX - '.drv'.length;
/** The characters Nix allows in a store path name. */
export const NIX_STORE_NAME_CHARS = /^[A-Za-z0-9+\-._?=]+$/;

/** Why a file's name cannot be the name of the store path Nix copies it to, if it cannot. */
export function storeFileNameVerdict(name: string): Verdict | undefined {
  if (name.length > NIX_STORE_NAME_MAX) {
    return { message: `the file name ${q(name.length > 40 ? `${name.slice(0, 37)}...` : name)} has ${name.length} characters; Nix copies the file to a store path named after it, and store path names have at most ${NIX_STORE_NAME_MAX}`, hint: 'rename the file to a shorter name' };
  }
  if (!NIX_STORE_NAME_CHARS.test(name)) {
    const bad = [...name].find((c) => !NIX_STORE_NAME_CHARS.test(c))!;
    return { message: `the file name ${q(name)} contains ${q(bad)}; Nix copies the file to a store path named after it, and store path names allow only letters, digits and + - . _ ? =`, hint: `rename the file, e.g. to ${q(name.replace(/[^A-Za-z0-9+\-._?=]+/g, '-'))}` };
  }
  return undefined;
}

export const displayName = rule({ type: 'string', description: 'Name shown in the launcher and the kernel menu.', minLength: 1 }, (v: string) =>
  v === '' ? { message: 'must not be empty', hint: 'give it a value, or leave the key out to use the default' } : undefined,
);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const envName = rule({ type: 'string', description: 'POSIX environment variable name: letters, digits and `_`, not starting with a digit.', pattern: ENV_NAME.source }, (v: string) => {
  if (ENV_NAME.test(v)) return undefined;
  const s = v.replace(/[^A-Za-z0-9_]+/g, '_');
  const fixed = s === '' ? 'NAME' : /^[0-9]/.test(s) ? `_${s}` : s;
  return { message: `${q(v)} is not a valid environment variable name: use letters, digits and "_", not starting with a digit`, hint: `rename it, e.g. to ${q(fixed)}` };
});

// Names whose values are secrets: they must be given at run time, never baked into an image
// (anyone who has the image can read its Env, labels and files).
const SECRET_ENV = /^(?:TOKEN|PASSWORD|PASSWD|SECRET|API_KEY|JPY_API_TOKEN|.*_(?:TOKEN|PASSWORD|PASSWD|SECRET|API_KEY|PRIVATE_KEY))$/i;

/** True for an environment variable name that holds a secret (`JUPYTER_TOKEN`, `GITHUB_TOKEN`, `DB_PASSWORD`). */
export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV.test(name);
}

/** Why an environment variable would bake a secret into an image. */
export function secretEnvVerdict(name: string): Verdict {
  return {
    message: `${name} looks like a secret: in the image it would be readable by anyone who has the image`,
    hint: `remove it and pass it when the container starts (docker run -e ${name}=…)`,
  };
}

// A command-line option that sets a token or password (`--ServerApp.token=abc`).
const SECRET_ARG = /^--(?:[\w]+\.)*(token|password)=(.+)$/i;

/** Why a command-line argument would bake a secret into an image, if it would. */
export function secretArgVerdict(arg: string): Verdict | undefined {
  const m = SECRET_ARG.exec(arg);
  if (!m) return undefined;
  return { message: `sets a ${m[1]!.toLowerCase()} on the command line, which would be stored in the image`, hint: `pass it at run time (docker run -e ${ENV.jupyterToken}=…) instead` };
}

// ---------------------------------------------------------------------------------------------
// Image

/**
 * Largest uid/gid an image can hold: the ustar header's uid and gid fields have 6 octal digits
 * (the framer, src/image/tar-header.ts, writes 7s beyond that, as tar-stream did), so this limit
 * comes from the tar writer.
 */
export const MAX_TAR_ID = 0o777777;

export const numericId = rule(
  { type: 'integer', description: `A numeric user or group id, 0 to ${MAX_TAR_ID} (the most an image's tar headers hold).`, minimum: 0, maximum: MAX_TAR_ID },
  (v: number) =>
    v < 0 || v > MAX_TAR_ID
      ? { message: `must be between 0 and ${MAX_TAR_ID}, got ${v}`, hint: `image tar headers hold ids up to ${MAX_TAR_ID}; use e.g. ${DEFAULT_USER.uid}` }
      : undefined,
);

const USER_NAME = /^[a-z_][a-z0-9_-]*$/;
const USER_NAME_MAX = 32;
export const userName = rule(
  { type: 'string', description: 'Login name: lowercase letters, digits, `_` and `-`, not starting with a digit or `-`, at most 32 characters.', maxLength: USER_NAME_MAX, pattern: USER_NAME.source },
  (v: string) => {
    if (USER_NAME.test(v) && v.length <= USER_NAME_MAX) return undefined;
    const fixed = v.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z_]+/, '').slice(0, USER_NAME_MAX) || DEFAULT_USER.name;
    return v.length > USER_NAME_MAX && USER_NAME.test(v)
      ? { message: `user name is too long (${v.length} characters, at most ${USER_NAME_MAX})`, hint: `shorten it, e.g. to ${q(fixed)}` }
      : { message: `${q(v)} is not a valid user name`, hint: `use lowercase letters, digits, "_" and "-", e.g. ${q(fixed)}` };
  },
);

/** The layer budget: the image's own layer plus at least one store layer, at most Docker's 125. */
export const LAYERS = { min: 2, max: 125, default: 100 } as const;
export const maxLayers = rule(
  { type: 'integer', description: `Most layers the image may have, ${LAYERS.min} to ${LAYERS.max} (one of them holds /etc, /tmp and the home; store paths beyond the budget share layers).`, minimum: LAYERS.min, maximum: LAYERS.max },
  (v: number) =>
    v < LAYERS.min || v > LAYERS.max
      ? { message: `must be between ${LAYERS.min} and ${LAYERS.max}, got ${v}`, hint: `Docker allows at most ${LAYERS.max} layers and one is the image's own; ${LAYERS.default} (the default) leaves room for layers built on top` }
      : undefined,
);

export const port = rule({ type: 'integer', description: 'TCP port, 1 to 65535.', minimum: 1, maximum: 65535 }, (v: number) =>
  v < 1 || v > 65535 ? { message: `port must be between 1 and 65535, got ${v}`, hint: `use a port such as ${DEFAULT_PORT} (the default)` } : undefined,
);

// An absolute path written the one way: `/`, then segments that are not empty, `.` or `..`.
const ABSOLUTE_PATH = /^\/$|^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;
function normalisePath(s: string): string {
  const parts: string[] = [];
  for (const seg of s.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return '/' + parts.join('/');
}
export const absolutePath = rule(
  { type: 'string', description: 'Absolute path inside the image, written plainly: starts with `/`, no `.` or `..` segments, no `//`, no trailing `/`.', pattern: ABSOLUTE_PATH.source },
  (v: string) => {
    if (ABSOLUTE_PATH.test(v)) return undefined;
    if (!v.startsWith('/')) return { message: `${q(v)} is not an absolute path`, hint: `start it with "/", e.g. ${q(normalisePath(v))}` };
    const fixed = normalisePath(v);
    if (v.split('/').includes('..')) return { message: `${q(v)} contains a ".." segment`, hint: `write the path without "..", e.g. ${q(fixed)}` };
    return { message: `${q(v)} is not written plainly (no "//", "." segments or trailing "/")`, hint: `write ${q(fixed)}` };
  },
);

/** Where image.files puts a directory: an absolute path, or one relative to the user's home; no `..`. */
export const fileTarget = rule(
  { type: 'string', description: "Where a directory goes in the image: an absolute path, or a path relative to the user's home; no `..` segments.", minLength: 1, pattern: '^(?!(?:.*/)?\\.\\.(?:/|$))' },
  (v: string) => {
    if (v === '') return { message: 'must not be empty', hint: 'name where the directory goes, e.g. "lessons" (in the home) or "/opt/lessons"' };
    if (v.split('/').includes('..')) return { message: `${q(v)} contains a ".." segment, which could leave the home`, hint: 'write the path without "..", relative to the home or absolute' };
    return undefined;
  },
);

/** True for paths that would hide the Nix store (`/`, `/nix`, `/nix/…`). */
export function hidesStore(p: string): boolean {
  return p === '/' || p === '/nix' || p.startsWith('/nix/');
}

// Docker repository names (distribution/reference): lowercase path components joined by `/`,
// each of alphanumerics joined by `.`, `_`, `__` or dashes; optionally a registry `host[:port]/`
// first, whose host part may have uppercase letters.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const REPOSITORY = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const REPOSITORY_MAX = 255;
export const repository = rule(
  {
    type: 'string',
    description: 'Image repository name, lowercase, optionally with a registry host (`nixlab-demo`, `ghcr.io/org/lab`, `localhost:5000/lab`).',
    maxLength: REPOSITORY_MAX,
    pattern: REPOSITORY.source,
  },
  (v: string) => {
    if (REPOSITORY.test(v) && v.length <= REPOSITORY_MAX) return undefined;
    if (v.includes('@')) return { message: `${q(v)} names a digest; an image is named by repository and tag`, hint: 'remove the "@sha256:…" part' };
    if (v.length > REPOSITORY_MAX) return { message: `repository name is too long (${v.length} characters, at most ${REPOSITORY_MAX})`, hint: 'shorten it' };
    const lower = v.toLowerCase();
    if (lower !== v && REPOSITORY.test(lower)) return { message: `image name ${q(v)} has uppercase letters; image names must be lowercase`, hint: `use ${q(lower)}` };
    return { message: `${q(v)} is not a valid image repository name`, hint: 'use lowercase letters and digits joined by ".", "_", "__" or "-", with "/" between parts, e.g. "nixlab-demo" or "ghcr.io/org/lab"' };
  },
);

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const tag = rule({ type: 'string', description: 'Image tag: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`.', pattern: TAG.source }, (v: string) =>
  TAG.test(v) ? undefined : { message: `${q(v)} is not a valid image tag`, hint: 'use up to 128 letters, digits, "_", "." and "-", not starting with "." or "-", e.g. "latest" or "2024.06"' },
);

/** The image reference when the config names none. */
export const DEFAULT_REFERENCE = { repository: 'nixlab', tag: 'latest' } as const;

// ---------------------------------------------------------------------------------------------
// nixpkgs

export const nixpkgsRev = rule({ type: 'string', description: 'Full 40-character lowercase hex commit id of github:NixOS/nixpkgs.', pattern: '^[0-9a-f]{40}$' }, (v: string) => {
  if (/^[0-9a-f]{40}$/.test(v)) return undefined;
  return /^[0-9A-Fa-f]{40}$/.test(v)
    ? { message: `${q(v)} has uppercase letters`, hint: `write it in lowercase: ${q(v.toLowerCase())}` }
    : { message: `${q(v)} is not a full commit id`, hint: 'use the 40-character lowercase hex commit id of NixOS/nixpkgs (branch names and short ids are not allowed)' };
});

export const narHash = rule({ type: 'string', description: 'SRI sha256 hash of the unpacked source tree (`sha256-…=`), as in flake.lock `narHash`.', pattern: '^sha256-[A-Za-z0-9+/]{43}=$' }, (v: string) =>
  /^sha256-[A-Za-z0-9+/]{43}=$/.test(v)
    ? undefined
    : { message: `${q(v)} is not an SRI sha256 hash ("sha256-" and 44 base64 characters)`, hint: 'run `nix flake prefetch --json github:NixOS/nixpkgs/<rev>` and copy its "hash"' },
);

// What nixpkgs may evaluate: its `config` (pkgs/stdenv/generic/check-meta.nix reads these). nixpkgs
// refuses unfree, broken and insecure packages unless its config allows them.

/** nixpkgs' config when the nixlab config says nothing: nothing unfree, broken or insecure. */
export const NIXPKGS_CONFIG_DEFAULTS = { allowUnfree: false, allowBroken: false, permittedInsecurePackages: [] as string[] } as const;

export const allowUnfree = rule(
  { type: 'boolean', description: 'Let nixpkgs evaluate packages whose license is unfree (nixpkgs `config.allowUnfree`). Default false.' },
  () => undefined,
);

export const allowBroken = rule(
  { type: 'boolean', description: 'Let nixpkgs evaluate packages marked broken (nixpkgs `config.allowBroken`); they may fail to build or to work. Default false.' },
  () => undefined,
);

// nixpkgs compares each entry with the package's `name`, which is `<pname>-<version>` (and the
// version starts with a digit in practice): `olm-3.2.16`, `python3.12-foo-1.0`.
const INSECURE_NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*-[0-9][A-Za-z0-9._+-]*$/;
export const permittedInsecurePackage = rule(
  {
    type: 'string',
    description: 'An insecure package nixpkgs may evaluate anyway, by its name and version as the refusal prints it (`olm-3.2.16`): nixpkgs `config.permittedInsecurePackages`.',
    pattern: INSECURE_NAME.source,
  },
  (v: string) => {
    if (INSECURE_NAME.test(v)) return undefined;
    if (/^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/.test(v)) {
      return { message: `${q(v)} has no version; nixpkgs permits an insecure package by name and version`, hint: `write the name and version nixpkgs prints when it refuses the package, e.g. ${q(`${v.replace(/-+$/, '') || 'olm'}-3.2.16`)}` };
    }
    return { message: `${q(v)} is not a package name and version`, hint: 'write it as nixpkgs prints it in the refusal, e.g. "olm-3.2.16"' };
  },
);

// ---------------------------------------------------------------------------------------------
// Files the config names

/** A path relative to the config file (`logos/logo-64x64.png`). */
export const relativeFile = rule({ type: 'string', description: 'Path of a file, relative to the config file.', minLength: 1, pattern: '^[^/]' }, (v: string) => {
  if (v === '') return { message: 'must not be empty', hint: 'give the path of the file, relative to the config file' };
  if (v.startsWith('/')) return { message: `${q(v)} is an absolute path; paths here are relative to the config file`, hint: 'put the file near the config and write e.g. "logos/logo-64x64.png"' };
  return undefined;
});

// ---------------------------------------------------------------------------------------------
// JupyterHub (the single-user target and `nixlab hub`)

/** The hub's `major.minor` a single-user image must match (`"5.4"`). */
export const HUB_VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;
/**
 * The oldest JupyterHub a single-user image can work with: from 4.0 on `jupyterhub-singleuser`
 * is a jupyter-server extension (the only kind JupyterLab 4 and Notebook 7 load), and 4.0 is
 * the oldest release any package set nixlab builds against has had.
 */
export const HUB_MIN_VERSION = '4.0';
/** SharedPasswordAuthenticator first shipped in JupyterHub 5.3 (jupyterhub/authenticators/shared.py). */
export const SHARED_PASSWORD_MIN_HUB = '5.3';
/**
 * JupyterHub's shortest shared passwords: `_USER_PASSWORD_MIN_LENGTH = 8` and
 * `_ADMIN_PASSWORD_MIN_LENGTH = 32` in jupyterhub/authenticators/shared.py (JupyterHub 5.3+);
 * shorter values make the hub refuse to start.
 */
export const SHARED_PASSWORD_MIN_LENGTH = { user: 8, admin: 32 } as const;

/** `major.minor` compared numerically: negative when a < b. */
export function compareMajorMinor(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am! - bm! || an! - bn!;
}

// major.minor with a major of 4 or more (HUB_MIN_VERSION), so that the schema refuses what `explain` does.
const HUB_VERSION_SUPPORTED = /^(?:[4-9]|[1-9][0-9]+)\.(?:0|[1-9][0-9]*)$/;
export const hubVersion = rule({ type: 'string', description: `The JupyterHub version the single-user image must match, \`major.minor\` (\`"5.4"\`), ${HUB_MIN_VERSION} or newer.`, pattern: HUB_VERSION_SUPPORTED.source }, (v: string) => {
  if (!HUB_VERSION.test(v)) {
    const m = /^(\d+)\.(\d+)/.exec(v);
    return { message: `${q(v)} is not a JupyterHub major.minor version`, hint: m ? `write ${q(`${Number(m[1])}.${Number(m[2])}`)} (the hub's major.minor)` : 'write the major.minor of the hub the image runs under, e.g. "5.4"' };
  }
  if (compareMajorMinor(v, HUB_MIN_VERSION) < 0) {
    return { message: `JupyterHub ${v} is older than ${HUB_MIN_VERSION}, the oldest a package set nixlab builds with offers (single-user servers are jupyter-server extensions from 4.0 on)`, hint: `upgrade the hub to ${HUB_MIN_VERSION} or newer and declare its version` };
  }
  return undefined;
});

/** How users log in to a hub `nixlab hub` generates. */
export const HUB_AUTHENTICATORS = {
  native: 'NativeAuthenticator: users sign up, an admin authorizes them (jupyterhub-deploy-docker)',
  tmp: 'tmpauthenticator: every visitor gets a temporary user and a server (workshops)',
  'shared-password': `JupyterHub's SharedPasswordAuthenticator (JupyterHub ${SHARED_PASSWORD_MIN_HUB} or newer): one password for every user`,
  dummy: "JupyterHub's DummyAuthenticator: any name, any password (tests only)",
} as const;
export type HubAuthenticator = keyof typeof HUB_AUTHENTICATORS;
export const DEFAULT_HUB_AUTHENTICATOR: HubAuthenticator = 'native';
export const DEFAULT_HUB_ADMIN = 'admin';
/** The port the hub's proxy serves on (jupyterhub-deploy-docker's). */
export const DEFAULT_HUB_PORT = 8000;

export const hubAuthenticator = rule(
  { type: 'string', description: `How users log in: ${Object.entries(HUB_AUTHENTICATORS).map(([k, d]) => `\`${k}\` (${d})`).join('; ')}.`, enum: Object.keys(HUB_AUTHENTICATORS) },
  (v: string) =>
    Object.hasOwn(HUB_AUTHENTICATORS, v)
      ? undefined
      : { message: `unknown authenticator ${q(v)}`, hint: `use one of ${Object.keys(HUB_AUTHENTICATORS).map(q).join(', ')}` },
);

/** Characters a `.env` value cannot hold as they are (docker-compose reads a line per variable): the C0 controls and DEL. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
/** Where a control character is in `v`, described for a message (`a newline at offset 8`). */
export function controlCharacterIn(v: string): string | undefined {
  const m = CONTROL_CHARACTER.exec(v);
  if (!m) return undefined;
  const c = m[0].charCodeAt(0);
  const name = c === 10 ? 'a newline' : c === 13 ? 'a carriage return' : c === 9 ? 'a tab' : `the control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `${name} at offset ${m.index}`;
}
/** The schema pattern of a value that goes into the deployment's .env. */
const NO_CONTROL_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';
const controlVerdict = (what: string, v: string): Verdict | undefined => {
  const where = controlCharacterIn(v);
  return where ? { message: `${what} holds ${where}; it is written into the deployment's .env, one line per variable`, hint: 'remove the control character (newlines, tabs and the like); letters, digits, spaces and punctuation, `$`, `#`, quotes and backslashes included, are all fine' } : undefined;
};

export const sharedPassword = rule(
  { type: 'string', description: `The password every user logs in with (shared-password), at least ${SHARED_PASSWORD_MIN_LENGTH.user} characters, no control characters; written into the deployment's .env, never into an image.`, minLength: SHARED_PASSWORD_MIN_LENGTH.user, pattern: NO_CONTROL_PATTERN },
  (v: string) =>
    v.length < SHARED_PASSWORD_MIN_LENGTH.user
      ? { message: `the shared password has ${v.length} characters; JupyterHub refuses passwords shorter than ${SHARED_PASSWORD_MIN_LENGTH.user}`, hint: `use at least ${SHARED_PASSWORD_MIN_LENGTH.user} characters` }
      : controlVerdict('the shared password', v),
);

export const adminPassword = rule(
  { type: 'string', description: `The password the admin logs in with (shared-password), at least ${SHARED_PASSWORD_MIN_LENGTH.admin} characters, no control characters, and not the users' password; written into the deployment's .env, never into an image.`, minLength: SHARED_PASSWORD_MIN_LENGTH.admin, pattern: NO_CONTROL_PATTERN },
  (v: string) =>
    v.length < SHARED_PASSWORD_MIN_LENGTH.admin
      ? { message: `the admin password has ${v.length} characters; JupyterHub refuses admin passwords shorter than ${SHARED_PASSWORD_MIN_LENGTH.admin}`, hint: `use at least ${SHARED_PASSWORD_MIN_LENGTH.admin} characters` }
      : controlVerdict('the admin password', v),
);

/** The host address the hub's port is published on: loopback only, unless the config says otherwise. */
export const DEFAULT_HUB_ADDRESS = '127.0.0.1';
const IPV4 = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_ADDRESS = new RegExp(`^${IPV4}(?:\\.${IPV4}){3}$`);
export const hubAddress = rule(
  { type: 'string', description: `The host's IPv4 address the hub's port is published on. Default \`${DEFAULT_HUB_ADDRESS}\` (this machine only); \`0.0.0.0\` publishes it on every address, for a hub behind TLS or a reverse proxy.`, pattern: IPV4_ADDRESS.source },
  (v: string) =>
    IPV4_ADDRESS.test(v) ? undefined : { message: `${q(v)} is not an IPv4 address`, hint: `write ${q(DEFAULT_HUB_ADDRESS)} (this machine only, the default) or "0.0.0.0" (every address: put the hub behind TLS or a reverse proxy)` },
);

// The generated compose project (`nixlab compose`)

/** How the compose service is networked: its own bridge with the port published on 127.0.0.1, or the host's network. */
export const COMPOSE_NETWORKS = ['bridge', 'host'] as const;
export const composeNetwork = rule(
  { type: 'string', description: '`bridge` (the default: the port published on 127.0.0.1 only) or `host` (the host network: the URL Jupyter prints works as it is).', enum: [...COMPOSE_NETWORKS] },
  (v: string) => (COMPOSE_NETWORKS.includes(v as never) ? undefined : { message: `must be bridge or host, got ${q(v)}`, hint: 'use host for the host network, or leave it out' }),
);
/** The host directory bind-mounted at the notebook directory, relative to the compose project. */
export const COMPOSE_NOTEBOOKS_DEFAULT = './notebooks';
export const composeDir = rule(
  { type: 'string', description: 'A directory relative to the compose project, starting with `./`, without `..`.', pattern: '^\\./(?!(?:.*/)?\\.\\.(?:/|$))[^\\0]*$' },
  (v: string) =>
    /^\.\/(?!(?:.*\/)?\.\.(?:\/|$))/.test(v) ? undefined : { message: `${q(v)} must start with "./" and stay inside the compose project (no "..")`, hint: `write e.g. ${q(COMPOSE_NOTEBOOKS_DEFAULT)}` },
);

// ---------------------------------------------------------------------------------------------
// JupyterLab extensions (`lab.extensions`)

/**
 * A prebuilt JupyterLab extension, by its nixpkgs Python package attribute name
 * (pkgs/top-level/python-packages.nix: `jupyterlab-git`, `jupyterlab-widgets`). Users often
 * write the extension's npm name (`@jupyterlab/git`) or a pip requirement instead.
 */
export const labExtension = attrNameRule(
  'A JupyterLab extension that ships prebuilt, by its nixpkgs Python package attribute name (`jupyterlab-git`, `jupyterlab-widgets`); it joins the server environment.',
  '"jupyterlab-git" or "jupyterlab-widgets"',
  {
    explain: (s) => {
      if (s.startsWith('@') || s.includes('/')) {
        return { message: `${q(s)} looks like the extension's npm name; lab.extensions takes the Python package that ships it prebuilt`, hint: 'write its nixpkgs Python attribute name, e.g. "jupyterlab-git" for @jupyterlab/git' };
      }
      const pip = /^([A-Za-z_][A-Za-z0-9_.-]*?)\s*(?:[=<>!~]=?|@|\[)/.exec(s);
      if (pip) return { message: `${q(s)} is a pip requirement; the version comes from the package set`, hint: `write the name alone: ${q(pip[1]!.replace(/[._]/g, '-').toLowerCase())}` };
      return undefined;
    },
  },
);
