// One warning channel: every command that takes a config shows its warnings, the same way
// (`warning: <where>: <what>. Fix: <how>` on stderr), once. The config here is valid but warns
// (uid 0), and its custom kernel's Nix throws at once, so the commands that build stop right
// after loading it: what is checked is that the warning reached the user before that.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nixlab } from '../helpers/cli.js';
import { Registry } from '../helpers/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'nixlab-warnings-'));
mkdirSync(join(dir, 'k'));
writeFileSync(join(dir, 'k', 'default.nix'), '{ pkgs }: throw "stop here: this test only needs the config loaded"\n');
const config = join(dir, 'nixlab.yaml');
writeFileSync(
  config,
  [
    'kernels:',
    '  - { kind: custom, name: k, language: sh, argv: [sh, "{connection_file}"], nix: ./k/default.nix }',
    'image:',
    '  user: { name: root, uid: 0, gid: 0 }',
    'compose: {}',
    '',
  ].join('\n'),
);
const hubConfig = join(dir, 'hub.yaml');
writeFileSync(
  hubConfig,
  [
    'hub: { version: "6.1" }',
    'kernels:',
    '  - { kind: custom, name: k, language: sh, argv: [sh, "{connection_file}"], nix: ./k/default.nix }',
    'image:',
    '  user: { name: root, uid: 0, gid: 0 }',
    '  volumes: [/home/root/work]',
    '',
  ].join('\n'),
);
const WARNING = /^warning: .*(nixlab|hub)\.yaml:\$\.image\.user\.uid: uid 0 runs Jupyter as root inside the container\. Fix: /m;
const out = (name: string) => join(dir, `out-${name}`);

// Every command of the CLI that takes a config, with arguments that get it loaded.
const COMMANDS: Record<string, string[]> = {
  validate: ['validate', config],
  generate: ['generate', config, '--out', out('generate')],
  build: ['build', config, '--pkgs', 'offline', '-q', '--generated-dir', out('build'), '--out-link', out('build-result')],
  shell: ['shell', config, '--pkgs', 'offline', '--', 'true'],
  compose: ['compose', config, '--out', out('compose')],
  test: ['test', config, '--pkgs', 'offline', '--engine', 'chroot', '-q'],
  load: ['load', config, '--pkgs', 'offline', '-q'],
  // a real registry (it is asked first), and a real engine (CI's, DOCKER_HOST): both are checked before the build
  push: ['push', config, 'docker://REGISTRY/nixlab/warnings:latest', '--tls-verify=false', '--pkgs', 'offline', '-q'],
  sbom: ['sbom', config, '--pkgs', 'offline', '-q', '-o', out('sbom.json')],
  hub: ['hub', hubConfig, '--pkgs', 'offline', '-q', '--out', out('hub')],
  update: ['update', config, '--rev', '0'.repeat(40), '--narHash', `sha256-${'A'.repeat(43)}=`, '--archive', `file://${dir}/missing-{rev}.tar.gz`],
};

describe('config warnings', () => {
  const registry = new Registry(join(dir, 'registry'));
  beforeAll(() => registry.start(), 120_000);
  afterAll(() => registry.stop());

  it('come from every command that takes a config (the CLI\'s own list)', async () => {
    const manifest = JSON.parse((await import('node:fs')).readFileSync('oclif.manifest.json', 'utf8')) as { commands: Record<string, { args: Record<string, unknown> }> };
    const taking = Object.entries(manifest.commands).filter(([, c]) => 'config' in c.args || 'input' in c.args).map(([id]) => id);
    expect(Object.keys(COMMANDS).sort()).toEqual(taking.sort());
  });

  it.each(Object.entries(COMMANDS))('nixlab %s shows them', async (_name, args) => {
    const r = await nixlab(args.map((a) => a.replace('REGISTRY', registry.host)), { cwd: dir });
    expect(r.stderr).toMatch(WARNING);
    expect(r.stderr.match(new RegExp(WARNING.source, 'gm'))).toHaveLength(1);
  }, 300_000);
});
