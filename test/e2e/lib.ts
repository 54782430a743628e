// What the end-to-end tests share: building an example with the real CLI (under a tag of the
// test's own, so tests running at once on one engine never untag each other's images), the
// Docker CLI users run (`docker load`, `docker run` flags), and waiting for a server.
import { execa, type Options } from 'execa';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { nixlab } from '../helpers/cli.js';

/** Debian's client, matching the engine (scripts/dockerd.sh); it talks to DOCKER_HOST. */
export const DOCKER = '/usr/bin/docker';

/** Runs the docker CLI; never throws on a non-zero exit. */
export async function docker(args: string[], opts: Options = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  if (!process.env.DOCKER_HOST) throw new Error('DOCKER_HOST is not set: run the tests through `bash scripts/test.sh` (it starts an engine)');
  const r = await execa(DOCKER, args, { reject: false, ...opts });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Like docker() but throws with the output when the command fails; returns stdout trimmed. */
export async function dockerOk(args: string[], opts: Options = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.exitCode}:\n${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/**
 * A copy of an example's directory whose config names the image `repository:tag` (so every
 * test has a tag of its own); returns the copied config's path.
 */
export function configCopy(config: string, into: string, reference: { name?: string; tag: string }): string {
  const src = dirname(resolve(config));
  const dst = join(into, `${basename(src)}-${reference.tag}`);
  mkdirSync(dst, { recursive: true });
  cpSync(src, dst, { recursive: true, filter: (p) => !/\/(\.nixlab|result)$/.test(p) });
  const file = join(dst, basename(config));
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (reference.name) doc.setIn(['image', 'name'], reference.name);
  doc.setIn(['image', 'tag'], reference.tag);
  writeFileSync(file, doc.toString());
  return file;
}

/** `nixlab build CONFIG --pkgs offline -o OUT` (extra flags after); throws on failure. */
export async function buildImage(config: string, out: string, work: string, extra: string[] = []): Promise<void> {
  const name = basename(out).replace(/[^A-Za-z0-9]+/g, '-');
  const r = await nixlab([
    'build', config, '--pkgs', 'offline', '-q',
    '-o', out, '--out-link', join(work, `${name}-result`), '--generated-dir', join(work, `${name}-gen`), ...extra,
  ]);
  if (r.exitCode !== 0) throw new Error(`nixlab build ${config} failed (${r.exitCode}):\n${r.stderr}`);
}

/** The host port `docker port` shows for a container port (published on 127.0.0.1). */
export async function hostPort(container: string, port = 8888): Promise<number> {
  const out = await dockerOk(['port', container, `${port}/tcp`]);
  const m = /127\.0\.0\.1:(\d+)/.exec(out);
  if (!m) throw new Error(`container ${container} publishes ${port}/tcp as ${JSON.stringify(out)}, not on 127.0.0.1`);
  return Number(m[1]);
}

/** Polls until `check` gives a value; throws after `ms` with what it was waiting for. */
export async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Docker's health status of a container. */
export async function healthOf(container: string): Promise<string> {
  return dockerOk(['inspect', '-f', '{{.State.Health.Status}}', container]);
}
