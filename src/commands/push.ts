import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { abortOnSignals } from '../cli/pack-support.js';
import { pkgsFlag, jsonFlag, quietFlag } from '../cli/flags.js';

const MiB = 1024 * 1024;

export default class Push extends NixlabCommand {
  static override description =
    'Push an image (or a config, built first) to a registry over the OCI distribution API: only the blobs the registry lacks are ' +
    'compressed and uploaded, blobs are mounted from other repositories of the same registry, and the manifest goes last, so a ' +
    'failed push leaves the tag as it was. Credentials: NIXLAB_REGISTRY_USERNAME/NIXLAB_REGISTRY_PASSWORD or the docker config.';
  static override examples = [
    '<%= config.bin %> push demo.tar docker://registry.example.org/team/demo:v1',
    '<%= config.bin %> push examples/demo/nixlab.yaml docker://127.0.0.1:5000/demo:latest --pkgs offline --tls-verify=false',
  ];
  static override args = {
    input: Args.string({ required: true, description: 'image archive (docker-archive or OCI) or config file/directory; give only the destination to build the config in the current directory' }),
    destination: Args.string({ description: 'docker://REGISTRY/REPOSITORY:TAG' }),
  };
  static override flags = {
    compression: Flags.string({ options: ['gzip', 'zstd'], default: 'gzip', description: 'compression of uploaded layers (zstd needs the zstd program and Docker 23+ to pull)' }),
    'tls-verify': Flags.string({ options: ['true', 'false'], default: 'true', description: '--tls-verify=false: do not verify certificates, and allow plain HTTP (local registries)' }),
    pkgs: pkgsFlag('when building a config'),
    cache: Flags.boolean({ default: true, allowNo: true, description: 'reuse compressed digests by diff_id from the cache ($NIXLAB_CACHE_DIR, else $XDG_CACHE_HOME/nixlab)' }),
    json: jsonFlag(),
    quiet: quietFlag('no progress lines on stderr'),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Push);
    const [{ push }, { parsePkgs }, { resolveConfigArg }] = await Promise.all([import('../engine/push.js'), import('../pkgs.js'), import('../definitions/load.js')]);
    const [input, destination] = args.destination === undefined ? [resolveConfigArg(undefined), args.input] : [args.input, args.destination];
    const say = flags.quiet || flags.json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const r = await abortOnSignals((signal) =>
      push({
        input,
        destination,
        compression: flags.compression as 'gzip' | 'zstd',
        tlsVerify: flags['tls-verify'] !== 'false',
        cache: flags.cache ? undefined : false,
        pkgs: parsePkgs(flags.pkgs),
        onStep: say,
        onLog: say,
        onWarning: this.onWarning,
        signal,
      }),
    );
    if (flags.json) return this.printJson(r);
    const count = (a: string) => r.layers.filter((l) => l.action === a).length;
    process.stdout.write(
      `pushed ${r.reference} (${r.manifestDigest})\n` +
        `layers: ${r.layers.length} (${count('uploaded')} uploaded, ${count('mounted')} mounted, ${count('present')} already there); ` +
        `${r.uploadedBlobs} blobs, ${(r.uploadedBytes / MiB).toFixed(1)} MiB uploaded in ${(r.ms / 1000).toFixed(1)} s\n`,
    );
  }
}
