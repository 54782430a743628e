import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { UserError, formatProblem } from '../errors.js';

export default class Validate extends NixlabCommand {
  static override description = 'Check a nixlab config and report every problem at once';
  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate examples/demo/nixlab.yaml --json'];
  static override args = { config: Args.string({ description: 'config file (default: the nixlab config in the current directory)' }) };
  static override flags = {
    json: Flags.boolean({ description: 'print the normalised config as JSON' }),
    pkgs: Flags.string({ description: "package set to check against as far as nixlab knows it without building (default: the pin, as its evaluated facts in nixpkgs-facts/ know it; `offline`: its jupyterhub version for hub.version, its packages for lab.extensions)" }),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Validate);
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs.
    const [{ resolveConfigArg, loadConfig }, { parsePkgs }, { checkPackageSetHub }, { labExtensionProblems }, { pinFactProblems }] = await Promise.all([
      import('../definitions/load.js'),
      import('../pkgs.js'),
      import('../runtime/hub.js'),
      import('../runtime/lab.js'),
      import('../nixpkgs/facts.js'),
    ]);
    const { file, config, warnings, data } = await loadConfig(resolveConfigArg(args.config));
    const pkgs = parsePkgs(flags.pkgs);
    // Everything the package set is known to refuse, reported at once.
    const problems = [...labExtensionProblems(file, config, pkgs, data), ...(await pinFactProblems(file, config, data, pkgs))];
    try {
      checkPackageSetHub(file, config, pkgs);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problems.unshift(...e.problems);
    }
    if (problems.length) throw new UserError(problems);
    for (const w of warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
    if (flags.json) this.printJson(config);
    else process.stdout.write(`${file}: ok, ${config.kernels.length} kernel(s): ${config.kernels.map((k) => k.name).join(', ')}\n`);
  }
}
