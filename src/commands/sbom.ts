import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { abortOnSignals } from '../cli/pack-support.js';
import { pkgsFlag, jsonFlag, quietFlag } from '../cli/flags.js';

export default class Sbom extends NixlabCommand {
  static override description =
    'Write a software bill of materials of an image (or of a config, built first): SPDX 2.3 or CycloneDX 1.5 JSON, one package per ' +
    'store path with its name, version, store hash, kernel group and references; for a config, licences and homepages from nixpkgs, ' +
    'and the unfree licences found, kernel by kernel, on stderr.';
  static override examples = [
    '<%= config.bin %> sbom demo.tar -o demo.spdx.json',
    '<%= config.bin %> sbom examples/demo/nixlab.yaml --pkgs offline --format cyclonedx -o demo.cdx.json',
  ];
  static override args = {
    input: Args.string({ description: 'image archive (docker-archive or OCI, tar or directory) or config file/directory (default: the config in the current directory)' }),
  };
  static override flags = {
    format: Flags.string({ options: ['spdx', 'cyclonedx'], default: 'spdx', description: 'SBOM format: SPDX 2.3 JSON or CycloneDX 1.5 JSON' }),
    output: Flags.string({ char: 'o', description: 'write the SBOM to this file (default: stdout)' }),
    pkgs: pkgsFlag('when building a config'),
    json: jsonFlag('the result (packages, unfree licences and the document; the SBOM itself needs -o)'),
    quiet: quietFlag('no progress lines or summary on stderr'),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Sbom);
    const [{ sbom }, { parsePkgs }, { resolveConfigArg }, { writeFileAtomic }] = await Promise.all([
      import('../image/sbom.js'),
      import('../pkgs.js'),
      import('../definitions/load.js'),
      import('../fsutil.js'),
    ]);
    const say = flags.quiet ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const r = await abortOnSignals((signal) =>
      sbom({ input: args.input ?? resolveConfigArg(undefined), format: flags.format as 'spdx' | 'cyclonedx', pkgs: parsePkgs(flags.pkgs), onStep: say, onLog: say, onWarning: this.onWarning, signal }),
    );
    if (flags.output !== undefined) await writeFileAtomic(flags.output, r.text);
    if (say) {
      const lines = [`${r.packages.length} store paths in ${r.imageId}${r.nixMetadata ? '' : ' (no Nix metadata: not built by nixlab or Nix)'}`];
      if (r.licensesEvaluated) {
        const kernels = [...new Set(r.unfree.map((u) => u.kernel))];
        if (!kernels.length) lines.push('no unfree licences among the kernels\' packages');
        for (const k of kernels) lines.push(`${k === '(image)' ? 'outside the kernels' : `kernel ${k}`}: unfree ${r.unfree.filter((u) => u.kernel === k).map((u) => `${u.package} (${u.licenses.join(', ')})`).join(', ')}`);
      } else lines.push('licences not evaluated (NOASSERTION): give the config to evaluate them');
      say(lines.join('\n'));
    }
    if (flags.json) return this.printJson({ format: r.format, imageId: r.imageId, nixMetadata: r.nixMetadata, referencesKnown: r.referencesKnown, licensesEvaluated: r.licensesEvaluated, packages: r.packages, unfree: r.unfree, document: r.document });
    if (flags.output === undefined) process.stdout.write(r.text);
  }
}
