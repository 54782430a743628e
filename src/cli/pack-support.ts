// What the commands that write images share: turning SIGINT/SIGTERM into an abort (the library
// then removes partial output), a progress line on a terminal, and the one-paragraph summary.
import { fstatSync, statSync } from 'node:fs';
import type { PackProgress, PackResult } from '../image/pack.js';
import { Interrupted, UserError } from '../errors.js';

const MiB = 1024 * 1024;

/** Runs `fn` with an AbortSignal fired by SIGINT/SIGTERM; rejects with Interrupted then (the library has removed partial output). */
export async function abortOnSignals<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let got: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    got = signal;
    controller.abort(new Interrupted(signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (got) throw new Interrupted(got);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Checks `-o -` makes sense: not onto a terminal, not together with --json (nor a path that is stdout, as /dev/stdout is). */
export function checkStdoutOutput(output: string | undefined, json: boolean): boolean {
  if (output !== '-') {
    if (json && output !== undefined && isStdout(output)) {
      throw new UserError({ where: '--json', message: `cannot print JSON when the image goes to stdout (${output} is stdout)`, hint: 'use -o FILE with --json' });
    }
    return false;
  }
  if (process.stdout.isTTY) {
    throw new UserError({ where: '-o -', message: 'refusing to write an image tar to a terminal', hint: 'pipe it (… -o - | docker load) or give a file name' });
  }
  if (json) throw new UserError({ where: '--json', message: 'cannot print JSON when the image goes to stdout', hint: 'use -o FILE with --json' });
  return true;
}

/** Whether `path` names the file that stdout is (the same device and inode). */
function isStdout(path: string): boolean {
  try {
    const a = statSync(path);
    const b = fstatSync(1);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

/** One status line on stderr, redrawn at most 10 times a second: layer, bytes, rate. */
export function progressPrinter(): { update: (p: PackProgress) => void; done: () => void } {
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const seconds = Math.max((now - start) / 1000, 0.001);
      const pct = p.estimatedBytes ? ` (~${Math.min(99, Math.floor((100 * p.bytes) / p.estimatedBytes))}%)` : '';
      process.stderr.write(`\r\x1b[Kpacking layer ${p.layer + 1}/${p.layers}: ${(p.bytes / MiB).toFixed(1)} MiB${pct}, ${(p.bytes / MiB / seconds).toFixed(1)} MiB/s`);
      shown = true;
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** The human summary of a packed image. */
export function describePack(result: PackResult): string {
  const what = result.format === 'docker' ? 'docker-archive' : 'OCI layout';
  const paths = `${result.closure.paths} store path${result.closure.paths === 1 ? '' : 's'}`;
  const reused = result.layers.filter((l) => l.reused).length;
  const hashed = result.layers.filter((l) => l.hashed).length;
  const layers = `${result.layers.length} layers (${reused ? `${reused} already in the layout, ` : ''}${hashed} hashed, ${result.layers.length - hashed} digests from the cache)`;
  const pruned = result.pruned ? `pruned ${result.pruned.blobs} unreferenced blob${result.pruned.blobs === 1 ? '' : 's'} (${(result.pruned.bytes / MiB).toFixed(1)} MiB)\n` : '';
  return (
    `${result.output ?? 'stdout'}: ${what}, ${layers}, ${(result.bytes / MiB).toFixed(1)} MiB, ${paths}\n` +
    `image id ${result.imageId}${result.reference ? `\ntag ${result.reference}` : ''}\n` +
    pruned
  );
}
