// The image config (docker/OCI `application/vnd.oci.image.config.v1+json`) and the checks that
// catch, before anything is written, what `docker load` would reject or what must not be in an
// image at all (secrets).
import { createHash } from 'node:crypto';
import { UserError, type Problem } from '../errors.js';
import { checkAbsolutePath } from './custom-layer.js';

/** A parsed `[registry/]repository[:tag]`. */
export interface ImageReference {
  /** Repository, lowercase (`nixlab-demo`, `ghcr.io/org/lab`). */
  repository: string;
  tag: string;
}

/** What goes into the image config, as the caller knows it. */
export interface ImageConfigOptions {
  /** `Entrypoint`; each element a string. */
  entrypoint?: string[];
  /** `Cmd`; each element a string. */
  cmd?: string[];
  /** `Env` as `KEY=value` strings, in order; keys must be unique. */
  env?: string[];
  /** `User`, numeric `uid:gid`. */
  user: { uid: number; gid: number };
  /** `WorkingDir`, absolute. */
  workingDir?: string;
  /** `ExposedPorts`: `8888` or `8888/tcp`, `53/udp`. */
  exposedPorts?: (number | string)[];
  /** `Volumes`: absolute paths. */
  volumes?: string[];
  /** `Labels` (OCI `org.opencontainers.image.*` and others). */
  labels?: Record<string, string>;
  /** `created` and history timestamps, RFC 3339 (see createdTimestamp()). */
  created: string;
  /** GOARCH name (`amd64`, `arm64`). */
  architecture: string;
}

/** One history entry per layer. */
export interface HistoryEntry {
  created_by: string;
  comment?: string;
}

/** The config as written: its bytes and digest. */
export interface ConfigBlob {
  bytes: Buffer;
  /** `sha256:<hex>` of bytes. */
  digest: string;
  json: Record<string, unknown>;
}

// The distribution/reference grammar, component by component.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const REPOSITORY = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;

/** Parses `name[:tag]` (tag defaults to `latest`), reporting what docker would reject. */
export function parseReference(ref: string, where = 'tag'): ImageReference {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : 'latest';
  const problems = checkReference(repository, tag, where);
  if (problems.length) throw new UserError(problems);
  return { repository, tag };
}

/** Problems with a repository name and tag. */
export function checkReference(repository: string, tag: string, where = 'tag'): Problem[] {
  const problems: Problem[] = [];
  if (repository.includes('@')) problems.push({ where, message: `digests cannot be used to name a loaded image: ${JSON.stringify(repository)}`, hint: 'use name:tag' });
  else if (!REPOSITORY.test(repository) || repository.length > 255) {
    const lower = repository.toLowerCase();
    const hint = lower !== repository && REPOSITORY.test(lower) ? `use ${lower}` : 'use lowercase letters, digits and . _ - separators, e.g. nixlab-demo or ghcr.io/org/lab';
    problems.push({ where, message: `${JSON.stringify(repository)} is not a valid repository name (lowercase, separators . _ __ -, optional registry/)`, hint });
  }
  if (!TAG.test(tag)) problems.push({ where, message: `${JSON.stringify(tag)} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`, hint: 'use e.g. latest or 2024-05-01' });
  return problems;
}

