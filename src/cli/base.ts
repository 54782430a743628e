// The one place that turns nixlab errors into exit codes and messages. Every command extends
// NixlabCommand and implements `go()`; library code never prints or exits.
import { Command } from '@oclif/core';
import { Errors } from '@oclif/core';
import { NixlabError, UserError, asNixlabError, formatProblem } from '../errors.js';
import { canonicalJson } from '../json.js';

export abstract class NixlabCommand extends Command {
  /** The command body. Throw NixlabError subclasses for anything the user should see. */
  abstract go(): Promise<void>;

  /** Set by commands with a --verbose flag: errors then show the raw output behind them. */
  protected verbose = false;

  async run(): Promise<void> {
    try {
      await this.go();
    } catch (error) {
      this.report(error);
    }
  }

  /** Prints the error (all problems of a UserError, one per line) and exits with its code. */
  protected report(thrown: unknown): never {
    // oclif's own errors (unknown flag, missing argument, this.exit) keep oclif's handling.
    if (thrown instanceof Errors.CLIError || thrown instanceof Errors.ExitError) throw thrown;
    const error: NixlabError = asNixlabError(thrown);
    {
      const lines =
        error instanceof UserError ? error.problems.map((p) => `error: ${formatProblem(p)}`) : [`error: ${error.message}`];
      for (const s of error.suggestions) lines.push(`Try this: ${s}`);
      if (error.detail !== undefined && (this.verbose || process.env.DEBUG)) lines.push('--- raw output ---', error.detail.replace(/\n+$/, ''));
      if (process.env.DEBUG && error.stack) lines.push(error.stack);
      process.stderr.write(lines.join('\n') + '\n');
      this.exit(error.exitCode);
    }
  }

  /** Writes data for machines: JSON with sorted keys and a trailing newline on stdout. */
  protected printJson(value: unknown): void {
    process.stdout.write(canonicalJson(value, 2) + '\n');
  }
}
