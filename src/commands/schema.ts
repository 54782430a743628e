import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { renderRules } from '../definitions/config-rules.js';
import { renderSchema } from '../definitions/schema.js';

export default class Schema extends NixlabCommand {
  static override description = 'Print the JSON Schema of nixlab configs (for editors: "$schema"), or with --rules the named rules beyond it';
  static override examples = ['<%= config.bin %> schema > nixlab.schema.json', '<%= config.bin %> schema --rules'];
  static override flags = {
    rules: Flags.boolean({ description: 'print the rules a config must meet beyond the schema (id and what it asks), one a line, in the order validate checks them' }),
  };

  async go(): Promise<void> {
    const { flags } = await this.parse(Schema);
    process.stdout.write(flags.rules ? renderRules() : renderSchema());
  }
}
