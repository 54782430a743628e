import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { DEFAULT_PORT, ENV, LOOPBACK_ADDRESS } from '../runtime/facts.js';

export default class Run extends NixlabCommand {
  static override description =
    'Run an image here the way `docker run` would, without a container engine (needs root: namespaces and chroot). ' +
    `Starts Jupyter on ${LOOPBACK_ADDRESS}:PORT with a token given at run time, and stops it on Ctrl-C.`;
  static override examples = [
    `<%= config.bin %> run demo.tar --port ${DEFAULT_PORT} --volume ./work:/data`,
    `<%= config.bin %> run demo.tar -e ${ENV.jupyterToken}=secret --user 4242:4242`,
    '<%= config.bin %> run demo.tar -- jupyter kernelspec list',
  ];
  static override strict = false;
  static override args = { image: Args.string({ required: true, description: 'docker-archive tar, OCI tar or OCI layout directory' }) };
  static override flags = {
    port: Flags.integer({ char: 'p', default: DEFAULT_PORT, description: `loopback port Jupyter listens on (sets ${ENV.ip}=${LOOPBACK_ADDRESS}, ${ENV.port})` }),
    env: Flags.string({ char: 'e', multiple: true, description: 'KEY=value added to the image Env (repeatable)' }),
    volume: Flags.string({ char: 'v', multiple: true, description: 'host:container[:ro] bind mount (repeatable)' }),
    user: Flags.string({ char: 'u', description: 'uid[:gid] or a user of the image (default: the image User)' }),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Run);
    const dash = this.argv.indexOf('--');
    const cmd = dash >= 0 ? this.argv.slice(dash + 1) : undefined;
    const { runImageHere } = await import('../engine/run.js');
    const outcome = await runImageHere({ image: args.image, cmd, port: flags.port, env: flags.env, user: flags.user, volumes: flags.volume, interrupts: process }, (event) => {
      if (event.kind === 'output') process[event.stream].write(event.chunk);
      else if (event.kind === 'serving') process.stderr.write(`\nnixlab run: Jupyter at ${event.url}\nnixlab run: token ${event.token} (Ctrl-C stops the container)\n\n`);
      else process.stderr.write('\nnixlab run: stopping (Ctrl-C again to kill it now)\n');
    });
    if (!cmd && !outcome.stopped) {
      // The server ended by itself: say so, with what it said last (its log may have scrolled away).
      const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.containerExitCode}`;
      process.stderr.write(`\nnixlab run: the server ${how}; its last lines:\n${outcome.lastLines.map((l) => `  ${l}`).join('\n')}\n`);
    }
    if (outcome.exitCode !== 0) this.exit(outcome.exitCode);
  }
}
