// The JSON Schema (draft 2020-12) for nixlab configs, assembled from the rule set (./rules.ts)
// and the kernel kinds (../kernels/): what a TS, JSON or YAML config may contain. Descriptions
// double as the config reference.
//
// Every constrained leaf is a named rule in `$defs`, so the validator can tell which rule failed
// by the schema object ajv reports, and explain it in that rule's own words.
import { InternalError } from '../errors.js';
import { kernelKinds, kindNames } from '../kernels/index.js';
import { deployTargets } from '../deploy/targets/index.js';
import { FRONT_ENDS, DEFAULT_FRONT_END, frontEndNames } from '../runtime/targets.js';
import { DEFAULT_PORT, DEFAULT_USER } from '../runtime/facts.js';
import * as rules from './rules.js';
import { kernelName } from './kernel-name.js';
import type { Rule, SchemaObject } from './rules.js';

export type { SchemaObject } from './rules.js';

/** The schema's `$id`; also what users put in `$schema` for editor completion. */
export const schemaId = 'https://nixlab.dev/schema/config.json';

/** The value rules every config shares, by `$defs` name. */
const sharedRules: Record<string, Rule> = {
  kernelName,
  displayName: rules.displayName,
  envName: rules.envName,
  relativeFile: rules.relativeFile,
  repository: rules.repository,
  tag: rules.tag,
  userName: rules.userName,
  numericId: rules.numericId,
  port: rules.port,
  absolutePath: rules.absolutePath,
  fileTarget: rules.fileTarget,
  maxLayers: rules.maxLayers,
  nixpkgsRev: rules.nixpkgsRev,
  narHash: rules.narHash,
  allowUnfree: rules.allowUnfree,
  allowBroken: rules.allowBroken,
  permittedInsecurePackage: rules.permittedInsecurePackage,
  hubVersion: rules.hubVersion,
  hubAuthenticator: rules.hubAuthenticator,
  sharedPassword: rules.sharedPassword,
  adminPassword: rules.adminPassword,
  hubAddress: rules.hubAddress,
  composeNetwork: rules.composeNetwork,
  composeDir: rules.composeDir,
  labExtension: rules.labExtension,
  frontend: {
    schema: { type: 'string', description: `Jupyter front end: ${frontEndNames.map((n) => `\`${n}\` (${FRONT_ENDS[n].summary})`).join(', ')}.`, enum: frontEndNames },
    explain: () => undefined,
  },
  interruptMode: {
    schema: { type: 'string', description: 'How Jupyter interrupts the kernel: `signal` (SIGINT) or `message` (interrupt_request).', enum: ['signal', 'message'] },
    explain: () => undefined,
  },
};

/** Every rule of the schema by `$defs` name: the shared ones and each kind's own. */
export const namedRules: Readonly<Record<string, Rule>> = (() => {
  const all: Record<string, Rule> = { ...sharedRules };
  for (const kind of kernelKinds) {
    for (const [name, rule] of Object.entries(kind.rules ?? {})) {
      if (Object.hasOwn(all, name) && all[name] !== rule) throw new InternalError(`two rules are named ${name} (kernel kind ${kind.kind})`);
      all[name] = rule;
    }
  }
  return all;
})();

const ref = (name: string, description: string): SchemaObject => {
  if (!Object.hasOwn(namedRules, name)) throw new InternalError(`the schema refers to ${name}, which no rule is named`);
  return { $ref: `#/$defs/${name}`, description };
};

const envMap = (description: string): SchemaObject => ({
  type: 'object',
  description,
  propertyNames: { $ref: '#/$defs/envName' },
  additionalProperties: { type: 'string', description: 'Value of the environment variable.' },
});

/** Properties every kernel has, whatever its kind. */
export const kernelBaseProperties: Record<string, SchemaObject> = {
  name: ref('kernelName', 'Kernelspec directory name, unique in the config: `[A-Za-z0-9._-]+`, not `.`, `..`, `python` or `python3`.'),
  displayName: ref('displayName', 'Shown in the launcher. Default: derived from the kind and version (`Python 3.12 (name)`), or the name.'),
  aliases: {
    type: 'array',
    description: 'Other names that start this kernel, e.g. `[python3]` so that notebooks, nbconvert and papermill asking for `python3` get it. Not listed in the launcher; unique among every kernel name and alias.',
    items: ref('kernelName', 'A kernel name a notebook may ask for.'),
    uniqueItems: true,
  },
  env: envMap('Extra environment variables for the kernel process (POSIX names, string values).'),
  interruptMode: ref('interruptMode', 'kernel.json `interrupt_mode`: `signal` (default) or `message`.'),
  metadata: { type: 'object', description: 'Free-form JSON copied into kernel.json `metadata`.' },
  logos: {
    type: 'object',
    description: 'Logo files, relative to the config file.',
    additionalProperties: false,
    properties: {
      '32x32': ref('relativeFile', '32×32 PNG logo (kernelspec `logo-32x32.png`).'),
      '64x64': ref('relativeFile', '64×64 PNG logo (kernelspec `logo-64x64.png`).'),
      svg: ref('relativeFile', 'SVG logo (kernelspec `logo-svg.svg`).'),
    },
  },
};

