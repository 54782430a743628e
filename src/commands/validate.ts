import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { configArg, jsonFlag } from '../cli/flags.js';

export default class Validate extends NixlabCommand {
  static override description = 'Check a nixlab config and report every problem at once';
  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate examples/demo/nixlab.yaml --json'];
  static override args = { config: configArg() };
  static override flags = {
    json: jsonFlag('the normalised config'),
    pkgs: Flags.string({ description: "package set to check against as far as nixlab knows it without building (`offline`: its Python versions for a python kernel's version, its jupyterhub version for hub.version, its packages for lab.extensions)" }),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Validate);
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs. (bin/run.js runs most validate
    // command lines without oclif: cli/fast.ts.)
    const { runValidate } = await import('../cli/config-commands.js');
    await runValidate({ config: args.config, json: flags.json, pkgs: flags.pkgs });
  }
}
