import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { configArg, jsonFlag } from '../cli/flags.js';
import { ENV } from '../runtime/facts.js';

export default class Compose extends NixlabCommand {
  static override description =
    'Write a compose project for a local lab (docker-compose / docker compose): the image `nixlab build --load` loads, run as the host user, ' +
    `a notebooks directory, ${ENV.jupyterToken} required at up time; the config's \`compose\` section adds the SSH agent and the host network.`;
  static override examples = ['<%= config.bin %> compose --out lab', '<%= config.bin %> compose examples/local-lab/nixlab.yaml --out lab'];
  static override args = { config: configArg() };
  static override flags = {
    out: Flags.string({ char: 'o', required: true, description: 'directory of the compose project (docker-compose.yml, README.md, the notebooks directory)' }),
    json: jsonFlag(),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Compose);
    const [{ writeCompose }, { resolveConfigArg }] = await Promise.all([import('../deploy/compose.js'), import('../definitions/load.js')]);
    const r = await writeCompose(resolveConfigArg(args.config), flags.out, { onWarning: this.onWarning });
    if (flags.json) return this.printJson(r);
    process.stdout.write(`wrote ${r.files.map((f) => `${r.outDir}/${f}`).join(', ')} (service ${r.service}, image ${r.image})\n`);
  }
}
