// The text form of a `nixlab test` report: one row per kernel (its times and result), then one
// row per other check, then the failures. `--json` prints the report itself instead.
import type { TestReport } from './test.js';

const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** Columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** The report as a person reads it. */
export function formatTestReport(r: TestReport): string {
  const name = r.image.reference ?? r.image.id ?? r.input.path;
  const lines: string[] = [];
  lines.push(`nixlab test: ${name}${r.image.id && r.image.reference ? ` (${r.image.id.slice(0, 19)})` : ''} on ${r.engine.kind === 'docker' ? `docker at ${r.engine.where}` : 'the chroot runner'}`);
  if (r.hub) lines.push(`behind JupyterHub ${r.hub.version}: ${r.hub.image} (${r.hub.built ? 'built for this run' : 'found in the engine'}) with DockerSpawner, as user ${r.hub.user}`);
  const out = [lines.join('\n') + '\n'];
  if (r.kernels.length) {
    out.push(
      table([
        ['kernel', 'kind', 'start', 'answer', 'run', 'result'],
        ...r.kernels.map((k) => [k.name, k.kind ?? '?', secs(k.startMs), secs(k.answerMs), secs(k.runMs), `${k.ok ? 'ok' : 'FAIL'}: ${k.detail}`]),
      ]),
    );
  }
  out.push(table([['check', 'time', 'result'], ...r.checks.map((c) => [c.name, secs(c.ms), `${c.ok ? 'ok' : 'FAIL'}: ${c.detail}`])]));
  const t = r.timings;
  out.push(
    `times: ${[t.build === null ? '' : `build ${secs(t.build)}`, t.load === null ? '' : `load ${secs(t.load)}`, r.hub?.buildMs == null ? '' : `hub image ${secs(r.hub.buildMs + (r.hub.loadMs ?? 0))}`, r.hub?.upMs == null ? '' : `hub up ${secs(r.hub.upMs)}`, t.serverUp === null ? '' : `${r.hub ? 'spawn' : 'server up'} ${secs(t.serverUp)}`, t.firstKernelAnswer === null ? '' : `first kernel answer ${secs(t.firstKernelAnswer)} after the start`, `total ${secs(t.total)}`].filter(Boolean).join(', ')}\n`,
  );
  if (r.deadlines) out.push(`deadlines: server ${secs(r.deadlines.server)} (--server-timeout), each kernel step ${secs(r.deadlines.kernel)} (--kernel-timeout)\n`);
  if (r.logTail.length) out.push(`--- last ${r.logTail.length} lines of the container's log ---\n${r.logTail.join('\n')}\n`);
  out.push(r.ok ? `all ${r.kernels.length + r.checks.length} checks passed\n` : '');
  return out.join('\n');
}
