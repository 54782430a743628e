// The one place that turns nixlab errors into exit codes and messages. Every command extends
// NixlabCommand and implements `go()`; library code never prints or exits.
import { Command, Errors } from '@oclif/core';
import type { Problem } from '../errors.js';
import { errorReport, warningLine } from './report.js';
import { canonicalJson } from '../json.js';

export abstract class NixlabCommand extends Command {
  /** The command body. Throw NixlabError subclasses for anything the user should see. */
  abstract go(): Promise<void>;

  /** The warning channel: library calls that load a config take it as `onWarning`. */
  protected readonly onWarning = (warning: Problem): void => {
    process.stderr.write(warningLine(warning));
  };

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
  protected report(error: unknown): never {
    // oclif's own errors (unknown flag, missing argument, this.exit) keep oclif's handling.
    if (error instanceof Errors.CLIError || error instanceof Errors.ExitError) throw error;
    const r = errorReport(error, this.verbose);
    process.stderr.write(r.text);
    this.exit(r.exitCode);
  }

  /** Writes data for machines: JSON with sorted keys and a trailing newline on stdout. */
  protected printJson(value: unknown): void {
    process.stdout.write(canonicalJson(value, 2) + '\n');
  }
}
