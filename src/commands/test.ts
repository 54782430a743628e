import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { abortOnSignals } from '../cli/pack-support.js';
import { pkgsFlag, jsonFlag, quietFlag } from '../cli/flags.js';

export default class Test extends NixlabCommand {
  static override description =
    'Prove an image works: load it into the Docker engine at DOCKER_HOST (or build a config first), start it with a fresh token ' +
    'and a scratch volume, and check the token, the kernelspecs, each kernel over its websocket, the health status and the stop. ' +
    'A JupyterHub single-user image runs behind a real hub instead (DockerSpawner on a network of its own, a test user spawned through the REST API, the kernels over the proxied websocket). ' +
    'Exits 1 when a check fails, 2 for bad input or no engine.';
  static override examples = [
    '<%= config.bin %> test demo.tar',
    '<%= config.bin %> test examples/demo/nixlab.yaml --pkgs offline',
    '<%= config.bin %> test demo.tar --engine chroot --json',
    '<%= config.bin %> test examples/hub --pkgs offline',
  ];
  static override args = { input: Args.string({ description: 'image archive (docker-archive tar) or config file/directory (default: the config in the current directory)' }) };
  static override flags = {
    engine: Flags.string({ options: ['docker', 'chroot'], default: 'docker', description: 'docker: the engine at DOCKER_HOST; chroot: the chroot runner (root, no engine)' }),
    pkgs: pkgsFlag('when building a config'),
    json: jsonFlag('the report'),
    quiet: quietFlag(),
    'server-timeout': Flags.integer({ min: 1, description: 'seconds the server (behind a hub: the hub, and the spawn) may take to answer [default: 300]' }),
    'kernel-timeout': Flags.integer({ min: 1, description: 'seconds each kernel step (start, channels, kernel_info, its snippet) may take [default: 180]' }),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Test);
    const [{ testImage, ChecksFailed }, { formatTestReport }, { parsePkgs }] = await Promise.all([
      import('../engine/test.js'),
      import('../engine/test-report.js'),
      import('../pkgs.js'),
    ]);
    const say = flags.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const report = await abortOnSignals((signal) =>
      testImage({
        input: args.input,
        engine: flags.engine as 'docker' | 'chroot',
        pkgs: parsePkgs(flags.pkgs),
        ...(flags['server-timeout'] === undefined ? {} : { serverTimeoutMs: flags['server-timeout'] * 1000 }),
        ...(flags['kernel-timeout'] === undefined ? {} : { kernelTimeoutMs: flags['kernel-timeout'] * 1000 }),
        onStep: say,
        onLog: flags.json ? undefined : say,
        onWarning: this.onWarning,
        signal,
      }),
    );
    if (flags.json) this.printJson(report);
    else process.stdout.write(formatTestReport(report));
    if (!report.ok) this.report(new ChecksFailed(report));
  }
}
