import { Args, Flags } from '@oclif/core';
import { randomBytes } from 'node:crypto';
import { NixlabCommand } from '../cli/base.js';
import { UserError } from '../errors.js';
import { DEFAULT_PORT, ENV, LOOPBACK_ADDRESS, loopbackServerEnv } from '../runtime/facts.js';

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
    if (process.getuid?.() !== 0) {
      throw new UserError({ where: 'nixlab run', message: 'needs root (it uses namespaces and chroot)', hint: 'run it as root, or load the image into docker/podman instead' });
    }
    const dash = this.argv.indexOf('--');
    const cmd = dash >= 0 ? this.argv.slice(dash + 1) : undefined;
    const env: Record<string, string> = loopbackServerEnv(flags.port);
    for (const kv of flags.env ?? []) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UserError({ where: '--env', message: `${kv} is not KEY=value`, hint: `write e.g. -e ${ENV.jupyterToken}=secret` });
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    // A token chosen now, for this run only: never part of the image.
    const token = env[ENV.jupyterToken] ?? randomBytes(24).toString('hex');
    env[ENV.jupyterToken] = token;
    const { startImage } = await import('../engine/chroot.js');
    const handle = await startImage({ image: args.image, cmd, env, user: flags.user, volumes: flags.volume, inheritOutput: true });
    if (!cmd) {
      process.stderr.write(`\nnixlab run: Jupyter at http://${LOOPBACK_ADDRESS}:${flags.port}/?token=${token}\n` + `nixlab run: token ${token} (Ctrl-C stops the container)\n\n`);
    }
    // Ctrl-C: SIGTERM to the container's PID 1 (tini passes it on), SIGKILL 10 s later; a second
    // Ctrl-C kills it at once.
    let stopping = false;
    const stop = () => {
      if (stopping) {
        void handle.stop('SIGKILL', 0);
        return;
      }
      stopping = true;
      process.stderr.write('\nnixlab run: stopping (Ctrl-C again to kill it now)\n');
      void handle.stop('SIGTERM', 10_000);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const result = await handle.wait();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    // The unpacked image is removed in the background: nixlab exits as soon as the server has.
    (await import('../engine/chroot.js')).cleanupImagesInBackground();
    const stoppedByUs = stopping && [0, 130, 143].includes(result.exitCode);
    if (!cmd && !stoppedByUs) {
      // The server ended by itself: say so, with what it said last (its log may have scrolled away).
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
      process.stderr.write(`\nnixlab run: the server ${how}; its last lines:\n${handle.lastLines().map((l) => `  ${l}`).join('\n')}\n`);
    }
    if (result.exitCode !== 0 && !stoppedByUs) this.exit(result.exitCode);
  }
}
