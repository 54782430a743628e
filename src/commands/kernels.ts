import { NixlabCommand } from '../cli/base.js';
import { jsonFlag } from '../cli/flags.js';

export default class Kernels extends NixlabCommand {
  static override description = 'List the kernel kinds, their options, and the Nix each one emits';
  static override examples = ['<%= config.bin %> kernels', '<%= config.bin %> kernels --json'];
  static override flags = { json: jsonFlag('the kinds') };

  async go(): Promise<void> {
    const { flags } = await this.parse(Kernels);
    const [{ describeKinds }, { pinFacts }] = await Promise.all([import('../kernels/describe.js'), import('../nixpkgs/facts.js')]);
    const facts = pinFacts();
    const kinds = describeKinds(facts);
    if (flags.json) return this.printJson(kinds);
    for (const k of kinds) {
      process.stdout.write(`${k.kind.padEnd(12)} ${k.language.padEnd(12)} ${k.summary}\n`);
      for (const o of k.options) process.stdout.write(`${''.padEnd(14)}${o.name}: ${o.description}\n`);
      process.stdout.write(`${''.padEnd(14)}env:  ${k.env}\n${''.padEnd(14)}argv: ${k.argv}\n`);
      for (const p of k.pin) process.stdout.write(`${''.padEnd(14)}pin:  ${p}\n`);
      for (const n of k.notes) process.stdout.write(`${''.padEnd(14)}note: ${n}\n`);
    }
    process.stdout.write(`pin: facts of ${facts.label}, evaluated with Nix ${facts.file.provenance.nix} (nixpkgs-facts/${facts.file.source}.json)\n`);
  }
}
