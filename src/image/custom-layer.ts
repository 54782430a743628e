// The last layer: what a FROM-scratch image needs outside /nix/store so that programs and
// Jupyter behave — users and groups, /tmp, the user's home and volumes, /bin/sh, /usr/bin/env,
// CA certificates and a stable path for the Jupyter config dir.
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { UserError, type Problem } from '../errors.js';
import { byteOrder } from './closure.js';
import { MAX_TAR_ID, assertNotWhiteout, type LayerEntry } from './tar.js';

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

/** Inputs of the customisation layer. Every path is absolute. */
export interface CustomisationOptions {
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

/** Default user: Jupyter docker-stacks' jovyan, uid 1000, group users (100). */
export const DEFAULT_USER: ImageUserSpec = { name: 'jovyan', uid: 1000, gid: 100 };

/** Where the customisation layer links the Jupyter config dir. */
export const JUPYTER_CONFIG_LINK = '/etc/jupyter';

const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Problems with an absolute path input (`where` names the field). */
export function checkAbsolutePath(value: unknown, where: string): Problem[] {
  if (typeof value !== 'string') return [{ where, message: `must be a string, got ${JSON.stringify(value)}` }];
  if (value.includes('\0')) return [{ where, message: 'must not contain NUL bytes' }];
  if (!value.startsWith('/')) return [{ where, message: `must be an absolute path, got ${JSON.stringify(value)}`, hint: `write /${value.replace(/^\.?\/*/, '')}` }];
  if (posix.normalize(value) !== value || (value.length > 1 && value.endsWith('/'))) {
    return [{ where, message: `must be a normalised path (no //, ., .. or trailing /), got ${JSON.stringify(value)}`, hint: `write ${posix.normalize(value).replace(/(.)\/$/, '$1')}` }];
  }
  return [];
}

/** Problems with the user spec. */
export function checkUser(user: ImageUserSpec, where = 'user'): Problem[] {
  const problems: Problem[] = [];
  if (!USER_NAME.test(user.name)) problems.push({ where: `${where}.name`, message: `must match ${USER_NAME.source}, got ${JSON.stringify(user.name)}`, hint: 'use a lowercase login name such as jovyan' });
  for (const key of ['uid', 'gid'] as const) {
    const v = user[key];
    if (!Number.isInteger(v) || v < 0 || v > MAX_TAR_ID) problems.push({ where: `${where}.${key}`, message: `must be an integer from 0 to ${MAX_TAR_ID}, got ${JSON.stringify(v)}` });
  }
  if (user.group !== undefined && !USER_NAME.test(user.group)) problems.push({ where: `${where}.group`, message: `must match ${USER_NAME.source}, got ${JSON.stringify(user.group)}` });
  if (user.name === 'root' && user.uid !== 0) problems.push({ where: `${where}.name`, message: 'root must have uid 0', hint: 'pick another name for a non-root user' });
  if (user.home !== undefined) problems.push(...checkAbsolutePath(user.home, `${where}.home`));
  return problems;
}

/** The user's home directory. */
export function homeOf(user: ImageUserSpec): string {
  return user.home ?? (user.uid === 0 ? '/root' : `/home/${user.name}`);
}

function groupOf(user: ImageUserSpec): string {
  return user.group ?? (user.gid === 100 ? 'users' : user.gid === 0 ? 'root' : user.name);
}

type Node =
  | { kind: 'dir'; mode: number; uid: number; gid: number; explicit: boolean }
  | { kind: 'file'; mode: number; content: Buffer }
  | { kind: 'copy'; mode: number; size: number; source: string; uid: number; gid: number }
  | { kind: 'symlink'; target: string; uid?: number; gid?: number };

/** The entries of the customisation layer (depth-first, children in byte order). */
export function customisationEntries(opts: CustomisationOptions): LayerEntry[] {
  const { user } = opts;
  const problems = checkUser(user);
  const links: [string, string | undefined, string][] = [
    ['/bin/sh', opts.shell, 'shell'],
    ['/usr/bin/env', opts.envBinary, 'envBinary'],
    ['/etc/ssl/certs/ca-certificates.crt', opts.caBundle, 'caBundle'],
    ['/etc/ssl/certs/ca-bundle.crt', opts.caBundle, 'caBundle'],
    [JUPYTER_CONFIG_LINK, opts.jupyterConfigDir, 'jupyterConfigDir'],
  ];
  for (const [, target, field] of links) if (target !== undefined) problems.push(...checkAbsolutePath(target, field));
  (opts.volumes ?? []).forEach((v, i) => problems.push(...checkAbsolutePath(v, `volumes[${i}]`)));
  if (opts.workingDir !== undefined) problems.push(...checkAbsolutePath(opts.workingDir, 'workingDir'));
  if (problems.length) throw new UserError(problems);

  const nodes = new Map<string, Node>();
  const claim = (path: string, node: Node, where: string) => {
    const existing = nodes.get(path);
    if (existing && !(existing.kind === 'dir' && node.kind === 'dir')) {
      throw new UserError({ where, message: `${path} is already used by the image (${existing.kind === 'symlink' ? `a symlink to ${existing.target}` : existing.kind})`, hint: 'choose another path' });
    }
    if (existing?.kind === 'dir' && node.kind === 'dir' && existing.explicit) return;
    nodes.set(path, node);
  };
  /** mkdir -p: parents are root-owned 0755 unless something else defined them. */
  const dir = (path: string, owner: { mode: number; uid: number; gid: number } | null, where: string) => {
    const parent = posix.dirname(path);
    if (parent !== '/') dir(parent, null, where);
    const existing = nodes.get(path);
    if (existing && existing.kind !== 'dir') throw new UserError({ where, message: `${path} would have to be a directory, but it is a ${existing.kind} in the image`, hint: 'choose another path' });
    if (owner) claim(path, { kind: 'dir', ...owner, explicit: true }, where);
    else if (!existing) nodes.set(path, { kind: 'dir', mode: 0o755, uid: 0, gid: 0, explicit: false });
  };
  const file = (path: string, text: string, where: string) => {
    dir(posix.dirname(path), null, where);
    claim(path, { kind: 'file', mode: 0o644, content: Buffer.from(text) }, where);
  };

  const home = homeOf(user);
  const owned = { mode: 0o755, uid: user.uid, gid: user.gid };
  dir('/tmp', { mode: 0o1777, uid: 0, gid: 0 }, 'tmp');
  dir('/var/tmp', { mode: 0o1777, uid: 0, gid: 0 }, 'tmp');
  dir('/root', { mode: 0o700, uid: 0, gid: 0 }, 'root');
  if (home !== '/root' || user.uid !== 0) dir(home, owned, 'user.home');
  file('/etc/passwd', passwd(user, home), 'user');
  file('/etc/group', group(user), 'user');
  file('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n', 'nsswitch');
  for (const [path, target, field] of links) {
    if (target === undefined) continue;
    dir(posix.dirname(path), null, field);
    claim(path, { kind: 'symlink', target }, field);
  }
  (opts.volumes ?? []).forEach((v, i) => {
    const where = `volumes[${i}]`;
    if (v === '/' || v === '/nix' || v.startsWith('/nix/')) throw new UserError({ where, message: `${v} cannot be a volume: it would hide the Nix store`, hint: `use a path under ${home}` });
    dir(v, owned, where);
  });
  (opts.copies ?? []).forEach((c, i) => {
    const where = `copies[${i}]`;
    problems.push(...checkAbsolutePath(c.target, `${where}.target`));
    if (problems.length) throw new UserError(problems);
    if (c.target === '/' || c.target === '/nix' || c.target.startsWith('/nix/')) throw new UserError({ where, message: `${c.target} cannot be a copy target: it would shadow the Nix store`, hint: `copy under ${home}` });
    // Walk the source in byte order; the copy belongs to the user, so it stays writable.
    const walk = (src: string, dst: string) => {
      const st = lstatSync(src);
      if (st.isDirectory()) {
        dir(dst, owned, where);
        for (const name of readdirSync(src).sort(byteOrder)) walk(posix.join(src, name), posix.join(dst, name));
      } else if (st.isSymbolicLink()) {
        dir(posix.dirname(dst), null, where);
        claim(dst, { kind: 'symlink', target: readlinkSync(src), uid: user.uid, gid: user.gid }, where);
      } else if (st.isFile()) {
        dir(posix.dirname(dst), null, where);
        claim(dst, { kind: 'copy', mode: st.mode & 0o111 ? 0o755 : 0o644, size: st.size, source: src, uid: user.uid, gid: user.gid }, where);
      }
    };
    walk(c.source, c.target);
  });
  if (opts.workingDir !== undefined && !nodes.has(opts.workingDir) && opts.workingDir !== '/') dir(opts.workingDir, owned, 'workingDir');

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
