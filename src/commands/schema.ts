import { NixlabCommand } from '../cli/base.js';
import { renderSchema } from '../definitions/schema.js';

export default class Schema extends NixlabCommand {
  static override description = 'Print the JSON Schema of nixlab configs (for editors: "$schema")';

  async go(): Promise<void> {
    await this.parse(Schema);
    process.stdout.write(renderSchema());
  }
}
