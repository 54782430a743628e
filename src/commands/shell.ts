import { Args, Flags } from '@oclif/core';
import { parsePkgs } from '../build/nix-build.js';
import { shell } from '../build/shell.js';
import { NixlabCommand } from '../cli/base.js';
import { resolveConfigArg } from '../definitions/load.js';

export default class Shell extends NixlabCommand {
  static override description =
    'Enter the notebook environment with nix-shell (default: start the front end); state goes to ./.jupyter';
  static override examples = [
    '<%= config.bin %> shell --pkgs offline',
    '<%= config.bin %> shell --pkgs offline -- jupyter kernelspec list --json',
  ];
  static override strict = false;
  static override args = { config: Args.string({ description: 'config file (default: the nixlab config in the current directory)' }) };
  static override flags = {
    pkgs: Flags.string({ description: 'package set: omit for the flake.lock pin, `offline`, or a nixpkgs checkout path' }),
  };

  async go(): Promise<void> {
    const { args, flags, argv } = await this.parse(Shell);
    // Everything after `--` is the command; oclif passes it through argv.
    const raw = this.argv;
    const dash = raw.indexOf('--');
    const command = dash >= 0 ? raw.slice(dash + 1) : [];
    const config = args.config && (dash < 0 || raw.indexOf(args.config) < dash) ? args.config : undefined;
    void argv;
    const r = await shell({ config: resolveConfigArg(config), pkgs: parsePkgs(flags.pkgs), command });
    if (r.exitCode !== 0) this.exit(r.exitCode);
  }
}
