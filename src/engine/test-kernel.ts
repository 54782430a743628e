// `nixlab test` for one kernel: start it, wait for its kernel_info_reply, run its snippet (the
// kind's, or the kernel's own `metadata.nixlab.test`), shut it down. Shared by the Jupyter Server
// target (./test.ts) and the JupyterHub target (./test-hub.ts).
import { kernelKinds, kindOf } from '../kernels/index.js';
import type { Snippet } from '../kernels/types.js';
import { KERNELS_LABEL, type DeclaredKernel } from '../runtime/image.js';
import type { JupyterServer, KernelspecInfo } from './kernel-client.js';
import type { CheckResult } from './test-runtimes.js';

/**
 * nixlab test's deadlines, in seconds, and the flags that set them. The defaults hold on a loaded
 * CI machine: there a Jupyter server took minutes to come up and Python kernels 12–15 s to
 * answer, where an idle machine needs seconds.
 */
export const TEST_DEADLINES = {
  server: { flag: '--server-timeout', defaultSeconds: 300 },
  kernel: { flag: '--kernel-timeout', defaultSeconds: 180 },
} as const;

/** `message`, and when it says a wait ran out ("… within N s"), which deadline that was and how to raise it. */
export function withDeadline(message: string, which: keyof typeof TEST_DEADLINES, ms: number): string {
  if (!/\bwithin [0-9.]+ s\b/.test(message)) return message;
  return `${message} [the ${which} deadline was hit: ${TEST_DEADLINES[which].flag} ${ms / 1000}; raise it on a loaded machine]`;
}

/** How one kernel did. */
export interface KernelReport {
  name: string;
  /** Its kind from the label; for an image without it, the kind whose language it has, or null. */
  kind: string | null;
  ok: boolean;
  /** What was run: the kind's snippet, the config's `metadata.nixlab.test`, or kernel_info only. */
  check: 'snippet' | 'declared' | 'kernel_info';
  code: string | null;
  expect: string | null;
  /** What it printed (stdout and results), null when nothing ran. */
  output: string | null;
  /** `POST /api/kernels` until the kernel exists (ms). */
  startMs: number | null;
  /** From then until its kernel_info_reply (ms). */
  answerMs: number | null;
  /** The snippet's execution (ms). */
  runMs: number | null;
  detail: string;
}

/** The key of kernel.json `metadata` (config `kernels[].metadata`) where a kernel declares its own test. */
export const DECLARED_TEST_KEY = 'nixlab';

/** A kernel's own test from its kernelspec metadata (`metadata.nixlab.test: { code, expect }`). */
export function declaredTest(spec: KernelspecInfo['spec'] | undefined): Snippet | { error: string } | undefined {
  const t = (spec?.metadata?.[DECLARED_TEST_KEY] as { test?: unknown } | undefined)?.test;
  if (t === undefined) return undefined;
  const s = t as { code?: unknown; expect?: unknown };
  if (t === null || typeof t !== 'object' || typeof s.code !== 'string' || typeof s.expect !== 'string' || !s.code || !s.expect) {
    return { error: 'its kernel.json metadata.nixlab.test is not { "code": "…", "expect": "…" } with non-empty strings' };
  }
  return { code: s.code, expect: s.expect };
}

/** The kinds a kernelspec's language may stand for (a python kernelspec → the python kind's snippet). */
export function kindForLanguage(language: string | undefined): string | null {
  if (!language) return null;
  const k = kernelKinds.find((kind) => !kind.languageFromConfig && kind.language.toLowerCase() === language.toLowerCase());
  return k?.kind ?? null;
}

