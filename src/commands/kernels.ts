import { Flags } from '@oclif/core';
import { presets } from '../../kernelspecs/index.js';
import { NixlabCommand } from '../cli/base.js';

export default class Kernels extends NixlabCommand {
  static override description = 'List the kernel presets and their options';
  static override examples = ['<%= config.bin %> kernels', '<%= config.bin %> kernels --json'];
  static override flags = { json: Flags.boolean({ description: 'print the presets as JSON' }) };

  async go(): Promise<void> {
    const { flags } = await this.parse(Kernels);
    if (flags.json) return this.printJson(presets);
    for (const p of presets) {
      process.stdout.write(`${p.kind.padEnd(12)} ${p.language.padEnd(12)} ${p.description}\n`);
      for (const o of p.options) {
        const facts = [
          ...(o.values ? [`one of ${o.values.map((x) => JSON.stringify(x)).join(', ')}`] : []),
          ...(o.default === undefined ? [] : [`default ${JSON.stringify(o.default)}`]),
        ];
        process.stdout.write(`${''.padEnd(14)}${o.name}: ${o.description}${facts.length ? ` (${facts.join('; ')})` : ''}\n`);
      }
      for (const n of p.notes ?? []) process.stdout.write(`${''.padEnd(14)}note: ${n}\n`);
    }
  }
}
