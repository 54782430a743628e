// Runs external tools (nix-build, skopeo, …) through execa: stderr streamed line by line to a
// progress callback, the last lines kept for the error, a ToolError (command, exit code, log
// tail) on failure and a MissingToolError when the program is not installed.
import { MissingToolError, ToolError, type Problem } from './errors.js';

/** How many log lines a failure shows. */
export const LOG_TAIL_LINES = 20;

/** What a long library call (build, load, push, test, hub, sbom) reports as it goes, and how it is stopped. */
export interface RunHooks {
  /** Progress lines ("loading …", "kernel py: …"). */
  onStep?: (line: string) => void;
  /** The nix-build log while a config is built. */
  onLog?: (line: string) => void;
  /** The config's warnings (valid, but likely not what was meant), each once, as the config is loaded. */
  onWarning?: (warning: Problem) => void;
  signal?: AbortSignal;
}

export interface ExecOptions {
  /** Called with each stderr line as it arrives (progress). */
  onLog?: (line: string) => void;
  /** What was being done, for the error message ("building the environment"). */
  what: string;
  cwd?: string;
  signal?: AbortSignal;
  env?: Record<string, string>;
}

/** Runs `cmd args…`, returns its stdout (trimmed). */
export async function execTool(cmd: string, args: string[], opts: ExecOptions): Promise<string> {
  const tail: string[] = [];
  // Imported on first use: a command that runs no tool (validate, generate) never loads execa.
  const { execa } = await import('execa');
  const child = execa(cmd, args, {
    cwd: opts.cwd,
    reject: false,
    stdin: 'ignore',
    cancelSignal: opts.signal,
    env: opts.env,
    stderr: ['pipe'],
    lines: false,
  });
  child.stderr?.setEncoding('utf8');
  let partial = '';
  child.stderr?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      opts.onLog?.(line);
    }
  });
  const result = await child;
  if (partial) {
    tail.push(partial);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
    opts.onLog?.(partial);
  }
  const shown = `${cmd} ${args.join(' ')}`;
  if ((result as { code?: string }).code === 'ENOENT') throw new MissingToolError(cmd, opts.what);
  if (result.failed) {
    throw new ToolError(shown, result.exitCode, tail, opts.what, {
      suggestions: result.isCanceled ? [] : ['run again with DEBUG=1 for the full log', 'read the log lines above: the first `error:` line names the cause'],
    });
  }
  return String(result.stdout).trim();
}
