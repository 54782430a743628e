// The image config (docker/OCI `application/vnd.oci.image.config.v1+json`) and the checks that
// catch, before anything is written, what `docker load` would reject or what must not be in an
// image at all (secrets).
import { createHash } from 'node:crypto';
import { DEFAULT_REFERENCE, absolutePath, envName, isSecretEnvName, repository, secretArgVerdict, secretEnvVerdict, tag, unrepresentable } from '../definitions/rules.js';
import { UserError } from '../errors.js';
import { canonicalJson } from '../json.js';
import { DEFAULT_PORT } from '../runtime/facts.js';
import type { PathSegment } from '../errors.js';
import type { SpecProblem } from './system-layer.js';

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
  /** Docker's `Healthcheck` (OCI configs have no such field; Docker and Podman read it). */
  healthcheck?: Healthcheck;
}

/** A health check, as Docker's HEALTHCHECK instruction declares it. */
export interface Healthcheck {
  /** `["CMD", program, args…]`: run in the container; exit 0 means healthy. */
  test: string[];
  /** Seconds between checks, per check, before the first counts, and failures until unhealthy. */
  intervalSeconds: number;
  timeoutSeconds: number;
  startPeriodSeconds: number;
  retries: number;
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

/** Splits `name[:tag]` (tag defaults to `latest`) without checking either part. */
export function splitReference(ref: string): ImageReference {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > slash;
  return { repository: hasTag ? ref.slice(0, colon) : ref, tag: hasTag ? ref.slice(colon + 1) : DEFAULT_REFERENCE.tag };
}

/** Parses `name[:tag]` (tag defaults to `latest`), reporting what docker would reject. */
export function parseReference(ref: string, where = 'tag'): ImageReference {
  const reference = splitReference(ref);
  const problems = checkReference(reference);
  if (problems.length) throw new UserError(problems.map((p) => ({ where, message: p.message, hint: p.hint })));
  return reference;
}

/** Problems with a repository name and tag (the rule set's repository and tag rules). */
export function checkReference(reference: ImageReference): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const repo = repository.explain(reference.repository);
  if (repo) problems.push({ at: ['reference', 'repository'], ...repo });
  const bad = tag.explain(reference.tag);
  if (bad) problems.push({ at: ['reference', 'tag'], ...bad });
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

function checkStringArray(value: unknown, at: PathSegment[], isArgv: boolean): SpecProblem[] {
  if (!Array.isArray(value)) return [{ at, message: `must be a list of strings, got ${JSON.stringify(value)}`, hint: 'give a list of strings' }];
  const problems: SpecProblem[] = [];
  value.forEach((v, i) => {
    if (typeof v !== 'string') problems.push({ at: [...at, i], message: `must be a string, got ${JSON.stringify(v)}`, hint: 'quote numbers: "8888"' });
    else if (unrepresentable(v)) problems.push({ at: [...at, i], message: 'must not contain NUL bytes or lone surrogates', hint: 'remove that character' });
    else if (isArgv) {
      const secret = secretArgVerdict(v);
      if (secret) problems.push({ at: [...at, i], ...secret });
    }
  });
  return problems;
}

/** Every problem with the config options, each at its path (`env` entries by variable name). */
export function checkImageConfig(opts: Omit<ImageConfigOptions, 'created' | 'architecture'>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (opts.entrypoint !== undefined) problems.push(...checkStringArray(opts.entrypoint, ['entrypoint'], true));
  if (opts.cmd !== undefined) problems.push(...checkStringArray(opts.cmd, ['cmd'], true));
  if (opts.env !== undefined) {
    problems.push(...checkStringArray(opts.env, ['env'], false));
    const seen = new Set<string>();
    (Array.isArray(opts.env) ? opts.env : []).forEach((kv, i) => {
      if (typeof kv !== 'string') return;
      const eq = kv.indexOf('=');
      const key = eq === -1 ? kv : kv.slice(0, eq);
      if (eq <= 0) return void problems.push({ at: ['env', i], message: `must be KEY=value, got ${JSON.stringify(kv)}`, hint: `write ${key || 'NAME'}=value` });
      const bad = envName.explain(key);
      if (bad) problems.push({ at: ['env', key], ...bad });
      else if (seen.has(key)) problems.push({ at: ['env', key], message: `${key} is set twice`, hint: 'keep one of them' });
      else if (isSecretEnvName(key) && kv.length > eq + 1) problems.push({ at: ['env', key], ...secretEnvVerdict(key) });
      seen.add(key);
    });
  }
  if (opts.workingDir !== undefined) {
    const bad = absolutePath.explain(opts.workingDir);
    if (bad) problems.push({ at: ['workingDir'], ...bad });
  }
  (opts.volumes ?? []).forEach((v, i) => {
    const bad = absolutePath.explain(v);
    if (bad) problems.push({ at: ['volumes', i], ...bad });
  });
  (opts.exposedPorts ?? []).forEach((p, i) => {
    if (normalisePort(p) === null) problems.push({ at: ['exposedPorts', i], message: `must be a port 1-65535 with optional /tcp or /udp, got ${JSON.stringify(p)}`, hint: `write e.g. ${DEFAULT_PORT} or ${DEFAULT_PORT}/tcp` });
  });
  for (const [k, v] of Object.entries(opts.labels ?? {})) {
    if (!k || typeof v !== 'string') problems.push({ at: ['labels', k], message: 'labels map non-empty names to strings', hint: 'give each label a name and a string value' });
  }
  return problems;
}

function normalisePort(p: number | string): string | null {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(String(p));
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) return null;
  return `${Number(m[1])}/${m[2] ?? 'tcp'}`;
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
  if (opts.healthcheck) {
    // Durations in the config are nanoseconds.
    const ns = (s: number) => Math.round(s * 1e9);
    const h = opts.healthcheck;
    config.Healthcheck = { Test: h.test, Interval: ns(h.intervalSeconds), Timeout: ns(h.timeoutSeconds), StartPeriod: ns(h.startPeriodSeconds), Retries: h.retries };
  }
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
