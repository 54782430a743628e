// The JSON Schema (draft 2020-12) for nixlab configs: the single source of truth for what a
// TS, JSON or YAML config may contain. Descriptions double as the config reference.
//
// Every constrained leaf is a named entry in `schemaDefs`, so validate.ts can recognise which
// rule failed by object identity and explain it in plain words. Kernel kinds are branches in
// `kernelBranches`: adding a kind is adding one branch here and one handler in validate.ts.
import { writeFile } from 'node:fs/promises';

/** A JSON Schema object (kept loose: the schema is data, checked by ajv's meta-schema). */
export type SchemaObject = { [keyword: string]: unknown };

/** The schema's `$id`; also what users put in `$schema` for editor completion. */
export const schemaId = 'https://nixlab.dev/schema/config.json';

/** Nix keywords, which can never be bare attribute names. */
export const nixKeywords = ['assert', 'else', 'if', 'in', 'inherit', 'let', 'or', 'rec', 'then', 'with'] as const;

/** The kernel kinds nixlab knows; each has a branch in `kernelBranches`. */
export const kernelKinds = [
  'python',
  'custom',
  'r',
  'go',
  'cpp',
  'rust',
  'haskell',
  'bash',
  'javascript',
  'typescript',
  'octave',
  'ruby',
  'clojure',
] as const;

// One attribute name: Nix's bare-identifier syntax, minus the keywords. The lookahead rejects a
// keyword only when it is the whole name (`inherit` is refused, `inherits` and `in-x` are fine).
const identChars = "A-Za-z0-9_'-";
const attrName = `(?!(?:${nixKeywords.join('|')})(?![${identChars}]))[A-Za-z_][${identChars}]*`;

/** Pattern for a plain nixpkgs attribute name (`numpy`, `scikit-learn`). */
export const attrNamePattern = `^${attrName}$`;
/** Pattern for a dotted nixpkgs attribute path (`python3Packages.bash-kernel`). */
export const attrPathPattern = `^${attrName}(?:\\.${attrName})*$`;

// Docker repository names: lowercase path components joined by `/`, each component
// alphanumerics joined by `.`, `_`, `__` or dashes; optionally a registry `host[:port]/` first.
const repoComponent = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const hostComponent = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const registryHost = `${hostComponent}(?:\\.${hostComponent})*(?::[0-9]+)?/`;

