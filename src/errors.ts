// The three kinds of failure nixlab distinguishes. Library code throws these; only commands
// print them and choose the exit code.

/** One problem with user input: where it is, what is wrong, and how to fix it. */
export interface Problem {
  /** `<file>:<json path>` or another location the user can find. */
  where: string;
  message: string;
  hint?: string;
}

/** Renders a problem as one line: `where: message (hint)`. */
export function formatProblem(p: Problem): string {
  return p.hint ? `${p.where}: ${p.message}. Fix: ${p.hint}` : `${p.where}: ${p.message}`;
}

export abstract class NixlabError extends Error {
  abstract readonly exitCode: number;
  /** Suggestions the CLI prints after the message ("Try this: …"). */
  readonly suggestions: string[];
  constructor(message: string, options: { cause?: unknown; suggestions?: string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.suggestions = options.suggestions ?? [];
  }
}

/** Bad input: a config, a flag, a path. Exit code 2. */
export class UserError extends NixlabError {
  readonly exitCode = 2;
  readonly problems: Problem[];
  constructor(problems: Problem[] | Problem, options: { cause?: unknown; suggestions?: string[] } = {}) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'), options);
    this.problems = list;
  }
}

/** An external tool (nix-build, nix-store, …) failed. Exit code 1. */
export class ToolError extends NixlabError {
  readonly exitCode = 1;
  constructor(
    readonly command: string,
    readonly toolExitCode: number | undefined,
    readonly logTail: string[],
    what: string,
    options: { cause?: unknown; suggestions?: string[] } = {},
  ) {
    const tail = logTail.length ? `\n--- last ${logTail.length} log lines ---\n${logTail.join('\n')}` : '';
    const code = toolExitCode === undefined ? 'was killed' : `exited with code ${toolExitCode}`;
    super(`${what}: \`${command}\` ${code}${tail}`, options);
  }
}

/** A bug in nixlab itself. Exit code 70 (EX_SOFTWARE). */
export class InternalError extends NixlabError {
  readonly exitCode = 70;
}
