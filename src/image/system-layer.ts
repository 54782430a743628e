// The image's own layer, on top of the store layers: what a FROM-scratch image needs outside
// /nix/store so that programs and Jupyter behave — users and groups, /tmp, the user's home and
// volumes, /bin/sh, /usr/bin/env, CA certificates, a stable path for the Jupyter config dir, and
// copies of the config's image.files.
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { absolutePath, hidesStore, numericId, userName, type Verdict } from '../definitions/rules.js';
import type { PathSegment } from '../errors.js';
import { IMAGE_CA_BUNDLE, IMAGE_JUPYTER_CONFIG, homeOf } from '../runtime/facts.js';
import { assertNotWhiteout, byteOrder } from './names.js';
import type { LayerEntry } from './tar.js';

/** The non-root user the image runs as. */
export interface ImageUserSpec {
  /** Login name, `[a-z_][a-z0-9_-]*` (default `jovyan`). */
  name: string;
  /** Numeric uid (default 1000). */
  uid: number;
  /** Numeric primary gid (default 100). */
  gid: number;
  /** Name of the primary group: default `users` for gid 100, `root` for 0, else the user name. */
  group?: string;
  /** Home directory, created and owned by the user (default `/home/<name>`, `/root` for uid 0). */
  home?: string;
}

/**
 * The mode of /etc/passwd and /etc/group: read-only. The start names an unknown uid in copies
 * under /tmp, through nss_wrapper (nix/start.sh).
 */
export const USER_DB_MODE = 0o644;

/** Inputs of the system layer. Every path is absolute. */
export interface SystemLayerOptions {
  user: ImageUserSpec;
  /** Target of the `/bin/sh` symlink (e.g. `<busybox>/bin/sh` or `<bash>/bin/bash`); none if unset. */
  shell?: string;
  /** Target of the `/usr/bin/env` symlink (e.g. `<coreutils>/bin/env`); none if unset. */
  envBinary?: string;
  /**
   * A CA bundle in the closure (`<cacert>/etc/ssl/certs/ca-bundle.crt`): linked as
   * `/etc/ssl/certs/ca-certificates.crt` and `/etc/ssl/certs/ca-bundle.crt`.
   */
  caBundle?: string;
  /** The Jupyter config dir store path, linked as `/etc/jupyter`. */
  jupyterConfigDir?: string;
  /** Volume mount points: created (with parents) and owned by the user. */
  volumes?: string[];
  /** The container's working directory; created and owned by the user if nothing else creates it. */
  workingDir?: string;
  /**
   * Trees copied into the image, owned by the user (writable copies, e.g. lesson notebooks in
   * the home): `source` is a directory (usually a store path), `target` an absolute path.
   */
  copies?: { source: string; target: string }[];
}

/** A problem with the image's settings: the path of the setting (in the spec), what, how to fix. */
export interface SpecProblem extends Verdict {
  at: PathSegment[];
}

/** Problems with the user spec. */
export function checkUser(user: ImageUserSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const name = userName.explain(user.name);
  if (name) problems.push({ at: ['user', 'name'], ...name });
  for (const key of ['uid', 'gid'] as const) {
    const bad = numericId.explain(user[key]);
    if (bad) problems.push({ at: ['user', key], ...bad });
  }
  if (user.group !== undefined) {
    const bad = userName.explain(user.group);
    if (bad) problems.push({ at: ['user', 'group'], ...bad });
  }
  if (user.name === 'root' && user.uid !== 0) problems.push({ at: ['user', 'name'], message: 'the name root belongs to uid 0', hint: 'pick another name for a non-root user' });
  if (user.home !== undefined) {
    const bad = absolutePath.explain(user.home);
    if (bad) problems.push({ at: ['user', 'home'], ...bad });
  }
  return problems;
}

/** The user's home directory. */
export function userHome(user: ImageUserSpec): string {
  return user.home ?? homeOf(user);
}

