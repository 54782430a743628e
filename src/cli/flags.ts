// The arguments and flags several commands share, defined once: the config argument, --pkgs,
// --json, --quiet and --verbose. A command adds only what is its own.
import { Args, Flags } from '@oclif/core';

/** `[CONFIG]`: a config file or a directory holding one; default the current directory's. */
export const configArg = () => Args.string({ description: 'config file (default: the nixlab config in the current directory)' });

/**
 * `--pkgs`: the package set a build uses. `when` says when it matters for commands that take an
 * image or a config ("when building a config").
 */
export const pkgsFlag = (when?: string) =>
  Flags.string({ description: `package set${when ? ` ${when}` : ''}: omit for the flake.lock pin, \`offline\`, or a nixpkgs checkout path` });

/** `--json`: machine-readable output on stdout (sorted keys); `what` says what is printed. */
export const jsonFlag = (what = 'the result') => Flags.boolean({ description: `print ${what} as JSON on stdout` });

/** `-q, --quiet`: `what` is what stays off stderr. */
export const quietFlag = (what = 'no progress lines and no nix-build log on stderr') => Flags.boolean({ char: 'q', description: what });

/** `--verbose`: a failure shows the tool's own output too. */
export const verboseFlag = () => Flags.boolean({ description: "on failure, also print Nix's own output below nixlab's explanation (as DEBUG=1 does)" });