/** One object schema per kernel kind, by kind name; `kind` selects which one applies. */
export const kernelBranches: Readonly<Record<string, SchemaObject>> = Object.fromEntries(
  kernelKinds.map((k) => [
    k.kind,
    {
      type: 'object',
      description: `${k.summary[0]!.toUpperCase()}${k.summary.slice(1)}.`,
      additionalProperties: false,
      required: ['kind', 'name', ...(k.required ?? [])],
      properties: { kind: { const: k.kind, description: `Kernel kind: \`${k.kind}\`.` }, ...kernelBaseProperties, ...(k.options ?? {}) },
    } satisfies SchemaObject,
  ]),
);

// Kernels dispatch on `kind` with if/then rather than oneOf, so a kernel with a known kind is
// checked against that kind's branch only and errors never mix in the other kinds' rules.
const kernelSchema: SchemaObject = {
  type: 'object',
  description: 'A Jupyter kernel; `kind` decides which other keys apply.',
  required: ['kind'],
  properties: {
    kind: { enum: [...kindNames], description: `Kernel kind: ${kindNames.map((k) => `\`${k}\``).join(', ')}.` },
    // Also checked here so that a kernel whose kind is missing or unknown still gets its name
    // checked; for a known kind the branch reports the same problem and the repeat is dropped.
    name: kernelBaseProperties.name!,
  },
  allOf: kindNames.map((kind) => ({
    if: { type: 'object', required: ['kind'], properties: { kind: { const: kind } } },
    then: { $ref: `#/$defs/${kind}Kernel` },
  })),
};

/** The `kernels` list (its own object, so the validator can explain an empty list). */
export const kernelsProperty: SchemaObject = {
  type: 'array',
  description: 'The kernels, in launcher order. At least one.',
  minItems: 1,
  items: { $ref: '#/$defs/kernel' },
};

/** `nixpkgs`: another revision (`rev` and `narHash` together), and what nixpkgs may evaluate. */
export const nixpkgsProperty: SchemaObject = {
  type: 'object',
  description: 'nixpkgs settings: another revision than the pin in flake.lock (github:NixOS/nixpkgs only; `rev` and `narHash` together), and which refused packages nixpkgs may evaluate.',
  additionalProperties: false,
  dependentRequired: { rev: ['narHash'], narHash: ['rev'] },
  properties: {
    rev: ref('nixpkgsRev', 'Full 40-character lowercase hex commit id of NixOS/nixpkgs; needs `narHash`. Default: the pin in flake.lock.'),
    narHash: ref('narHash', 'SRI sha256 of the unpacked tree (`sha256-…=`), as flake.lock `narHash`; needs `rev`.'),
    allowUnfree: ref('allowUnfree', 'Let nixpkgs evaluate packages with unfree licenses. Default false.'),
    allowBroken: ref('allowBroken', 'Let nixpkgs evaluate packages marked broken. Default false.'),
    permittedInsecurePackages: {
      type: 'array',
      description: 'Insecure packages nixpkgs may evaluate anyway, by name and version (`olm-3.2.16`). Default none.',
      items: { $ref: '#/$defs/permittedInsecurePackage' },
    },
  },
};

/** `hub`: the image is a JupyterHub single-user image; the rest is for `nixlab hub`. */
export const hubProperty: SchemaObject = {
  type: 'object',
  description: 'Build a JupyterHub single-user image (Cmd `jupyterhub-singleuser`) for a hub of this version; `nixlab hub` also reads how users log in.',
  additionalProperties: false,
  properties: {
    version: ref('hubVersion', "The hub's JupyterHub `major.minor` (`\"5.4\"`) when the hub runs elsewhere; the package set's jupyterhub must have it. Default: the package set's own (`nixlab hub` builds the hub from the same set, so they match)."),
    authenticator: ref('hubAuthenticator', `How users log in. Default \`${rules.DEFAULT_HUB_AUTHENTICATOR}\`.`),
    admin: ref('userName', `The admin user. Default \`${rules.DEFAULT_HUB_ADMIN}\`.`),
    port: ref('port', `The port the hub serves on. Default ${rules.DEFAULT_HUB_PORT}.`),
    address: ref('hubAddress', `The host address the hub's port is published on. Default \`${rules.DEFAULT_HUB_ADDRESS}\` (this machine only); \`0.0.0.0\` for every address, behind TLS or a reverse proxy.`),
    sharedPassword: ref('sharedPassword', 'shared-password: the password every user logs in with; written into the deployment\'s .env, never into an image.'),
    adminPassword: ref('adminPassword', 'shared-password: the password the admin logs in with (without one the admin cannot log in); written into the deployment\'s .env, never into an image.'),
    // hub.swarm, hub.kubernetes…: each deployment target's settings (src/deploy/targets).
    ...Object.fromEntries(deployTargets.flatMap((t) => (t.schema ? [[t.name, t.schema]] : []))),
  },
};