/** Named leaf (and kernel) schemas; validate.ts maps each to a plain-words explanation. */
export const schemaDefs = {
  kernelName: {
    type: 'string',
    description: 'Kernelspec directory name: letters, digits, `.`, `_` and `-`; not `.` or `..`.',
    minLength: 1,
    maxLength: 255,
    pattern: '^[A-Za-z0-9._-]+$',
    not: { enum: ['.', '..'] },
  },
  displayName: {
    type: 'string',
    description: 'Name shown in the launcher and the kernel menu.',
    minLength: 1,
  },
  envName: {
    type: 'string',
    description: 'POSIX environment variable name: letters, digits and `_`, not starting with a digit.',
    pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  },
  envValue: {
    type: 'string',
    description: 'Value of the environment variable.',
  },
  interruptMode: {
    type: 'string',
    description: 'How Jupyter interrupts the kernel: `signal` (SIGINT) or `message` (interrupt_request).',
    enum: ['signal', 'message'],
  },
  metadata: {
    type: 'object',
    description: 'Free-form JSON copied into kernel.json `metadata`.',
  },
  logoPath: {
    type: 'string',
    description: 'Path of the logo file, relative to the config file.',
    minLength: 1,
    pattern: '^[^/]',
  },
  nixFile: {
    type: 'string',
    description: 'Path of a `.nix` file, relative to the config file.',
    minLength: 1,
    pattern: '^([^/].*/)?[A-Za-z0-9_+-][A-Za-z0-9._+-]*\\.nix$',
  },
  pythonVersion: {
    type: 'string',
    description: 'Python interpreter version as a string: `3.11`, `3.12`, `3.13`.',
    pattern: '^3\\.(1[0-9])$',
  },
  pythonPackage: {
    type: 'string',
    description: 'A Python package attribute name in nixpkgs `python3XXPackages` (`numpy`, `scikit-learn`).',
    pattern: attrNamePattern,
  },
  rPackage: {
    type: 'string',
    description: 'An R package attribute name in nixpkgs `rPackages` (`ggplot2`; R\'s `data.table` is `data_table`).',
    pattern: attrNamePattern,
  },
  haskellPackage: {
    type: 'string',
    description: 'A Haskell package attribute name in nixpkgs `haskellPackages` (`lens`, `aeson`).',
    pattern: attrNamePattern,
  },
  octavePackage: {
    type: 'string',
    description: 'An Octave package attribute name in nixpkgs `octavePackages` (`signal`, `statistics`).',
    pattern: attrNamePattern,
  },
  cppStd: {
    type: 'integer',
    description: 'C++ standard as a number: `17` or `20` (`23` needs xeus-cpp, which the pinned nixpkgs 24.11 lacks).',
    enum: [17, 20, 23],
  },
  attrPath: {
    type: 'string',
    description: 'A nixpkgs attribute path (`busybox`, `python3Packages.bash-kernel`).',
    pattern: attrPathPattern,
  },
  language: {
    type: 'string',
    description: 'Language name reported to Jupyter (`bash`, `julia`).',
    minLength: 1,
  },
  argvItem: {
    type: 'string',
    description: 'One argument of the kernel command line.',
  },
  fileExtension: {
    type: 'string',
    description: 'Notebook `language_info.file_extension`, starting with a dot (`.sh`).',
    pattern: '^\\.[A-Za-z0-9_+-]+$',
  },
  frontend: {
    type: 'string',
    description: 'Jupyter front end: `lab` (JupyterLab), `notebook` (Notebook 7) or `server` (headless Jupyter Server).',
    enum: ['lab', 'notebook', 'server'],
  },
  nixpkgsRev: {
    type: 'string',
    description: 'Full 40-character lowercase hex commit id of github:NixOS/nixpkgs.',
    pattern: '^[0-9a-f]{40}$',
  },
  narHash: {
    type: 'string',
    description: 'SRI sha256 hash of the unpacked source tree (`sha256-…=`), as in flake.lock `narHash`.',
    pattern: '^sha256-[A-Za-z0-9+/]{43}=$',
  },
  imageName: {
    type: 'string',
    description: 'Image repository name, lowercase, optionally with a registry host (`nixlab-demo`, `ghcr.io/org/lab`, `localhost:5000/lab`).',
    maxLength: 255,
    pattern: `^(?:${registryHost})?${repoComponent}(?:/${repoComponent})*$`,
  },
  imageTag: {
    type: 'string',
    description: 'Image tag: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`.',
    pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
  },
  userName: {
    type: 'string',
    description: 'Login name of the image user: lowercase letters, digits, `_` and `-`, not starting with a digit or `-`.',
    maxLength: 32,
    pattern: '^[a-z_][a-z0-9_-]*$',
  },
  numericId: {
    type: 'integer',
    description: 'A numeric user or group id, 0 to 2147483647.',
    minimum: 0,
    maximum: 2147483647,
  },
  port: {
    type: 'integer',
    description: 'TCP port, 1 to 65535.',
    minimum: 1,
    maximum: 65535,
  },
  absolutePath: {
    type: 'string',
    description: 'Absolute path inside the image: starts with `/`, no `..` segments.',
    pattern: '^(?!.*/\\.\\.(?:/|$))/',
  },
  maxLayers: {
    type: 'integer',
    description: 'Most layers the image may have, 1 to 125; store paths beyond the limit share the last layer.',
    minimum: 1,
    maximum: 125,
  },
} satisfies Record<string, SchemaObject>;

const ref = (name: keyof typeof schemaDefs | `${(typeof kernelKinds)[number]}Kernel`, description: string): SchemaObject => ({
  $ref: `#/$defs/${name}`,
  description,
});

const envMap = (description: string): SchemaObject => ({
  type: 'object',
  description,
  propertyNames: { $ref: '#/$defs/envName' },
  additionalProperties: { $ref: '#/$defs/envValue' },
});

/** Properties every kernel has, whatever its kind. */
const kernelBaseProperties: Record<string, SchemaObject> = {
  name: ref('kernelName', 'Kernelspec directory name, unique in the config: `[A-Za-z0-9._-]+`, not `.` or `..`.'),
  displayName: ref('displayName', 'Shown in the launcher. Default: derived from the kind and version (`Python 3.12 (name)`), or the name.'),
  env: envMap('Extra environment variables for the kernel process (POSIX names, string values).'),
  interruptMode: ref('interruptMode', 'kernel.json `interrupt_mode`: `signal` (default) or `message`.'),
  metadata: ref('metadata', 'Free-form JSON copied into kernel.json `metadata`.'),
  logos: {
    type: 'object',
    description: 'Logo files, relative to the config file.',
    additionalProperties: false,
    properties: {
      '32x32': ref('logoPath', '32×32 PNG logo (kernelspec `logo-32x32.png`).'),
      '64x64': ref('logoPath', '64×64 PNG logo (kernelspec `logo-64x64.png`).'),
      svg: ref('logoPath', 'SVG logo (kernelspec `logo-svg.svg`).'),
    },
  },
};

