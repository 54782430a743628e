import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { UserError } from '../errors.js';
import { packImage, type PackProgress, type PackResult } from '../image/pack.js';

/** `--cmd '["a","b"]'` (a JSON array) or `--cmd a --cmd b` (one element per flag). */
function argvFlag(values: string[] | undefined, name: string): string[] | undefined {
  if (!values?.length) return undefined;
  if (values.length === 1 && values[0]!.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values[0]!);
    } catch {
      throw new UserError({ where: `--${name}`, message: `${values[0]} is not a JSON array`, hint: `write --${name} '["prog","arg"]' or repeat --${name} once per element` });
    }
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
      throw new UserError({ where: `--${name}`, message: 'must be a JSON array of strings', hint: `write --${name} '["prog","arg"]'` });
    }
    return parsed as string[];
  }
  return values;
}

const MiB = 1024 * 1024;

export default class Pack extends NixlabCommand {
  static override description = 'Pack store paths and their closure into a FROM-scratch image (docker-archive or OCI layout)';
  static override examples = [
    '<%= config.bin %> pack ./result -o image.tar --tag nixlab-demo:latest',
    '<%= config.bin %> pack /nix/store/…-env --format oci -o image-oci/ --cmd \'["jupyter","lab"]\'',
    '<%= config.bin %> pack ./result -o - | docker load',
  ];
  static override strict = false;
  static override args = {
    paths: Args.string({ required: true, description: 'store paths (or result symlinks); their closure goes into the image' }),
  };
  static override flags = {
    output: Flags.string({ char: 'o', required: true, description: 'image file (.tar), OCI directory (with --format oci), or - for stdout' }),
    format: Flags.string({ options: ['docker', 'oci'], default: 'docker', description: 'docker-archive (docker/podman load) or OCI image layout' }),
    entrypoint: Flags.string({ multiple: true, description: 'Entrypoint: a JSON array, or repeat once per element (default: tini -g -- when the closure has tini)' }),
    cmd: Flags.string({ multiple: true, description: 'Cmd: a JSON array, or repeat once per element' }),
    env: Flags.string({ char: 'e', multiple: true, description: 'KEY=value for the image Env (repeatable); PATH, HOME, LANG, SSL_CERT_FILE get defaults' }),
    tag: Flags.string({ char: 't', description: 'name:tag (lowercase name)' }),
    'max-layers': Flags.integer({ default: 100, description: 'layers at most, the customisation layer included (2-125)' }),
    volume: Flags.string({ multiple: true, description: 'a volume path, created in the image and owned by the user (repeatable)' }),
    port: Flags.string({ multiple: true, description: 'an exposed port, e.g. 8888 or 8888/tcp (repeatable)' }),
    workdir: Flags.string({ description: 'WorkingDir (default: the user home)' }),
    json: Flags.boolean({ description: 'print the result as JSON on stdout' }),
  };

  async go(): Promise<void> {
    const { argv, flags } = await this.parse(Pack);
    const toStdout = flags.output === '-';
    if (toStdout && process.stdout.isTTY) {
      throw new UserError({ where: '-o -', message: 'refusing to write an image tar to a terminal', hint: 'pipe it (nixlab pack … -o - | docker load) or give a file name' });
    }
    if (toStdout && flags.json) throw new UserError({ where: '--json', message: 'cannot print JSON when the image goes to stdout', hint: 'use -o FILE with --json' });

    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => controller.abort(Object.assign(new Error(`interrupted by ${signal}`), { signal }));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const progress = !flags.json && process.stderr.isTTY ? progressPrinter() : undefined;
    let result: PackResult;
    try {
      result = await packImage({
        storePaths: argv as string[],
        output: toStdout ? process.stdout : flags.output,
        format: flags.format as 'docker' | 'oci',
        reference: flags.tag,
        entrypoint: argvFlag(flags.entrypoint, 'entrypoint'),
        cmd: argvFlag(flags.cmd, 'cmd'),
        env: flags.env,
        defaultEnv: true,
        volumes: flags.volume,
        exposedPorts: flags.port,
        workingDir: flags.workdir,
        maxLayers: flags['max-layers'],
        onProgress: progress?.update,
        signal: controller.signal,
      });
    } catch (error) {
      progress?.done();
      if (controller.signal.aborted) {
        // Partial output is already removed; exit as the signal would have.
        const signal = (controller.signal.reason as { signal?: NodeJS.Signals }).signal ?? 'SIGINT';
        process.stderr.write(`nixlab pack: interrupted (${signal}), nothing written\n`);
        this.exit(signal === 'SIGTERM' ? 143 : 130);
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    progress?.done();
    if (flags.json) return this.printJson(result);
    const out = toStdout ? process.stderr : process.stdout;
    const what = result.format === 'docker' ? 'docker-archive' : 'OCI layout';
    out.write(
      `${result.output ?? 'stdout'}: ${what}, ${result.layers.length} layers, ${(result.bytes / MiB).toFixed(1)} MiB, ${result.closure.paths} store path${result.closure.paths === 1 ? '' : 's'}\n` +
        `image id ${result.imageId}${result.reference ? `\ntag ${result.reference}` : ''}\n`,
    );
  }
}

/** One status line on stderr, redrawn at most 10 times a second: layer, bytes, rate. */
function progressPrinter(): { update: (p: PackProgress) => void; done: () => void } {
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const seconds = Math.max((now - start) / 1000, 0.001);
      const pct = p.estimatedBytes ? ` (~${Math.min(99, Math.floor((100 * p.bytes) / p.estimatedBytes))}%)` : '';
      process.stderr.write(`\r\x1b[Kpacking layer ${p.layer + 1}/${p.layers}: ${(p.bytes / MiB).toFixed(1)} MiB${pct}, ${(p.bytes / MiB / seconds).toFixed(1)} MiB/s`);
      shown = true;
    },
    done: () => {
      if (shown) process.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