/** `lab`: JupyterLab's prebuilt extensions, as Python packages of the server environment. */
export const labProperty: SchemaObject = {
  type: 'object',
  description: 'JupyterLab (and Notebook 7) settings: which prebuilt extensions the server environment has.',
  additionalProperties: false,
  properties: {
    extensions: {
      type: 'array',
      description: 'Prebuilt JupyterLab extensions by nixpkgs Python package attribute name (`jupyterlab-git`); they join the server environment and JupyterLab finds them in share/jupyter/labextensions of the data path, with no build step. Default none.',
      items: { $ref: '#/$defs/labExtension' },
    },
  },
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
    frontend: ref('frontend', `Jupyter front end: ${frontEndNames.map((n) => `\`${n}\``).join(', ')}. Default \`${DEFAULT_FRONT_END}\`.`),
    nixpkgs: nixpkgsProperty,
    hub: hubProperty,
    lab: labProperty,
    kernels: kernelsProperty,
    compose: {
      type: 'object',
      description: 'The compose project `nixlab compose` writes (a local lab: the host user, a notebooks directory).',
      additionalProperties: false,
      properties: {
        sshAgent: { type: 'boolean', description: 'Mount the host\'s SSH agent socket ($SSH_AUTH_SOCK, required at `up` time) and set SSH_AUTH_SOCK inside. Default false.' },
        network: ref('composeNetwork', '`bridge` or `host`. Default `bridge`.'),
        notebooks: ref('composeDir', `Host directory bind-mounted at the notebook directory. Default \`${rules.COMPOSE_NOTEBOOKS_DEFAULT}\`.`),
        hostPort: ref('port', 'Host port published on 127.0.0.1 (bridge network). Default: the image port.'),
      },
    },
    image: {
      type: 'object',
      description: 'Container image settings.',
      additionalProperties: false,
      properties: {
        name: ref('repository', `Repository name, lowercase (\`nixlab-demo\`, \`ghcr.io/org/lab\`). Default \`${rules.DEFAULT_REFERENCE.repository}\`.`),
        tag: ref('tag', `Image tag. Default \`${rules.DEFAULT_REFERENCE.tag}\`.`),
        user: {
          type: 'object',
          description: `The user Jupyter runs as. Default \`${DEFAULT_USER.name}\`, uid ${DEFAULT_USER.uid}, gid ${DEFAULT_USER.gid}.`,
          additionalProperties: false,
          properties: {
            name: ref('userName', `Login name. Default \`${DEFAULT_USER.name}\`.`),
            uid: ref('numericId', `User id. Default ${DEFAULT_USER.uid}.`),
            gid: ref('numericId', `Primary group id. Default ${DEFAULT_USER.gid}.`),
          },
        },
        port: ref('port', `Port Jupyter listens on. Default ${DEFAULT_PORT}.`),
        volumes: {
          type: 'array',
          description: 'Absolute paths declared as volumes; the first is the notebook directory. Default none.',
          items: { $ref: '#/$defs/absolutePath' },
        },
        env: envMap('Environment variables of the image (POSIX names, string values; never a secret).'),
        workdir: ref('absolutePath', 'Working directory. Default: the first volume, else `/home/<user name>`.'),
        maxLayers: ref('maxLayers', `Most layers the image may have, ${rules.LAYERS.min} to ${rules.LAYERS.max}. Default ${rules.LAYERS.default}.`),
        startHooks: {
          type: 'array',
          description: 'Scripts in your repository (relative to the config) run in order with `/bin/sh`, as the container user, before the server starts; a failing one stops the container with its exit code.',
          items: { $ref: '#/$defs/relativeFile' },
        },
        files: {
          type: 'array',
          description: 'Directories from your repository copied into the image, owned by the image user (e.g. lesson notebooks in the home).',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['source', 'target'],
            properties: {
              source: ref('relativeFile', 'A directory, relative to the config file.'),
              target: ref('fileTarget', "Where it goes in the image: an absolute path, or a path relative to the user's home."),
            },
          },
        },
      },
    },
  },
  $defs: {
    ...Object.fromEntries(Object.entries(namedRules).map(([name, rule]) => [name, rule.schema])),
    kernel: kernelSchema,
    ...Object.fromEntries(kindNames.map((kind) => [`${kind}Kernel`, kernelBranches[kind]])),
  },
};

/** The schema as pretty JSON with a trailing newline (what `nixlab schema` prints). */
export function renderSchema(): string {
  return JSON.stringify(configSchema, null, 2) + '\n';
}
