// How an error reaches the user: its text (every problem of a UserError, one per line; the
// suggestions; the raw output with --verbose or DEBUG) and its exit code. Used by NixlabCommand
// and by the oclif-free start of `validate`, `generate` and `pack` (cli/fast.ts), so both print
// alike.
import { UserError, asNixlabError, formatProblem, type Problem } from '../errors.js';

/** The message and exit code of an error; one that is not nixlab's own is a bug (InternalError, exit 70). */
export function errorReport(thrown: unknown, verbose: boolean): { text: string; exitCode: number } {
  const error = asNixlabError(thrown);
  const lines = error instanceof UserError ? error.problems.map((p) => `error: ${formatProblem(p)}`) : [`error: ${error.message}`];
  for (const s of error.suggestions) lines.push(`Try this: ${s}`);
  if (error.detail !== undefined && (verbose || process.env.DEBUG)) lines.push('--- raw output ---', error.detail.replace(/\n+$/, ''));
  if (process.env.DEBUG && error.stack) lines.push(error.stack);
  return { text: lines.join('\n') + '\n', exitCode: error.exitCode };
}

/** How a config's warning reaches the user: one line on stderr, the same from every command. */
export function warningLine(warning: Problem): string {
  return `warning: ${formatProblem(warning)}\n`;
}