/** A kernel branch: the kind, the common properties, and the kind's own options. */
function presetBranch(kind: (typeof kernelKinds)[number], description: string, options: Record<string, SchemaObject> = {}): SchemaObject {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: ['kind', 'name'],
    properties: {
      kind: { const: kind, description: `Kernel kind: \`${kind}\`.` },
      ...kernelBaseProperties,
      ...options,
    },
  };
}

/** A `packages` option listing attribute names of one nixpkgs package set. */
function packageList(item: 'rPackage' | 'haskellPackage' | 'octavePackage', description: string): SchemaObject {
  return { type: 'array', description, items: { $ref: `#/$defs/${item}` } };
}

/** One object schema per kernel kind; `kind` selects which one applies. */
export const kernelBranches: Record<(typeof kernelKinds)[number], SchemaObject> = {
  python: {
    type: 'object',
    description: 'A Python kernel: a Python interpreter with ipykernel and the listed packages.',
    additionalProperties: false,
    required: ['kind', 'name'],
    properties: {
      kind: { const: 'python', description: 'Kernel kind: `python`.' },
      ...kernelBaseProperties,
      version: ref('pythonVersion', 'Python version as a string (`"3.12"`, the default).'),
      packages: {
        type: 'array',
        description: 'Python package attribute names from nixpkgs (`numpy`, `scikit-learn`); ipykernel is always included.',
        items: { $ref: '#/$defs/pythonPackage' },
      },
    },
  },
  custom: {
    type: 'object',
    description: 'Any kernel: a command line, a language, and the nixpkgs attributes it needs.',
    additionalProperties: false,
    required: ['kind', 'name', 'language', 'argv'],
    properties: {
      kind: { const: 'custom', description: 'Kernel kind: `custom`.' },
      ...kernelBaseProperties,
      language: ref('language', 'Language name reported to Jupyter (`bash`).'),
      argv: {
        type: 'array',
        description: 'Kernel command line; must contain `{connection_file}`. A first element without `/` is looked up in the kernel environment\'s `bin/`.',
        minItems: 1,
        items: { $ref: '#/$defs/argvItem' },
      },
      packages: {
        type: 'array',
        description: 'nixpkgs attribute paths joined into the kernel environment (`python3Packages.bash-kernel`, `busybox`).',
        items: { $ref: '#/$defs/attrPath' },
      },
      fileExtension: ref('fileExtension', 'Notebook `language_info.file_extension` (`.sh`).'),
      nix: ref(
        'nixFile',
        'A Nix file in your repository, `{ pkgs }: <derivation>`, joined into the kernel environment (for kernels nixpkgs does not package). Its directory is copied into the generated project, so keep that directory small.',
      ),
    },
  },
  r: presetBranch('r', 'An R kernel (IRkernel) in an R environment with the R packages you list.', {
    packages: packageList('rPackage', 'R package attribute names from nixpkgs `rPackages` (`ggplot2`, `data_table`); IRkernel is always included.'),
  }),
  go: presetBranch('go', 'A Go kernel: gophernotes.'),
  cpp: presetBranch('cpp', 'A C++ kernel: xeus-cling (nixpkgs `cpp17-kernel`, `cpp2a-kernel`).', {
    std: ref('cppStd', 'C++ standard: `17` (the default) or `20`. `23` needs xeus-cpp, which nixpkgs 24.11 lacks.'),
  }),
  rust: presetBranch('rust', 'A Rust kernel: evcxr (`evcxr_jupyter`), with cargo and rustc on its PATH.'),
  haskell: presetBranch('haskell', 'A Haskell kernel (IHaskell) in a GHC environment with the Haskell packages you list.', {
    packages: packageList('haskellPackage', 'Haskell package attribute names from nixpkgs `haskellPackages` (`lens`, `aeson`); ihaskell is always included.'),
  }),
  bash: presetBranch('bash', 'A Bash kernel: bash_kernel in a Python environment.'),
  javascript: presetBranch('javascript', "A JavaScript kernel: Deno's built-in Jupyter kernel."),
  typescript: presetBranch('typescript', "A TypeScript kernel: Deno's built-in Jupyter kernel."),
  octave: presetBranch('octave', 'An Octave kernel (octave_kernel) with Octave and the Octave packages you list.', {
    packages: packageList('octavePackage', 'Octave package attribute names from nixpkgs `octavePackages` (`signal`, `statistics`).'),
  }),
  ruby: presetBranch('ruby', 'A Ruby kernel: IRuby.'),
  clojure: presetBranch('clojure', 'A Clojure kernel: clojupyter.'),
};

