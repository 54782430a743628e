import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { jsonFlag } from '../cli/flags.js';
import { DEFAULT_PORT } from '../runtime/facts.js';

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
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs. (bin/run.js runs most pack
    // command lines without oclif: cli/fast.ts.)
    const { runPack } = await import('../cli/pack-command.js');
    await runPack({ ...flags, paths: argv as string[] });
  }
}
