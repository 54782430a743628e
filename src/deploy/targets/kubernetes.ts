// `--target kubernetes`: values.yaml for the zero-to-jupyterhub Helm chart. Both images are pushed
// to the operator's registry (`--registry`) and named by digest (`singleuser.image`, `hub.image`).
// KubeSpawner's settings go in `hub.config.KubeSpawner`, which the chart's hub hands to KubeSpawner
// as they are (and `singleuser.*` says the same for the chart's other parts: the image pre-puller,
// the uid). The authenticator's lines are the compose target's (hub-files' authenticatorLines), in
// `hub.extraConfig`. The start command and environment are the built image's own Cmd and Env.
// The hub runs nixlab's hub image, built for the chart (KUBERNETES_HUB_IMAGE): KubeSpawner and
// what the chart's own jupyterhub_config.py imports (kubernetes_asyncio, pycurl), `jupyterhub` on
// PATH for the chart's command (its args `jupyterhub --config <the chart's mounted config>`, run
// by the image's tini), and /srv/jupyterhub, where the chart mounts the hub's volume, as the
// working directory its `sqlite:///jupyterhub.sqlite` resolves in. The chart runs it as uid 1000.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { authenticatorLines, hubNames, HUB_ADMIN_PASSWORD_VAR, HUB_SHARED_PASSWORD_VAR, SPAWN_TIMEOUTS, type AdminPassword } from '../hub-files.js';
import { ToolError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import type { NormalizedConfig } from '../../definitions/types.js';
import type { DeployTarget, HubImageKind, SingleUserImageConfig } from './types.js';

/** The yaml library, loaded when a values.yaml is read or written: the target registry is imported by
 * every config check (the schema), which should not pay for it (start-up time). */
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

export interface KubernetesSettings {
  /** The size of each user's volume (a PersistentVolumeClaim), default 10Gi. */
  storage?: string;
  /** The StorageClass of the users' volumes (default: the cluster's default). */
  storageClass?: string;
}

export const DEFAULT_USER_STORAGE = '10Gi';
/** The chart the values are for, and the release/namespace the README's helm line uses. */
export const Z2JH = { repo: 'https://hub.jupyter.org/helm-chart/', chart: 'jupyterhub/jupyterhub' } as const;
/**
 * The chart's paths for its hub: where its deployment mounts its jupyterhub_config.py (and passes
 * it to `jupyterhub --config`), and where it mounts the hub's volume (the sqlite database).
 */
export const Z2JH_HUB = { configPath: '/usr/local/etc/jupyterhub/jupyterhub_config.py', dataDir: '/srv/jupyterhub' } as const;
/**
 * nixlab's hub image for the chart: KubeSpawner (the chart's config sets it as spawner_class), and
 * pycurl, because that config makes tornado use its curl client (kubernetes_asyncio comes with
 * KubeSpawner, yaml with both).
 */
export const KUBERNETES_HUB_IMAGE = { spawner: 'KubeSpawner', pythonPackages: ['jupyterhub-kubespawner', 'pycurl'], ...Z2JH_HUB } as const satisfies HubImageKind;
/** The environment variable naming the venv KubeSpawner is installed in (scripts/setup.sh). */
export const KUBESPAWNER_VENV_VAR = 'NIXLAB_KUBESPAWNER_VENV';
export const DEFAULT_KUBESPAWNER_VENV = '/var/cache/nixlab/venv-kubespawner';

/** The release name of the `helm upgrade --install` line. */
export const helmRelease = (config: NormalizedConfig): string => hubNames(config).network;

/** `NAME=value` pairs of an image's Env as a map (the runtime's own environment). */
function envOf(image: SingleUserImageConfig): Record<string, string> {
  return Object.fromEntries((image.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/**
 * An image as the chart names it: `{name, tag}`, which its templates join as `name:tag`, so a
 * pushed `registry/repo@sha256:…` becomes the tag `<tag>@sha256:…` (a reference by digest; the tag
 * is only read by people).
 */
export function chartImage(reference: string, tag: string): { name: string; tag: string; pullPolicy: 'IfNotPresent' } {
  const at = reference.indexOf('@');
  if (at < 0) {
    const colon = reference.lastIndexOf(':');
    return { name: colon > reference.lastIndexOf('/') ? reference.slice(0, colon) : reference, tag, pullPolicy: 'IfNotPresent' };
  }
  return { name: reference.slice(0, at), tag: `${tag}${reference.slice(at)}`, pullPolicy: 'IfNotPresent' };
}

/** The values (as an object, rendered by `valuesYaml`). */
export function kubernetesValues(config: NormalizedConfig, images: { singleUser: string; hub: string }, image: SingleUserImageConfig, settings: KubernetesSettings = {}, admin?: AdminPassword): Record<string, unknown> {
  const hub = config.hub!;
  const notebookDir = config.image.volumes[0]!;
  const { uid, gid } = config.image.user;
  // KubeSpawner's cmd (the chart's singleuser.cmd) is the container's args: the image's Cmd, run by its
  // own Entrypoint (tini).
  const command = [...(image.Cmd ?? [])];
  const env = envOf(image);
  const capacity = settings.storage ?? DEFAULT_USER_STORAGE;
  const kubeSpawner: Record<string, unknown> = {
    image: images.singleUser,
    image_pull_policy: 'IfNotPresent',
    uid,
    gid,
    // The volume's group: the user can write to a new (root-owned) volume.
    fs_gid: gid,
    cmd: command,
    environment: env,
    notebook_dir: notebookDir,
    working_dir: notebookDir,
    http_timeout: SPAWN_TIMEOUTS.httpSeconds,
    start_timeout: SPAWN_TIMEOUTS.startSeconds,
    storage_pvc_ensure: true,
    pvc_name_template: 'claim-{user_server}',
    storage_capacity: capacity,
    storage_access_modes: ['ReadWriteOnce'],
    ...(settings.storageClass ? { storage_class: settings.storageClass } : {}),
    volumes: [{ name: 'volume-{user_server}', persistentVolumeClaim: { claimName: '{pvc_name}' } }],
    volume_mounts: [{ name: 'volume-{user_server}', mountPath: notebookDir }],
  };
  const secrets: Record<string, string> = {};
  if (hub.sharedPassword !== undefined) secrets[HUB_SHARED_PASSWORD_VAR] = hub.sharedPassword;
  // The admin's password, where the hub's config reads it (hubAdminPassword: hub.adminPassword or a new one).
  if (admin) secrets[HUB_ADMIN_PASSWORD_VAR] = admin.value;
  return {
    hub: {
      // nixlab's hub image (KUBERNETES_HUB_IMAGE), by the digest it was pushed with.
      image: chartImage(images.hub, config.image.tag),
      config: {
        Authenticator: { admin_users: [hub.admin] },
        KubeSpawner: kubeSpawner,
      },
      ...(Object.keys(secrets).length ? { extraEnv: secrets } : {}),
      extraConfig: { 'nixlab-authenticator': authenticatorLines(hub).join('\n') + '\n' },
    },
    proxy: { service: { type: 'ClusterIP' } },
    singleuser: {
      image: chartImage(images.singleUser, config.image.tag),
      uid,
      fsGid: gid,
      cmd: command,
      extraEnv: env,
      storage: { type: 'dynamic', capacity, homeMountPath: notebookDir, ...(settings.storageClass ? { dynamic: { storageClass: settings.storageClass } } : {}) },
    },
  };
}

/** The `helm upgrade --install` line for a deployment directory. */
export function helmLine(config: NormalizedConfig): string {
  const release = helmRelease(config);
  return `helm upgrade --install ${release} ${Z2JH.chart} --repo ${Z2JH.repo.replace(/\/$/, '')} --namespace ${release} --create-namespace --values values.yaml`;
}

/** What kubespawner-pod.py reports: the pod KubeSpawner builds, the traits it took, and (in the hub image) the classes the chart's hub ends with. */
export interface KubeSpawnerCheck {
  pod: Record<string, unknown>;
  traits: Record<string, unknown>;
  hub?: { spawner: string; authenticator: string };
}

/** Where the check's script is mounted in the hub image's container. */
const CHECK_SCRIPT_IN_IMAGE = '/nixlab-check/kubespawner-pod.py';

/**
 * What KubeSpawner makes of values.yaml's hub.config for a user (scripts/kubespawner-pod.py). In
 * KubeSpawner's venv (scripts/setup.sh), or, given `hubImage` (a reference the engine at
 * DOCKER_HOST has), with the hub image's own Python, as the chart runs it (uid 1000, no network):
 * then the script also runs the chart's part (its imports, the curl client, hub.extraEnv and
 * hub.extraConfig) and reports the spawner and authenticator classes.
 */
export async function kubespawnerPod(dir: string, user: string, opts: { env?: NodeJS.ProcessEnv; hubImage?: string } = {}): Promise<KubeSpawnerCheck> {
  const { execa } = await import('execa');
  const env = opts.env ?? process.env;
  const script = join(packageRoot(), 'scripts', 'kubespawner-pod.py');
  const values = join(dir, 'values.yaml');
  const [command, argv, input] = opts.hubImage
    ? // values.yaml is the owner's only (0600): it goes in on stdin, so the chart's uid reads it.
      ['docker', ['run', '--rm', '-i', '--network', 'none', '--user', '1000:1000', '--volume', `${script}:${CHECK_SCRIPT_IN_IMAGE}:ro`, '--entrypoint', 'python3', opts.hubImage, CHECK_SCRIPT_IN_IMAGE, '--chart-hub', '/dev/stdin', user], readFileSync(values, 'utf8')]
    : [join(env[KUBESPAWNER_VENV_VAR] ?? DEFAULT_KUBESPAWNER_VENV, 'bin', 'python3'), [script, values, user], undefined];
  const r = await execa(command, argv, { reject: false, env, ...(input === undefined ? {} : { input }) });
  if (r.exitCode !== 0) throw new ToolError(`${command} ${argv.join(' ')}`, r.exitCode, r.stderr.split('\n').slice(-20), 'KubeSpawner refused the generated values.yaml');
  return JSON.parse(r.stdout) as KubeSpawnerCheck;
}

export const kubernetes: DeployTarget<KubernetesSettings, 'kubernetes'> = {
  name: 'kubernetes',
  summary: "Kubernetes: values.yaml for the zero-to-jupyterhub Helm chart (nixlab's hub image with KubeSpawner, the single-user image's uid, command and environment, a volume per user); both images pushed to --registry, named by digest",
  images: 'push',
  hubImage: KUBERNETES_HUB_IMAGE,
  schema: {
    type: 'object',
    description: '`nixlab hub --target kubernetes`: the users\' volumes.',
    additionalProperties: false,
    properties: {
      storage: { type: 'string', pattern: '^[1-9][0-9]*(Ki|Mi|Gi|Ti)$', description: `The size of each user's volume (a PersistentVolumeClaim), like "10Gi". Default ${DEFAULT_USER_STORAGE}.` },
      storageClass: { type: 'string', minLength: 1, description: "The StorageClass of the users' volumes. Default: the cluster's default class." },
    },
  },
  fileNames: ['values.yaml'],
  keptAdminPassword: (previous) => {
    const text = previous('values.yaml');
    if (text === undefined) return undefined;
    try {
      const v = (yaml().parse(text) as { hub?: { extraEnv?: Record<string, unknown> } } | null)?.hub?.extraEnv?.[HUB_ADMIN_PASSWORD_VAR];
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  },
  files: ({ config, source, images, singleUserConfig, settings, admin }) => [
    {
      path: 'values.yaml',
      text: `# Generated by nixlab hub --target kubernetes from ${source.replace(/[\r\n]/g, ' ')}: zero-to-jupyterhub's values.\n#   ${helmLine(config)}\n${yaml().stringify(kubernetesValues(config, images, singleUserConfig, settings, admin), { lineWidth: 0, aliasDuplicateObjects: false })}`,
      // It may hold the shared and admin passwords.
      mode: 0o600,
    },
  ],
  next: (out, config) => `cd ${out} && ${helmLine(config)}`,
  verify: async (dir) => {
    const { pod } = await kubespawnerPod(dir, 'verify-user');
    const problems: string[] = [];
    const spec = pod.spec as { containers: Array<{ image: string; args?: string[]; volumeMounts?: Array<{ mountPath: string }> }>; securityContext?: { runAsUser?: number } };
    const c = spec.containers[0]!;
    if (!/@sha256:[0-9a-f]{64}$/.test(c.image)) problems.push(`the pod's image ${c.image} is not named by digest`);
    if (!c.volumeMounts?.length) problems.push('the pod mounts no volume');
    return problems;
  },
};
