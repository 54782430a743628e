import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { configArg, jsonFlag } from '../cli/flags.js';

export default class Generate extends NixlabCommand {
  static override description = 'Write the Nix project for a config (default.nix, the nixlab Nix library, assets)';
  static override examples = ['<%= config.bin %> generate --out nix-out', 'nix-build nix-out -A env --argstr nixpkgsPath ~/nixpkgs'];
  static override args = { config: configArg() };
  static override flags = {
    out: Flags.string({ char: 'o', description: 'output directory: new, empty, or written by nixlab before (then replaced atomically); any other is refused', required: true }),
    json: jsonFlag('what was written'),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Generate);
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs. (bin/run.js runs most generate
    // command lines without oclif: cli/fast.ts.)
    const { runGenerate } = await import('../cli/config-commands.js');
    await runGenerate({ config: args.config, out: flags.out, json: flags.json });
  }
}
