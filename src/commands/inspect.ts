import { Args } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { jsonFlag } from '../cli/flags.js';

const MiB = 1024 * 1024;

export default class Inspect extends NixlabCommand {
  static override description = 'Show the config and layers of an image archive (docker-archive or OCI, tar or directory)';
  static override examples = ['<%= config.bin %> inspect image.tar', '<%= config.bin %> inspect image-oci/ --json'];
  static override args = { image: Args.string({ required: true, description: 'image tar or OCI layout directory' }) };
  static override flags = { json: jsonFlag() };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Inspect);
    // Imported here, not at the top: oclif may load every command module to find this one,
    // and the others should not pay for what this one needs.
    const { inspectImage } = await import('../image/inspect.js');
    const r = await inspectImage(args.image);
    if (flags.json) return this.printJson(r);
    const c = (r.config.config ?? {}) as Record<string, unknown>;
    const lines = [
      `${args.image}: ${r.format === 'docker' ? 'docker-archive' : 'OCI layout'} (${r.layout})`,
      `image id    ${r.configDigest}`,
      ...(r.manifestDigest ? [`manifest    ${r.manifestDigest}`] : []),
      `tags        ${r.references.join(', ') || '(none)'}`,
      `created     ${String(r.config.created ?? '')}`,
      `user        ${String(c.User ?? '')}`,
      `entrypoint  ${JSON.stringify(c.Entrypoint ?? null)}`,
      `cmd         ${JSON.stringify(c.Cmd ?? null)}`,
      `workdir     ${String(c.WorkingDir ?? '')}`,
      ...((c.Env as string[] | undefined) ?? []).map((e, i) => `${i ? '           ' : 'env        '} ${e}`),
      `layers      ${r.layers.length}`,
    ];
    r.layers.forEach((l, i) => {
      const ok = l.verified ? '' : '  DIGEST MISMATCH';
      const group = l.group ? `  ${l.group}` : '';
      lines.push(`  ${String(i).padStart(3)}  ${l.diffId}  ${(l.size / MiB).toFixed(2).padStart(9)} MiB  ${String(l.entries).padStart(6)} entries${group}${ok}`);
      for (const p of l.storePaths) lines.push(`         ${p}`);
      if (!l.storePaths.length && l.createdBy) lines.push(`         (${l.createdBy})`);
    });
    process.stdout.write(lines.join('\n') + '\n');
    if (r.layers.some((l) => !l.verified)) this.exit(1);
  }
}