// Kernels dispatch on `kind` with if/then rather than oneOf, so a kernel with a known kind is
// checked against that kind's branch only and errors never mix in the other kinds' rules.
const kernelSchema: SchemaObject = {
  type: 'object',
  description: 'A Jupyter kernel; `kind` decides which other keys apply.',
  required: ['kind'],
  properties: {
    kind: { enum: [...kernelKinds], description: `Kernel kind: ${kernelKinds.map((k) => `\`${k}\``).join(', ')}.` },
    // Also checked here so that a kernel whose kind is missing or unknown still gets its name
    // checked; for a known kind the branch reports the same problem and the repeat is dropped.
    name: kernelBaseProperties.name!,
  },
  allOf: kernelKinds.map((kind) => ({
    if: { type: 'object', required: ['kind'], properties: { kind: { const: kind } } },
    then: { $ref: `#/$defs/${kind}Kernel` },
  })),
};

/** The config schema (draft 2020-12). */
export const configSchema: SchemaObject = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: schemaId,
  title: 'nixlab config',
  description: 'Declared Jupyter kernels and image settings, compiled by nixlab into Nix expressions and a container image.',
  type: 'object',
  additionalProperties: false,
  required: ['kernels'],
  properties: {
    $schema: { type: 'string', description: `Schema pointer for editors: \`${schemaId}\`.` },
    frontend: ref('frontend', 'Jupyter front end: `lab`, `notebook` (default) or `server`.'),
    nixpkgs: {
      type: 'object',
      description: 'Override of the pinned nixpkgs (github:NixOS/nixpkgs only). Default: the pin in flake.lock.',
      additionalProperties: false,
      required: ['rev', 'narHash'],
      properties: {
        rev: ref('nixpkgsRev', 'Full 40-character lowercase hex commit id of NixOS/nixpkgs.'),
        narHash: ref('narHash', 'SRI sha256 of the unpacked tree (`sha256-…=`), as flake.lock `narHash`.'),
      },
    },
    kernels: {
      type: 'array',
      description: 'The kernels, in launcher order. At least one.',
      minItems: 1,
      items: { $ref: '#/$defs/kernel' },
    },
    image: {
      type: 'object',
      description: 'Container image settings.',
      additionalProperties: false,
      properties: {
        name: ref('imageName', 'Repository name, lowercase (`nixlab-demo`, `ghcr.io/org/lab`). Default `nixlab`.'),
        tag: ref('imageTag', 'Image tag. Default `latest`.'),
        user: {
          type: 'object',
          description: 'The user Jupyter runs as. Default `jovyan`, uid 1000, gid 100.',
          additionalProperties: false,
          properties: {
            name: ref('userName', 'Login name. Default `jovyan`.'),
            uid: ref('numericId', 'User id. Default 1000.'),
            gid: ref('numericId', 'Primary group id. Default 100.'),
          },
        },
        port: ref('port', 'Port Jupyter listens on. Default 8888.'),
        volumes: {
          type: 'array',
          description: 'Absolute paths declared as volumes; the first is the notebook directory. Default none.',
          items: { $ref: '#/$defs/absolutePath' },
        },
        env: envMap('Environment variables of the image (POSIX names, string values).'),
        workdir: ref('absolutePath', 'Working directory. Default: the first volume, else `/home/<user name>`.'),
        maxLayers: ref('maxLayers', 'Most layers the image may have, 1 to 125. Default 100.'),
        files: {
          type: 'array',
          description: 'Directories from your repository copied into the image, owned by the image user (e.g. lesson notebooks in the home).',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['source', 'target'],
            properties: {
              source: { type: 'string', minLength: 1, pattern: '^[^/]', description: 'A directory, relative to the config file.' },
              target: { type: 'string', minLength: 1, pattern: '^(?!.*(^|/)\\.\\.(?:/|$))', description: 'Where it goes in the image: an absolute path, or a path relative to the user\'s home.' },
            },
          },
        },
      },
    },
  },
  $defs: {
    ...schemaDefs,
    kernel: kernelSchema,
    ...Object.fromEntries(kernelKinds.map((kind) => [`${kind}Kernel`, kernelBranches[kind]])),
  },
};

/** The schema as pretty JSON with a trailing newline (what `nixlab schema` prints). */
export function renderSchema(): string {
  return JSON.stringify(configSchema, null, 2) + '\n';
}

/** Writes the schema as pretty JSON to `file`. */
export async function writeSchema(file: string): Promise<void> {
  await writeFile(file, renderSchema());
}
