import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { abortOnSignals } from '../cli/pack-support.js';
import { pkgsFlag, jsonFlag, quietFlag } from '../cli/flags.js';

export default class Load extends NixlabCommand {
  static override description =
    'Load an image into the Docker engine at DOCKER_HOST, sending only the layers it does not hold (building a config first). ' +
    'Falls back to the full archive, and says so, when the engine refuses the shorter one. Exits 2 for bad input or no engine.';
  static override examples = [
    '<%= config.bin %> load demo.tar',
    '<%= config.bin %> load examples/demo/nixlab.yaml --pkgs offline',
  ];
  static override args = { input: Args.string({ description: 'image archive (docker-archive tar) or config file/directory (default: the config in the current directory)' }) };
  static override flags = {
    pkgs: pkgsFlag('when building a config'),
    'out-link': Flags.string({ description: 'GC root symlink for a config\'s build', default: 'result' }),
    'generated-dir': Flags.string({ description: 'where a config\'s generated Nix project goes (default: .nixlab beside the config)' }),
    full: Flags.boolean({ description: 'send every layer, as `docker load` does' }),
    json: jsonFlag('the report'),
    quiet: quietFlag(),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Load);
    const [{ loadIntoEngine, formatLoadReport }, { parsePkgs }] = await Promise.all([import('../engine/load.js'), import('../pkgs.js')]);
    const say = flags.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const report = await abortOnSignals((signal) =>
      loadIntoEngine({
        input: args.input,
        pkgs: parsePkgs(flags.pkgs),
        outLink: flags['out-link'],
        generatedDir: flags['generated-dir'],
        full: flags.full,
        onStep: say,
        onLog: flags.json ? undefined : say,
        onWarning: this.onWarning,
        signal,
      }),
    );
    if (flags.json) this.printJson(report);
    else process.stdout.write(formatLoadReport(report));
  }
}
