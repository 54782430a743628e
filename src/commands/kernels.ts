import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';

export default class Kernels extends NixlabCommand {
  static override description = 'List the kernel kinds, their options, and the Nix each one emits';
  static override examples = ['<%= config.bin %> kernels', '<%= config.bin %> kernels --json'];
  static override flags = { json: Flags.boolean({ description: 'print the kinds as JSON' }) };

  async go(): Promise<void> {
    const { flags } = await this.parse(Kernels);
    const { describeKinds } = await import('../kernels/describe.js');
    const kinds = describeKinds();
    if (flags.json) return this.printJson(kinds);
    for (const k of kinds) {
      process.stdout.write(`${k.kind.padEnd(12)} ${k.language.padEnd(12)} ${k.summary}\n`);
      for (const o of k.options) process.stdout.write(`${''.padEnd(14)}${o.name}: ${o.description}\n`);
      process.stdout.write(`${''.padEnd(14)}env:  ${k.env}\n${''.padEnd(14)}argv: ${k.argv}\n`);
      for (const n of k.notes) process.stdout.write(`${''.padEnd(14)}note: ${n}\n`);
    }
  }
}
