import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { formatProblem } from '../errors.js';

export default class Generate extends NixlabCommand {
  static override description = 'Write the Nix project for a config (default.nix, the nixlab Nix library, assets)';
  static override examples = ['<%= config.bin %> generate --out nix-out', 'nix-build nix-out -A env --argstr nixpkgsPath ~/nixpkgs'];
  static override args = { config: Args.string({ description: 'config file (default: the nixlab config in the current directory)' }) };
  static override flags = {
    out: Flags.string({ char: 'o', description: 'output directory: new, empty, or written by nixlab before (then replaced atomically); any other is refused', required: true }),
    json: Flags.boolean({ description: 'print what was written as JSON' }),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Generate);
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs.
    const [{ resolveConfigArg }, { generate }] = await Promise.all([import('../definitions/load.js'), import('../build/generate.js')]);
    const r = await generate(resolveConfigArg(args.config), flags.out);
    for (const w of r.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    if (flags.json) this.printJson({ outDir: r.outDir, files: r.files, kernels: r.config.kernels.map((k) => k.name) });
    else process.stdout.write(`wrote ${r.files.length} files to ${flags.out}\n`);
  }
}
