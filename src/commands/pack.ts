import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { UserError } from '../errors.js';
import { abortOnSignals, checkStdoutOutput, describePack, progressPrinter } from '../cli/pack-support.js';
import { jsonFlag } from '../cli/flags.js';
import { DEFAULT_PORT } from '../runtime/facts.js';

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
    'max-layers': Flags.integer({ default: 100, description: 'layers at most, the system layer included (2-125)' }),
    volume: Flags.string({ multiple: true, description: 'a volume path, created in the image and owned by the user (repeatable)' }),
    port: Flags.string({ multiple: true, description: `an exposed port, e.g. ${DEFAULT_PORT} or ${DEFAULT_PORT}/tcp (repeatable)` }),
    workdir: Flags.string({ description: 'WorkingDir (default: the user home)' }),
    group: Flags.string({ multiple: true, description: 'NAME=STORE_PATH of a kernel environment (repeatable): plan layers per kernel instead of by popularity' }),
    prune: Flags.boolean({ description: 'OCI directory: afterwards remove blobs that no image in index.json refers to' }),
    cache: Flags.boolean({ default: true, allowNo: true, description: 'reuse layer digests from the cache ($NIXLAB_CACHE_DIR, else $XDG_CACHE_HOME/nixlab); --no-cache hashes every layer' }),
    json: jsonFlag(),
  };

  async go(): Promise<void> {
    const { argv, flags } = await this.parse(Pack);
    const toStdout = checkStdoutOutput(flags.output, flags.json);
    const progress = !flags.json && process.stderr.isTTY ? progressPrinter() : undefined;
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs.
    const [{ packImage }, { parseKernelEnvs }, { parseReference }] = await Promise.all([import('../image/pack.js'), import('../image/layers.js'), import('../image/config.js')]);
    const kernels = flags.group?.length ? await parseKernelEnvs(flags.group) : undefined;
    const result = await abortOnSignals((signal) =>
      packImage({
        storePaths: argv as string[],
        image: {
          reference: flags.tag === undefined ? undefined : parseReference(flags.tag, '--tag'),
          entrypoint: argvFlag(flags.entrypoint, 'entrypoint'),
          cmd: argvFlag(flags.cmd, 'cmd'),
          env: flags.env,
          defaultEnv: true,
          volumes: flags.volume,
          exposedPorts: flags.port,
          workingDir: flags.workdir,
        },
        layering: { maxLayers: flags['max-layers'], kernels },
        destination: { output: toStdout ? process.stdout : flags.output, format: flags.format as 'docker' | 'oci', prune: flags.prune },
        cache: flags.cache ? undefined : false,
        onProgress: progress?.update,
        signal,
      }),
    ).finally(() => progress?.done());
    if (flags.json) return this.printJson(result);
    (toStdout ? process.stderr : process.stdout).write(describePack(result));
  }
}