/** `created` for the image: SOURCE_DATE_EPOCH when set, else 1970-01-01T00:00:01Z. */
export function createdTimestamp(sourceDateEpoch: string | undefined = process.env.SOURCE_DATE_EPOCH): string {
  if (sourceDateEpoch === undefined || sourceDateEpoch === '') return '1970-01-01T00:00:01Z';
  if (!/^\d{1,12}$/.test(sourceDateEpoch)) {
    throw new UserError({ where: 'SOURCE_DATE_EPOCH', message: `must be a whole number of seconds, got ${JSON.stringify(sourceDateEpoch)}`, hint: 'unset it, or set it to e.g. $(git log -1 --format=%ct)' });
  }
  return new Date(Number(sourceDateEpoch) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** Maps Node's process.arch to the GOARCH names image configs use. */
export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
}

// Names whose values are secrets: they must be given at run time, never baked into layers.
const SECRET_ENV = /^(JUPYTER_TOKEN|JUPYTERHUB_API_TOKEN|JPY_API_TOKEN|.*_(TOKEN|PASSWORD|PASSWD|SECRET|API_KEY))$/i;
const SECRET_ARG = /^--(?:[\w]+\.)*(token|password)=(.+)$/i;

function checkStringArray(value: unknown, where: string, isArgv: boolean): Problem[] {
  if (!Array.isArray(value)) return [{ where, message: `must be an array of strings, got ${JSON.stringify(value)}` }];
  const problems: Problem[] = [];
  value.forEach((v, i) => {
    if (typeof v !== 'string') problems.push({ where: `${where}[${i}]`, message: `must be a string, got ${JSON.stringify(v)}`, hint: 'quote numbers: "8888"' });
    else if (v.includes('\0')) problems.push({ where: `${where}[${i}]`, message: 'must not contain NUL bytes' });
    else if (isArgv && SECRET_ARG.test(v)) {
      problems.push({ where: `${where}[${i}]`, message: `sets a ${SECRET_ARG.exec(v)![1]!.toLowerCase()} on the command line, which would be stored in the image`, hint: 'pass it at run time (docker run -e JUPYTER_TOKEN=…) instead' });
    }
  });
  return problems;
}

/** Every problem with the config options, each naming its field. */
export function checkImageConfig(opts: ImageConfigOptions): Problem[] {
  const problems: Problem[] = [];
  if (opts.entrypoint !== undefined) problems.push(...checkStringArray(opts.entrypoint, 'entrypoint', true));
  if (opts.cmd !== undefined) problems.push(...checkStringArray(opts.cmd, 'cmd', true));
  if (opts.env !== undefined) {
    problems.push(...checkStringArray(opts.env, 'env', false));
    const seen = new Map<string, number>();
    (Array.isArray(opts.env) ? opts.env : []).forEach((kv, i) => {
      if (typeof kv !== 'string') return;
      const eq = kv.indexOf('=');
      const key = eq === -1 ? kv : kv.slice(0, eq);
      const where = `env[${i}]`;
      if (eq <= 0) problems.push({ where, message: `must be KEY=value, got ${JSON.stringify(kv)}`, hint: `write ${key || 'NAME'}=value` });
      else if (seen.has(key)) problems.push({ where, message: `${key} is set twice (also env[${seen.get(key)}])`, hint: 'keep one of them' });
      else if (SECRET_ENV.test(key) && kv.length > eq + 1) problems.push({ where, message: `${key} looks like a secret and would be stored in the image`, hint: `pass it at run time: docker run -e ${key}=…` });
      if (eq > 0 && !seen.has(key)) seen.set(key, i);
    });
  }
  if (opts.workingDir !== undefined) problems.push(...checkAbsolutePath(opts.workingDir, 'workingDir'));
  (opts.volumes ?? []).forEach((v, i) => problems.push(...checkAbsolutePath(v, `volumes[${i}]`)));
  (opts.exposedPorts ?? []).forEach((p, i) => {
    if (normalisePort(p) === null) problems.push({ where: `exposedPorts[${i}]`, message: `must be a port 1-65535 with optional /tcp or /udp, got ${JSON.stringify(p)}` });
  });
  for (const [k, v] of Object.entries(opts.labels ?? {})) {
    if (!k || typeof v !== 'string') problems.push({ where: `labels.${k}`, message: 'labels map non-empty names to strings' });
  }
  return problems;
}

function normalisePort(p: number | string): string | null {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(String(p));
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) return null;
  return `${Number(m[1])}/${m[2] ?? 'tcp'}`;
}

/** JSON with object keys sorted at every level (arrays keep their order), no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A JSON blob: canonical bytes and their digest. */
export function jsonBlob(value: unknown): { bytes: Buffer; digest: string } {
  const bytes = Buffer.from(canonicalJson(value));
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

/** Builds the image config for the given layers. Call checkImageConfig() first. */
export function buildImageConfig(opts: ImageConfigOptions, layers: { diffId: string; history: HistoryEntry }[]): ConfigBlob {
  const config: Record<string, unknown> = { User: `${opts.user.uid}:${opts.user.gid}` };
  if (opts.env?.length) config.Env = opts.env;
  if (opts.entrypoint?.length) config.Entrypoint = opts.entrypoint;
  if (opts.cmd?.length) config.Cmd = opts.cmd;
  if (opts.workingDir) config.WorkingDir = opts.workingDir;
  if (opts.exposedPorts?.length) config.ExposedPorts = Object.fromEntries(opts.exposedPorts.map((p) => [normalisePort(p)!, {}]));
  if (opts.volumes?.length) config.Volumes = Object.fromEntries(opts.volumes.map((v) => [v, {}]));
  if (opts.labels && Object.keys(opts.labels).length) config.Labels = opts.labels;
  const json = {
    architecture: opts.architecture,
    os: 'linux',
    created: opts.created,
    config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: opts.created, ...l.history })),
  };
  return { ...jsonBlob(json), json };
}
