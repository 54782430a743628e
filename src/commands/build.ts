import { Args, Flags } from '@oclif/core';
import { build } from '../build/build.js';
import { parsePkgs } from '../build/nix-build.js';
import { NixlabCommand } from '../cli/base.js';
import { resolveConfigArg } from '../definitions/load.js';
import { formatProblem } from '../errors.js';

export default class Build extends NixlabCommand {
  static override description = 'Generate and nix-build the environment of a config';
  static override examples = ['<%= config.bin %> build --pkgs offline', '<%= config.bin %> build examples/demo/nixlab.yaml --out-link demo-env'];
  static override args = { config: Args.string({ description: 'config file (default: the nixlab config in the current directory)' }) };
  static override flags = {
    pkgs: Flags.string({ description: 'package set: omit for the flake.lock pin, `offline`, or a nixpkgs checkout path' }),
    'out-link': Flags.string({ description: 'GC root symlink for the built environment', default: 'result' }),
    'generated-dir': Flags.string({ description: 'where the generated Nix project goes (default: .nixlab beside the config)' }),
    json: Flags.boolean({ description: 'print the result as JSON on stdout' }),
    quiet: Flags.boolean({ char: 'q', description: 'do not stream the nix-build log' }),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Build);
    const quiet = flags.quiet || flags.json;
    const r = await build({
      config: resolveConfigArg(args.config),
      pkgs: parsePkgs(flags.pkgs),
      outLink: flags['out-link'],
      generatedDir: flags['generated-dir'],
      onLog: quiet ? undefined : (line) => process.stderr.write(line + '\n'),
    });
    for (const w of r.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    if (flags.json) this.printJson({ outLink: r.outLink, ...r.image, kernels: r.config.kernels.map((k) => k.name) });
    else process.stdout.write(`${r.image.env}\n`);
  }
}
