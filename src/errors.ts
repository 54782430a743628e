// The kinds of failure nixlab distinguishes. Library code throws these; only commands print
// them (one reporter, src/cli/base.ts) and choose the exit code.

/** One step of a path into a config or spec: an object key or a list index. */
export type PathSegment = string | number;

/** One problem with user input: where it is, what is wrong, and how to fix it. */
export interface Problem {
  /** `<file>:<json path>` or another location the user can find. */
  where: string;
  message: string;
  hint?: string;
}

/** Renders a problem as one line: `where: message. Fix: hint`. */
export function formatProblem(p: Problem): string {
  return p.hint ? `${p.where}: ${p.message}. Fix: ${p.hint}` : `${p.where}: ${p.message}`;
}

/** What every nixlab error may carry besides its message. */
export interface ErrorOptions {
  cause?: unknown;
  /** Suggestions the CLI prints after the message ("Try this: …"). */
  suggestions?: string[];
  /** The raw output behind the error (a tool's own message): printed with --verbose or DEBUG=1. */
  detail?: string;
}

export abstract class NixlabError extends Error {
  abstract readonly exitCode: number;
  /** Suggestions the CLI prints after the message ("Try this: …"). */
  readonly suggestions: string[];
  /** The raw output behind the error, for --verbose / DEBUG=1. */
  readonly detail?: string;
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.suggestions = options.suggestions ?? [];
    if (options.detail !== undefined) this.detail = options.detail;
  }
}

/** Bad input: a config, a flag, a path. Exit code 2. */
export class UserError extends NixlabError {
  readonly exitCode = 2;
  readonly problems: Problem[];
  constructor(problems: Problem[] | Problem, options: ErrorOptions = {}) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.map(formatProblem).join('\n'), options);
    this.problems = list;
  }
}

/** An external tool (nix-build, skopeo, tar, …) failed. Exit code 1. */
export class ToolError extends NixlabError {
  readonly exitCode = 1;
  constructor(
    readonly command: string,
    readonly toolExitCode: number | undefined,
    readonly logTail: string[],
    what: string,
    options: ErrorOptions = {},
  ) {
    const tail = logTail.length ? `\n--- last ${logTail.length} log lines ---\n${logTail.join('\n')}` : '';
    const code = toolExitCode === undefined ? 'was killed' : `exited with code ${toolExitCode}`;
    super(`${what}: \`${command}\` ${code}${tail}`, options);
  }
}

/** The Debian package that installs each external tool nixlab runs. */
const TOOL_PACKAGES: Record<string, string> = {
  'nix-build': 'nix-bin',
  'nix-instantiate': 'nix-bin',
  'nix-shell': 'nix-bin',
  'nix-store': 'nix-bin',
  nix: 'nix-bin',
  'nix-prefetch-url': 'nix-bin',
  git: 'git',
  skopeo: 'skopeo',
  umoci: 'umoci',
  podman: 'podman',
  tar: 'tar',
  unshare: 'util-linux',
  docker: 'docker.io',
  'docker-compose': 'docker-compose',
  zstd: 'zstd',
};

/** A program nixlab needs is not installed. Exit code 2: the user can fix it by installing it. */
export class MissingToolError extends UserError {
  constructor(
    readonly tool: string,
    what: string,
  ) {
    const pkg = TOOL_PACKAGES[tool];
    super({
      where: tool,
      message: `${tool} was not found on PATH (needed for ${what})`,
      hint: pkg ? `install it (on Debian: apt-get install ${pkg}); see the README's set-up` : 'install it; see the README',
    });
  }
}

/** A signal stopped the work; the exit code is what shells expect (128 + the signal number). */
export class Interrupted extends NixlabError {
  readonly exitCode: number;
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}; nothing was written`);
    this.exitCode = signal === 'SIGTERM' ? 143 : 130;
  }
}

/** A bug in nixlab itself. Exit code 70 (EX_SOFTWARE). */
export class InternalError extends NixlabError {
  readonly exitCode = 70;
  constructor(message: string, options: ErrorOptions = {}) {
    super(`nixlab bug: ${message}`, { ...options, suggestions: [...(options.suggestions ?? []), REPORT_BUG] });
  }
}

/** What the user can do about a bug in nixlab. */
export const REPORT_BUG =
  'this is a bug in nixlab, not in your config: run the command again with DEBUG=1 and report its output, with `nixlab --version` and the config, to the nixlab maintainers';

/** Any error: a NixlabError as it is, anything else (an invariant no code anticipated) as an InternalError. */
export function asNixlabError(error: unknown): NixlabError {
  if (error instanceof NixlabError) return error;
  const e = error instanceof Error ? error : new Error(String(error));
  const internal = new InternalError(e.message, { cause: e });
  if (e.stack) internal.stack = e.stack;
  return internal;
}
