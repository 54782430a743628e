import { createInterface } from 'node:readline/promises';
import { Args, Flags } from '@oclif/core';
import { NixlabCommand } from '../cli/base.js';
import { initConfig, initFormats, parseLanguages, starterKinds, type StarterKind } from '../definitions/init.js';
import { kindOf } from '../kernels/index.js';
import { UserError } from '../errors.js';

export default class Init extends NixlabCommand {
  static override description = 'Write a starter config for the languages you choose (asks on a terminal when --lang is not given)';
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --lang python,r,octave', '<%= config.bin %> init lab --lang rust --format ts'];
  static override args = { dir: Args.string({ description: 'directory to write the config into', default: '.' }) };
  static override flags = {
    lang: Flags.string({ char: 'l', description: 'languages, comma-separated: kinds from `nixlab kernels` (python,r,cpp,…)' }),
    format: Flags.string({ char: 'f', description: 'config file format', options: [...initFormats], default: 'yaml' }),
    force: Flags.boolean({ description: 'replace an existing config' }),
  };

  async go(): Promise<void> {
    const { args, flags } = await this.parse(Init);
    const kinds = flags.lang !== undefined ? parseLanguages(flags.lang, '--lang') : await askLanguages();
    const result = await initConfig({ dir: args.dir, kinds, format: flags.format as (typeof initFormats)[number], force: flags.force });
    for (const w of result.warnings) this.onWarning(w);
    process.stdout.write(`${result.replaced ? 'replaced' : 'wrote'} ${result.file} with ${result.kernels.length} kernel(s): ${result.kernels.join(', ')}\n`);
    process.stdout.write('next: edit it (`nixlab kernels` lists the options), then `nixlab validate` and `nixlab build`\n');
  }
}

/** Asks for languages on the terminal until the answer parses. Empty answer: python. */
async function askLanguages(): Promise<StarterKind[]> {
  if (!process.stdin.isTTY) {
    throw new UserError({ where: '--lang', message: 'no languages given, and no terminal to ask on', hint: 'pass --lang, e.g. --lang python,r (`nixlab kernels` lists the kinds)' });
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl-D closes the interface; a pending question would otherwise wait forever.
  const closed = new Promise<never>((_, reject) => rl.once('close', () => reject(new UserError({ where: 'the prompt', message: 'no answer given', hint: 'run again and choose languages, or pass --lang' }))));
  closed.catch(() => {});
  try {
    process.stdout.write('Kernels for your notebook image:\n');
    starterKinds.forEach((kind, i) => {
      process.stdout.write(`  ${String(i + 1).padStart(2)}. ${kind.padEnd(11)} ${kindOf(kind)!.summary}\n`);
    });
    for (;;) {
      const answer = await Promise.race([rl.question('Languages (names or numbers, comma-separated) [python]: '), closed]);
      try {
        return parseLanguages(answer.trim() === '' ? 'python' : answer, 'the prompt');
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        for (const p of error.problems) process.stdout.write(`  ${p.message}${p.hint ? ` (${p.hint})` : ''}\n`);
      }
    }
  } finally {
    rl.close();
  }
}