/** Thrown by systemLayerEntries(): every problem found, with where each is in the spec. */
export class SystemLayerError extends Error {
  constructor(readonly problems: SpecProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

function groupOf(user: ImageUserSpec): string {
  return user.group ?? (user.gid === 100 ? 'users' : user.gid === 0 ? 'root' : user.name);
}

type Node =
  | { kind: 'dir'; mode: number; uid: number; gid: number; explicit: boolean }
  | { kind: 'file'; mode: number; content: Buffer }
  | { kind: 'copy'; mode: number; size: number; source: string; uid: number; gid: number }
  | { kind: 'symlink'; target: string; uid?: number; gid?: number };

/** One entry of a tree to copy, relative to the tree's root (`''` is the root itself). */
export type TreeEntry =
  | { rel: string; type: 'directory' }
  | { rel: string; type: 'symlink'; target: string }
  | { rel: string; type: 'file'; executable: boolean; size: number; source: string };

/** Lists a directory tree (lstat/readdir/readlink only), children in byte order, for `copies`. */
export function listTree(root: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  const walk = (abs: string, rel: string) => {
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      out.push({ rel, type: 'directory' });
      for (const name of readdirSync(abs).sort(byteOrder)) walk(posix.join(abs, name), rel ? `${rel}/${name}` : name);
    } else if (st.isSymbolicLink()) out.push({ rel, type: 'symlink', target: readlinkSync(abs) });
    else if (st.isFile()) out.push({ rel, type: 'file', executable: (st.mode & 0o111) !== 0, size: st.size, source: abs });
  };
  walk(root, '');
  return out;
}

/** The system layer's options with each copy's tree already listed (listTree()). */
export type ListedSystemLayer = Omit<SystemLayerOptions, 'copies'> & { copies?: { tree: TreeEntry[]; target: string }[] };

/**
 * The entries of the system layer (depth-first, children in byte order). Pure: copies come as
 * listed trees. Throws SystemLayerError with every problem, each at its spec path.
 */
export function systemLayerEntries(opts: ListedSystemLayer): LayerEntry[] {
  const { user } = opts;
  const problems = checkUser(user);
  const links: [string, string | undefined, PathSegment[]][] = [
    ['/bin/sh', opts.shell, ['links', 'shell']],
    ['/usr/bin/env', opts.envBinary, ['links', 'envBinary']],
    [IMAGE_CA_BUNDLE, opts.caBundle, ['links', 'caBundle']],
    ['/etc/ssl/certs/ca-bundle.crt', opts.caBundle, ['links', 'caBundle']],
    [IMAGE_JUPYTER_CONFIG, opts.jupyterConfigDir, ['links', 'jupyterConfigDir']],
  ];
  const checkPath = (value: string, at: PathSegment[]): boolean => {
    const bad = absolutePath.explain(value);
    if (bad) problems.push({ at, ...bad });
    return !bad;
  };
  for (const [, target, at] of links) if (target !== undefined) checkPath(target, at);
  const volumes = (opts.volumes ?? []).map((v, i) => ({ v, ok: checkPath(v, ['volumes', i]) }));
  const workingDirOk = opts.workingDir === undefined || checkPath(opts.workingDir, ['workingDir']);
  const copies = (opts.copies ?? []).map((c, i) => ({ ...c, ok: checkPath(c.target, ['copies', i, 'target']) }));
  if (problems.length) throw new SystemLayerError(problems);

  const nodes = new Map<string, Node>();
  /** Records `node` at `path`; false (and a problem at `at`) when something else is there. */
  const claim = (path: string, node: Node, at: PathSegment[]): boolean => {
    const existing = nodes.get(path);
    if (existing && !(existing.kind === 'dir' && node.kind === 'dir')) {
      problems.push({ at, message: `${path} is already used by the image (${existing.kind === 'symlink' ? `a symlink to ${existing.target}` : existing.kind})`, hint: 'choose another path' });
      return false;
    }
    if (existing?.kind === 'dir' && node.kind === 'dir' && existing.explicit) return true;
    nodes.set(path, node);
    return true;
  };
  /** mkdir -p: parents are root-owned 0755 unless something else defined them. */
  const dir = (path: string, owner: { mode: number; uid: number; gid: number } | null, at: PathSegment[]): boolean => {
    const parent = posix.dirname(path);
    if (parent !== '/' && !dir(parent, null, at)) return false;
    const existing = nodes.get(path);
    if (existing && existing.kind !== 'dir') {
      problems.push({ at, message: `${path} would have to be a directory, but it is a ${existing.kind} in the image`, hint: 'choose another path' });
      return false;
    }
    if (owner) return claim(path, { kind: 'dir', ...owner, explicit: true }, at);
    if (!existing) nodes.set(path, { kind: 'dir', mode: 0o755, uid: 0, gid: 0, explicit: false });
    return true;
  };
  const file = (path: string, text: string, at: PathSegment[], mode = 0o644) => {
    if (dir(posix.dirname(path), null, at)) claim(path, { kind: 'file', mode, content: Buffer.from(text) }, at);
  };

  const home = userHome(user);
  const owned = { mode: 0o755, uid: user.uid, gid: user.gid };
  dir('/tmp', { mode: 0o1777, uid: 0, gid: 0 }, ['tmp']);
  dir('/var/tmp', { mode: 0o1777, uid: 0, gid: 0 }, ['tmp']);
  dir('/root', { mode: 0o700, uid: 0, gid: 0 }, ['user']);
  if (home !== '/root' || user.uid !== 0) dir(home, owned, ['user', 'home']);
  // Writable by every uid: the start (nix/start.sh) names a uid the image does not know
  // (docker run --user 4242:4242), as docker-stacks' start does with a group-writable file. The
  // image has no setuid program (the Nix store holds none), so an entry grants nothing.
  file('/etc/passwd', passwd(user, home), ['user'], USER_DB_MODE);
  file('/etc/group', group(user), ['user'], USER_DB_MODE);
  file('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n', ['nsswitch']);
  for (const [path, target, at] of links) {
    if (target !== undefined && dir(posix.dirname(path), null, at)) claim(path, { kind: 'symlink', target }, at);
  }
  volumes.forEach(({ v }, i) => {
    if (hidesStore(v)) problems.push({ at: ['volumes', i], message: `${v} cannot be a volume: it would hide the Nix store`, hint: `use a path under ${home}, or /data` });
    else dir(v, owned, ['volumes', i]);
  });
  copies.forEach((c, i) => {
    const at: PathSegment[] = ['copies', i, 'target'];
    if (hidesStore(c.target)) return void problems.push({ at, message: `${c.target} cannot be a copy target: it would shadow the Nix store`, hint: `copy under ${home}` });
    // The copy belongs to the user, so it stays writable.
    for (const e of c.tree) {
      const dst = e.rel ? posix.join(c.target, e.rel) : c.target;
      if (e.type === 'directory') {
        if (!dir(dst, owned, at)) return;
      } else if (!dir(posix.dirname(dst), null, at)) return;
      else if (e.type === 'symlink') claim(dst, { kind: 'symlink', target: e.target, uid: user.uid, gid: user.gid }, at);
      else claim(dst, { kind: 'copy', mode: e.executable ? 0o755 : 0o644, size: e.size, source: e.source, uid: user.uid, gid: user.gid }, at);
    }
  });
  if (workingDirOk && opts.workingDir !== undefined && !nodes.has(opts.workingDir) && opts.workingDir !== '/') dir(opts.workingDir, owned, ['workingDir']);
  if (problems.length) throw new SystemLayerError(problems);

  // Depth-first, children in byte order (the order store layers use).
  const children = new Map<string, string[]>();
  for (const path of nodes.keys()) {
    const parent = posix.dirname(path);
    children.set(parent, [...(children.get(parent) ?? []), path]);
  }
  const entries: LayerEntry[] = [];
  const visit = (parent: string) => {
    for (const path of (children.get(parent) ?? []).sort(byteOrder)) {
      const name = path.slice(1);
      assertNotWhiteout(name);
      const node = nodes.get(path)!;
      if (node.kind === 'dir') entries.push({ type: 'directory', name, mode: node.mode, uid: node.uid, gid: node.gid });
      else if (node.kind === 'file') entries.push({ type: 'file', name, mode: node.mode, size: node.content.length, content: node.content });
      else if (node.kind === 'copy') entries.push({ type: 'file', name, mode: node.mode, size: node.size, source: node.source, uid: node.uid, gid: node.gid });
      else entries.push({ type: 'symlink', name, target: node.target, ...(node.uid === undefined ? {} : { uid: node.uid, gid: node.gid }) });
      visit(path);
    }
  };
  visit('/');
  return entries;
}

function passwd(user: ImageUserSpec, home: string): string {
  const lines = ['root:x:0:0:root:/root:/bin/sh'];
  if (user.uid !== 0) lines.push(`${user.name}:x:${user.uid}:${user.gid}:${user.name}:${home}:/bin/sh`);
  if (user.uid !== 65534 && user.name !== 'nobody') lines.push('nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin');
  return lines.join('\n') + '\n';
}

function group(user: ImageUserSpec): string {
  const name = groupOf(user);
  const lines = [user.gid === 0 ? `root:x:0:${user.uid === 0 ? '' : user.name}` : 'root:x:0:'];
  if (user.gid !== 0) lines.push(`${name}:x:${user.gid}:${user.name}`);
  if (user.gid !== 65534 && name !== 'nogroup') lines.push('nogroup:x:65534:');
  return lines.join('\n') + '\n';
}
