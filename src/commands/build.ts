import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { abortOnSignals, checkStdoutOutput, describePack, progressPrinter } from '../cli/pack-support.js';
import { configArg, pkgsFlag, jsonFlag, quietFlag, verboseFlag } from '../cli/flags.js';

export default class Build extends NixlabCommand {
  static override description = 'Generate, nix-build and (with -o) pack the image of a config';
  static override examples = [
    '<%= config.bin %> build --pkgs offline -o demo.tar',
    '<%= config.bin %> build examples/demo/nixlab.yaml --format oci -o demo-oci/',
    '<%= config.bin %> build -o - | docker load',
    '<%= config.bin %> build --pkgs offline --load',
  ];
  static override args = { config: configArg() };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'write the image here: a .tar (docker-archive, or OCI with --format oci), an OCI directory, or - for stdout' }),
    format: Flags.string({ options: ['docker', 'oci'], default: 'docker', description: 'docker-archive (docker/podman load) or OCI image layout' }),
    pkgs: pkgsFlag(),
    'out-link': Flags.string({ description: 'GC root symlink for the built environment', default: 'result' }),
    'generated-dir': Flags.string({ description: 'where the generated Nix project goes (default: .nixlab beside the config); new, empty, or written by nixlab before' }),
    prune: Flags.boolean({ description: 'OCI directory: afterwards remove blobs that no image in index.json refers to' }),
    cache: Flags.boolean({ default: true, allowNo: true, description: 'reuse layer digests from the cache ($NIXLAB_CACHE_DIR, else $XDG_CACHE_HOME/nixlab); --no-cache hashes every layer' }),
    load: Flags.boolean({ description: 'load the image into the Docker engine at DOCKER_HOST, sending only the layers it does not hold (as `nixlab load`)', exclusive: ['output', 'format', 'prune'] }),
    json: jsonFlag(),
    quiet: quietFlag('do not stream the nix-build log'),
    verbose: verboseFlag(),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Build);
    this.verbose = flags.verbose;
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs.
    const [{ build }, { parsePkgs }, { resolveConfigArg }] = await Promise.all([import('../pipeline/build.js'), import('../pkgs.js'), import('../definitions/load.js')]);
    if (flags.load) return this.buildAndLoad(args.config, flags);
    const toStdout = checkStdoutOutput(flags.output, flags.json);
    const quiet = flags.quiet || flags.json;
    const progress = !flags.json && process.stderr.isTTY ? progressPrinter() : undefined;
    const r = await abortOnSignals((signal) =>
      build({
        config: resolveConfigArg(args.config),
        pkgs: parsePkgs(flags.pkgs),
        outLink: flags['out-link'],
        generatedDir: flags['generated-dir'],
        destination: flags.output === undefined ? undefined : { output: toStdout ? process.stdout : flags.output, format: flags.format as 'docker' | 'oci', prune: flags.prune },
        cache: flags.cache ? undefined : false,
        // The build log goes to stderr, so stdout stays clean for `-o -` and --json.
        onLog: quiet ? undefined : (line) => process.stderr.write(line + '\n'),
        onWarning: this.onWarning,
        onProgress: progress?.update,
        signal,
      }),
    ).finally(() => progress?.done());
    if (flags.json) return this.printJson({ outLink: r.outLink, root: r.root, ...r.manifest, kernelNames: r.config.kernels.map((k) => k.name), image: r.packed ?? null });
    const out = toStdout ? process.stderr : process.stdout;
    out.write(`built ${r.manifest.links.env} (GC root ${r.outLink})\n`);
    if (r.packed) out.write(describePack(r.packed));
  }

  /** `--load`: one call to the load recipe with the config as its input. */
  private async buildAndLoad(config: string | undefined, flags: { pkgs?: string; 'out-link': string; 'generated-dir'?: string; cache: boolean; json: boolean; quiet: boolean }): Promise<void> {
    const [{ loadIntoEngine, formatLoadReport }, { parsePkgs }, { resolveConfigArg }] = await Promise.all([import('../engine/load.js'), import('../pkgs.js'), import('../definitions/load.js')]);
    const quiet = flags.quiet || flags.json;
    const report = await abortOnSignals((signal) =>
      loadIntoEngine({
        input: resolveConfigArg(config),
        pkgs: parsePkgs(flags.pkgs),
        outLink: flags['out-link'],
        generatedDir: flags['generated-dir'],
        cache: flags.cache ? undefined : false,
        onStep: quiet ? undefined : (line) => process.stderr.write(line + '\n'),
        onLog: quiet ? undefined : (line) => process.stderr.write(line + '\n'),
        onWarning: this.onWarning,
        signal,
      }),
    );
    if (flags.json) this.printJson(report);
    else process.stdout.write(formatLoadReport(report));
  }
}
