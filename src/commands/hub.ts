import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { abortOnSignals } from '../cli/pack-support.js';
import { configArg, pkgsFlag, jsonFlag, quietFlag } from '../cli/flags.js';
import { DEFAULT_TARGET, deployTargets, targetNames } from '../deploy/targets/index.js';

export default class Hub extends NixlabCommand {
  static override description =
    'Build a JupyterHub deployment from a single-user config: the single-user image and a hub image (JupyterHub, configurable-http-proxy, ' +
    'the target\'s spawner (DockerSpawner; KubeSpawner for kubernetes), the authenticator) from the same package set, and DIR with the deployment target\'s files. Targets: ' +
    deployTargets.map((t) => `${t.name} (${t.summary})`).join('; ') +
    '.';
  static override examples = [
    '<%= config.bin %> hub examples/hub --pkgs offline --out hub-deploy',
    'cd hub-deploy && docker-compose up -d',
    '<%= config.bin %> hub examples/hub --target swarm --registry registry.example.org:5000 --out hub-swarm',
    '<%= config.bin %> hub examples/hub --target kubernetes --registry registry.example.org --out hub-k8s',
  ];
  static override args = { config: configArg() };
  static override flags = {
    out: Flags.string({ required: true, description: 'the deployment directory (the target\'s files)' }),
    target: Flags.string({ options: [...targetNames], default: DEFAULT_TARGET, description: 'where the hub runs (see the description)' }),
    registry: Flags.string({ description: 'targets that push (swarm, kubernetes): the registry HOST[:PORT] the images go to, named by digest in the deployment' }),
    'tls-verify': Flags.string({ options: ['true', 'false'], default: 'true', description: '--tls-verify=false: plain HTTP or unverified TLS for --registry' }),
    pkgs: pkgsFlag(),
    json: jsonFlag(),
    quiet: quietFlag(),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Hub);
    const [{ deployHub }, { parsePkgs }, { resolveConfigArg }] = await Promise.all([import('../deploy/hub.js'), import('../pkgs.js'), import('../definitions/load.js')]);
    const say = flags.quiet || flags.json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
    const r = await abortOnSignals((signal) =>
      deployHub({ config: resolveConfigArg(args.config), pkgs: parsePkgs(flags.pkgs), out: flags.out, target: flags.target, registry: flags.registry, tlsVerify: flags['tls-verify'] !== 'false', onStep: say, onLog: say, onWarning: this.onWarning, signal }),
    );
    const images = {
      singleUser: { reference: r.references.singleUser, bytes: r.images.singleUser.bytes },
      ...(r.images.hub ? { hub: { reference: r.references.hub, bytes: r.images.hub.bytes } } : {}),
    };
    if (flags.json) return this.printJson({ target: r.target, out: r.out, files: r.files, images, network: r.names.network, dataVolume: r.names.dataVolume, next: r.next, admin: r.admin });
    const verb = r.references.singleUser.includes('@sha256:') ? 'pushed' : 'loaded';
    const where = r.files.find((f) => f !== 'jupyterhub_config.py' && /env|values/.test(f)) ?? '.env';
    const admin = r.admin.generatedPassword
      ? `admin ${r.admin.name}, password ${r.admin.generatedPassword}\n  (shown this once; it is NIXLAB_HUB_ADMIN_PASSWORD in ${r.out}/${where}, readable by you only)\n`
      : r.admin.origin
        ? `admin ${r.admin.name}: its password is NIXLAB_HUB_ADMIN_PASSWORD in ${r.out}/${where} (${r.admin.origin === 'config' ? 'hub.adminPassword' : 'kept from the last run'})\n`
        : `admin ${r.admin.name}: no login form with this authenticator; use an API token (NIXLAB_HUB_API_TOKEN in ${r.out}/${where})\n`;
    process.stdout.write(`${verb} ${Object.values(images).map((i) => i.reference).join(' and ')}\nwrote ${r.files.map((f) => `${r.out}/${f}`).join(', ')}\n${admin}start it: ${r.next}\n`);
  }
}
