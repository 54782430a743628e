import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { abortOnSignals } from '../cli/pack-support.js';
import { configArg, pkgsFlag, jsonFlag, quietFlag } from '../cli/flags.js';

export default class Hub extends NixlabCommand {
  static override description =
    'Build a JupyterHub deployment from a single-user config: the single-user image and a hub image (JupyterHub, configurable-http-proxy, ' +
    'DockerSpawner, the authenticator) from the same package set, loaded into the engine at DOCKER_HOST, and DIR with compose.yaml, ' +
    'jupyterhub_config.py and .env; then `docker-compose up -d` in DIR.';
  static override examples = ['<%= config.bin %> hub examples/hub --pkgs offline --out hub-deploy', 'cd hub-deploy && docker-compose up -d'];
  static override args = { config: configArg() };
  static override flags = {
    out: Flags.string({ required: true, description: 'the deployment directory (compose.yaml, jupyterhub_config.py, .env)' }),
    pkgs: pkgsFlag(),
    json: jsonFlag(),
    quiet: quietFlag(),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Hub);
    const [{ deployHub }, { parsePkgs }, { resolveConfigArg }] = await Promise.all([import('../deploy/hub.js'), import('../pkgs.js'), import('../definitions/load.js')]);
    const say = flags.quiet || flags.json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const r = await abortOnSignals((signal) => deployHub({ config: resolveConfigArg(args.config), pkgs: parsePkgs(flags.pkgs), out: flags.out, onStep: say, onLog: say, onWarning: this.onWarning, signal }));
    const images = { singleUser: { reference: r.names.singleUserImage, bytes: r.images.singleUser.bytes }, hub: { reference: r.names.hubImage, bytes: r.images.hub.bytes } };
    if (flags.json) return this.printJson({ out: r.out, files: r.files, images, network: r.names.network, dataVolume: r.names.dataVolume, admin: r.admin });
    const admin = r.admin.generatedPassword
      ? `admin ${r.admin.name}, password ${r.admin.generatedPassword}\n  (shown this once; it is NIXLAB_HUB_ADMIN_PASSWORD in ${r.out}/.env, readable by you only)\n`
      : r.admin.origin
        ? `admin ${r.admin.name}: its password is NIXLAB_HUB_ADMIN_PASSWORD in ${r.out}/.env (${r.admin.origin === 'config' ? 'hub.adminPassword' : 'kept from the last run'})\n`
        : `admin ${r.admin.name}: no login form with this authenticator; use an API token (NIXLAB_HUB_API_TOKEN in ${r.out}/.env)\n`;
    process.stdout.write(`loaded ${r.names.singleUserImage} and ${r.names.hubImage}\nwrote ${r.files.map((f) => `${r.out}/${f}`).join(', ')}\n${admin}start it: cd ${r.out} && docker-compose up -d\n`);
  }
}
