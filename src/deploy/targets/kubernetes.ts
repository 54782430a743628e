// `--target kubernetes`: values.yaml for the zero-to-jupyterhub Helm chart. The single-user image
// is pushed to the operator's registry (`--registry`) and named by digest; KubeSpawner's settings
// go in `hub.config.KubeSpawner`, which the chart's hub hands to KubeSpawner as they are (and
// `singleuser.*` says the same for the chart's other parts: the image pre-puller, the uid).
// The authenticator's lines are the compose target's (hub-files' authenticatorLines), in
// `hub.extraConfig`. The start command and environment are the built image's own Cmd and Env.
// The hub itself runs the chart's hub image: nixlab's hub image has DockerSpawner, not KubeSpawner.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { authenticatorLines, hubNames, HUB_ADMIN_PASSWORD_VAR, HUB_SHARED_PASSWORD_VAR, SPAWN_TIMEOUTS, type AdminPassword } from '../hub-files.js';
import { ToolError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import type { NormalizedConfig } from '../../definitions/types.js';
import type { DeployTarget, SingleUserImageConfig } from './types.js';

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
/** The environment variable naming the venv KubeSpawner is installed in (scripts/setup.sh). */
export const KUBESPAWNER_VENV_VAR = 'NIXLAB_KUBESPAWNER_VENV';
export const DEFAULT_KUBESPAWNER_VENV = '/var/cache/nixlab/venv-kubespawner';

/** The release name of the `helm upgrade --install` line. */
export const helmRelease = (config: NormalizedConfig): string => hubNames(config).network;

/** `NAME=value` pairs of an image's Env as a map (the runtime's own environment). */
function envOf(image: SingleUserImageConfig): Record<string, string> {
  return Object.fromEntries((image.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** The values (as an object, rendered by `valuesYaml`). */
export function kubernetesValues(config: NormalizedConfig, images: { singleUser: string }, image: SingleUserImageConfig, settings: KubernetesSettings = {}, admin?: AdminPassword): Record<string, unknown> {
  const hub = config.hub!;
  const notebookDir = config.image.volumes[0]!;
  const { uid, gid } = config.image.user;
  const at = images.singleUser.indexOf('@');
  const [name, digest] = at < 0 ? [images.singleUser, ''] : [images.singleUser.slice(0, at), images.singleUser.slice(at)];
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
      config: {
        Authenticator: { admin_users: [hub.admin] },
        KubeSpawner: kubeSpawner,
      },
      ...(Object.keys(secrets).length ? { extraEnv: secrets } : {}),
      extraConfig: { 'nixlab-authenticator': authenticatorLines(hub).join('\n') + '\n' },
    },
    proxy: { service: { type: 'ClusterIP' } },
    singleuser: {
      image: { name, tag: `${config.image.tag}${digest}`, pullPolicy: 'IfNotPresent' },
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

/** What KubeSpawner makes of values.yaml's hub.config for a user (scripts/kubespawner-pod.py in its venv). */
export async function kubespawnerPod(dir: string, user: string, env: NodeJS.ProcessEnv = process.env): Promise<{ pod: Record<string, unknown>; traits: Record<string, unknown> }> {
  const { execa } = await import('execa');
  const venv = env[KUBESPAWNER_VENV_VAR] ?? DEFAULT_KUBESPAWNER_VENV;
  const argv = [join(packageRoot(), 'scripts', 'kubespawner-pod.py'), join(dir, 'values.yaml'), user];
  const r = await execa(join(venv, 'bin', 'python3'), argv, { reject: false });
  if (r.exitCode !== 0) throw new ToolError(`${join(venv, 'bin', 'python3')} ${argv.join(' ')}`, r.exitCode, r.stderr.split('\n').slice(-20), 'KubeSpawner refused the generated values.yaml');
  return JSON.parse(r.stdout) as { pod: Record<string, unknown>; traits: Record<string, unknown> };
}

export const kubernetes: DeployTarget<KubernetesSettings, 'kubernetes'> = {
  name: 'kubernetes',
  summary: 'Kubernetes: values.yaml for the zero-to-jupyterhub Helm chart (KubeSpawner, the single-user image by digest, its uid, command and environment, a volume per user); the image pushed to --registry',
  images: 'push',
  // The chart's hub image runs KubeSpawner; nixlab's has DockerSpawner.
  hubImage: false,
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
