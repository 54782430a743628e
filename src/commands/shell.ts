import { NixlabCommand } from '../cli/base.js';
import { configArg, pkgsFlag, verboseFlag } from '../cli/flags.js';

export default class Shell extends NixlabCommand {
  static override description =
    'Enter the notebook environment with nix-shell (default: start the front end); state goes to ./.jupyter';
  static override examples = [
    '<%= config.bin %> shell --pkgs offline',
    '<%= config.bin %> shell --pkgs offline -- jupyter kernelspec list --json',
  ];
  static override strict = false;
  static override args = { config: configArg() };
  static override flags = {
    pkgs: pkgsFlag(),
    verbose: verboseFlag(),
  };

  async go(): Promise<void> {
    const { args, flags, argv } = await this.parse(Shell);
    this.verbose = flags.verbose;
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs.
    const [{ parsePkgs }, { shell }, { resolveConfigArg }] = await Promise.all([import('../pkgs.js'), import('../pipeline/shell.js'), import('../definitions/load.js')]);
    // Everything after `--` is the command; oclif passes it through argv.
    const raw = this.argv;
    const dash = raw.indexOf('--');
    const command = dash >= 0 ? raw.slice(dash + 1) : [];
    const config = args.config && (dash < 0 || raw.indexOf(args.config) < dash) ? args.config : undefined;
    void argv;
    const r = await shell({ config: resolveConfigArg(config), pkgs: parsePkgs(flags.pkgs), command, onWarning: this.onWarning });
    if (r.exitCode !== 0) this.exit(r.exitCode);
  }
}
