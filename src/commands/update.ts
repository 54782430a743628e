import { Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { configArg, jsonFlag } from '../cli/flags.js';

export default class Update extends NixlabCommand {
  static override description = "Move a config's nixpkgs pin (or a flake.lock's) to the head of a branch or to a revision, and show what changes for its kernels";
  static override examples = [
    '<%= config.bin %> update',
    '<%= config.bin %> update --branch nixos-26.05',
    '<%= config.bin %> update --rev cf9d2fb3e50fa1cd5114c47505ea9177f7ff5f49',
    '<%= config.bin %> update --flake-lock flake.lock',
  ];
  static override args = { config: configArg() };
  static override flags = {
    branch: Flags.string({ description: "move to this branch's head (default: the pin's own branch, flake.lock's nixpkgs ref)" }),
    rev: Flags.string({ description: 'move to this commit of NixOS/nixpkgs (40 hex)' }),
    narHash: Flags.string({ description: 'the SRI narHash the revision must have (refused when Nix computes another)' }),
    'flake-lock': Flags.string({ description: "move this flake.lock's nixpkgs node instead of the config's pin" }),
    remote: Flags.string({ description: 'git remote to resolve branches in', default: 'https://github.com/NixOS/nixpkgs' }),
    archive: Flags.string({ description: 'tarball URL of a revision, {rev} replaced', default: 'https://github.com/NixOS/nixpkgs/archive/{rev}.tar.gz' }),
    json: jsonFlag(),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Update);
    const [{ update }, { resolveConfigArg }] = await Promise.all([import('../nix/update.js'), import('../definitions/load.js')]);
    const r = await update({
      onWarning: this.onWarning,
      config: resolveConfigArg(args.config),
      branch: flags.branch,
      rev: flags.rev,
      narHash: flags.narHash,
      flakeLock: flags['flake-lock'],
      remote: flags.remote,
      archive: flags.archive,
    });
    if (flags.json) return this.printJson(r);
    const lines = [
      r.changed ? `${r.file}: nixpkgs ${r.old.rev} -> ${r.new.rev} (${r.source})` : `${r.file}: nixpkgs already at ${r.new.rev} (${r.source}); nothing rewritten`,
      `  narHash ${r.new.narHash}`,
    ];
    const width = Math.max(0, ...r.versions.map((v) => `${v.kernel}: ${v.attr}`.length));
    for (const v of r.versions) {
      const mark = v.before === v.after ? ' ' : '*';
      lines.push(`${mark} ${`${v.kernel}: ${v.attr}`.padEnd(width)}  ${v.before ?? '-'} -> ${v.after ?? '-'}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  }
}