/** Exactly the declared kernels (or, without a label, at least one). */
export function kernelspecCheck(specs: Record<string, KernelspecInfo>, declared: DeclaredKernel[] | null): CheckResult {
  const listed = Object.keys(specs).sort();
  const name = 'kernelspecs';
  if (!declared) return { name, ok: listed.length > 0, ms: null, detail: listed.length ? `lists ${listed.join(', ')} (the image declares none: no ${KERNELS_LABEL} label)` : 'lists no kernel' };
  const want = declared.map((k) => k.name).sort();
  const missing = want.filter((n) => !listed.includes(n));
  const extra = listed.filter((n) => !want.includes(n));
  if (!missing.length && !extra.length) return { name, ok: true, ms: null, detail: `exactly the declared ${want.join(', ')}` };
  return { name, ok: false, ms: null, detail: [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not declared: ${extra.join(', ')}` : ''].filter(Boolean).join('; ') };
}

/** How long a snippet's output may follow the kernel's idle status (Deno's does, under load). */
const LATE_OUTPUT_MS = 5000;

const show = (s: string) => JSON.stringify(s.length > 200 ? `${s.slice(0, 200)}…` : s);

/**
 * How long a failed kernel start waits for the server's log to show why: the server logs the
 * error before it answers, but an engine's log (a container's, read through the engine) can lag
 * that answer (a CI run read the tail before the line was there).
 */
const LOG_LAG_MS = 10_000;

/** The last `…Error: …` or `…Exception: …` line of the server's log, read again until one shows or `ms` pass. */
async function loggedError(logTail: (lines: number) => Promise<string[]>, ms: number): Promise<string | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const line = (await logTail(200).catch(() => [])).filter((l) => /^\s*\w+(Error|Exception): /.test(l)).at(-1)?.trim();
    if (line || Date.now() >= until) return line;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Starts one kernel, waits for its kernel_info_reply, runs its test, shuts it down. */
export async function testKernel(
  server: JupyterServer,
  k: DeclaredKernel,
  spec: KernelspecInfo | undefined,
  timeoutMs: number,
  answered: () => void,
  logTail: (lines: number) => Promise<string[]>,
): Promise<KernelReport> {
  const kind = k.kind || null;
  const report: KernelReport = { name: k.name, kind, ok: false, check: 'kernel_info', code: null, expect: null, output: null, startMs: null, answerMs: null, runMs: null, detail: '' };
  if (!spec) return { ...report, detail: 'not listed by /api/kernelspecs' };
  const own = declaredTest(spec.spec);
  if (own && 'error' in own) return { ...report, detail: own.error };
  const kindSnippet = kind ? kindOf(kind)?.snippet : undefined;
  const test = own ?? kindSnippet;
  if (test) Object.assign(report, { check: own ? 'declared' : 'snippet', code: test.code, expect: test.expect });
  let id: string | undefined;
  const late = (message: string) => withDeadline(message, 'kernel', timeoutMs);
  const t0 = Date.now();
  try {
    try {
      id = await server.startKernel(k.name, timeoutMs);
    } catch (err) {
      // The server answers 500 "Unhandled error"; its log says why (FileNotFoundError: …).
      const why = await loggedError(logTail, Math.min(LOG_LAG_MS, timeoutMs));
      return { ...report, detail: `cannot start: ${late((err as Error).message)}${why ? ` (server log: ${why})` : ''}` };
    }
    report.startMs = Date.now() - t0;
    // The server opens the channels once the kernel answers its own first request, so the
    // answer time counts from here: the websocket, then our kernel_info_request's reply.
    const t1 = Date.now();
    let channels: Awaited<ReturnType<JupyterServer['channels']>>;
    try {
      channels = await server.channels(id, timeoutMs);
    } catch (err) {
      return { ...report, detail: `started, but its channels do not open: ${late((err as Error).message)}` };
    }
    try {
      try {
        await channels.kernelInfo(timeoutMs);
      } catch (err) {
        return { ...report, detail: `started, but does not answer kernel_info: ${late((err as Error).message)}` };
      }
      report.answerMs = Date.now() - t1;
      answered();
      if (!test) return { ...report, ok: true, detail: `answers kernel_info (a ${kind ?? 'kernel'} without a snippet; declare one in metadata.nixlab.test)` };
      const t2 = Date.now();
      const r = await channels.execute(test.code, timeoutMs, { stdout: test.expect, ms: LATE_OUTPUT_MS });
      report.runMs = Date.now() - t2;
      report.output = r.stdout;
      if (r.status !== 'ok' || r.errors.length) return { ...report, detail: `${show(test.code)} failed (${r.status || 'no status'}): ${r.errors.join('; ') || r.stderr.trim().slice(0, 300)}` };
      if (!r.stdout.includes(test.expect)) return { ...report, detail: `${show(test.code)} printed ${show(r.stdout)}, which does not contain ${show(test.expect)}` };
      return { ...report, ok: true, detail: `${show(test.code)} printed ${show(test.expect)}` };
    } catch (err) {
      return { ...report, detail: late((err as Error).message) };
    } finally {
      channels.close();
    }
  } catch (err) {
    return { ...report, detail: (err as Error).message };
  } finally {
    if (id) await server.deleteKernel(id).catch(() => undefined);
  }
}
