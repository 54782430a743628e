// The CLI's kernels and init commands, run for real (bin/run.js → dist/); init's prompt is
// answered through a pseudo-terminal (`script` from util-linux), as a user at a terminal would.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeKinds } from '../../src/kernels/describe.js';
import { pinFacts } from '../../src/nixpkgs/facts.js';
import { loadConfig } from '../../src/definitions/load.js';
import { nixlab } from '../helpers/cli.js';

const BIN = resolve('bin/run.js');
const freshDir = () => mkdtempSync(join(tmpdir(), 'nixlab-init-cli-'));

/** A shell word for `script -c` (single-quoted). */
const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `nixlab …args` on a pseudo-terminal and answers its prompts: each time the output has
 * shown the prompt once more, the next answer is typed (an answer of `\u0004` is Ctrl-D).
 */
async function onTerminal(args: string[], answers: string[], prompt = 'Languages ('): Promise<{ exitCode: number; output: string }> {
  const child = execa('script', ['-qec', ['node', BIN, ...args].map(shq).join(' '), '/dev/null'], { reject: false, stdin: 'pipe', timeout: 60_000 });
  let output = '';
  let answered = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const prompts = output.split(prompt).length - 1;
    while (answered < prompts && answered < answers.length) child.stdin!.write(answers[answered++]!);
  });
  const r = await child;
  return { exitCode: r.exitCode ?? -1, output: output.replace(/\r/g, '') };
}

describe('nixlab kernels', () => {
  it('lists every preset with its options, as text and as JSON', async () => {
    const text = await nixlab(['kernels']);
    expect(text.exitCode).toBe(0);
    for (const p of describeKinds()) expect(text.stdout).toMatch(new RegExp(`^${p.kind} +${p.language.replace(/[()]/g, '\\$&')} `, 'm'));
    expect(text.stdout).toContain('std: C++ standard');
    expect(text.stdout).toContain('env:  pkgs.python3.withPackages (ps: [ ps.ipykernel ps.numpy ])');
    expect(text.stdout).toContain('argv: [ "${kernelEnv}/bin/R" "--slave" "-e" "IRkernel::main()" "--args" "{connection_file}" ]');
    const json = await nixlab(['kernels', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(describeKinds(pinFacts()))));
  });
});

describe('nixlab init', () => {
  it('writes each format from --lang, and the result validates', async () => {
    for (const [format, name] of [['yaml', 'nixlab.yaml'], ['json', 'nixlab.json'], ['ts', 'nixlab.config.ts']] as const) {
      const dir = freshDir();
      const r = await nixlab(['init', dir, '--lang', 'python,r,octave', '--format', format]);
      expect([format, r.exitCode, r.stderr]).toEqual([format, 0, '']);
      expect(r.stdout).toContain(`wrote ${join(dir, name)} with 3 kernel(s): python3, r, octave`);
      expect((await loadConfig(join(dir, name))).config.kernels.map((k) => k.kind)).toEqual(['python', 'r', 'octave']);
      const validate = await nixlab(['validate'], { cwd: dir });
      expect([format, validate.exitCode]).toEqual([format, 0]);
    }
  });

  it('refuses to overwrite without --force (exit 2, file kept), replaces with it', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'nixlab.yaml'), 'kernels: [{kind: go, name: mine}]\n');
    const refused = await nixlab(['init', dir, '--lang', 'rust']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`error: ${join(dir, 'nixlab.yaml')}: a nixlab config already exists here. Fix: edit it, or pass --force`);
    expect(readFileSync(join(dir, 'nixlab.yaml'), 'utf8')).toContain('mine');
    const forced = await nixlab(['init', dir, '--lang', 'rust', '--force']);
    expect(forced.exitCode).toBe(0);
    expect(forced.stdout).toContain('replaced');
    expect((await loadConfig(join(dir, 'nixlab.yaml'))).config.kernels.map((k) => k.name)).toEqual(['rust']);
  });

  it('reports bad --lang values with suggestions, and writes nothing', async () => {
    const dir = freshDir();
    const r = await nixlab(['init', dir, '--lang', 'pyton,racket']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: --lang: unknown language "pyton". Fix: did you mean "python"?');
    expect(r.stderr).toContain('error: --lang: unknown language "racket"');
    expect(existsSync(join(dir, 'nixlab.yaml'))).toBe(false);
  });

  it('suggests the kind a transposed typo meant (pyhton → python)', async () => {
    const dir = freshDir();
    const r = await nixlab(['init', dir, '--lang', 'pyhton,javscript']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: --lang: unknown language "pyhton". Fix: did you mean "python"?');
    expect(r.stderr).toContain('error: --lang: unknown language "javscript". Fix: did you mean "javascript"?');
  });

  it('makes a missing DIR (as the help shows), with a $schema that names a file beside the config', async () => {
    const dir = join(freshDir(), 'lab', 'new');
    const r = await nixlab(['init', dir, '--lang', 'python', '--format', 'json']);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const config = JSON.parse(readFileSync(join(dir, 'nixlab.json'), 'utf8'));
    expect(config.$schema).toBe('./nixlab.schema.json');
    const schema = JSON.parse(readFileSync(join(dir, config.$schema), 'utf8'));
    expect(schema).toEqual(JSON.parse((await nixlab(['schema'])).stdout));
    expect((await nixlab(['validate'], { cwd: dir })).exitCode).toBe(0);
    // A file of that name nixlab did not write is left alone, with a warning.
    const other = join(freshDir(), 'mine');
    mkdirSync(other);
    writeFileSync(join(other, 'nixlab.schema.json'), '{"mine": true}\n');
    const kept = await nixlab(['init', other, '--lang', 'python']);
    expect(kept.exitCode).toBe(0);
    expect(kept.stderr).toContain('nixlab.schema.json: exists and is not a nixlab schema, so it was left as it is');
    expect(readFileSync(join(other, 'nixlab.schema.json'), 'utf8')).toBe('{"mine": true}\n');
    // A DIR that is a file is refused, and nothing is written.
    const file = join(other, 'nixlab.schema.json');
    const refused = await nixlab(['init', file, '--lang', 'python']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`error: ${file}: is not a directory`);
  });

  it('validate of a missing path says it does not exist', async () => {
    const dir = freshDir();
    const r = await nixlab(['validate', 'some/missing-dir'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: some/missing-dir: no such file or directory. Fix: check the path');
    const none = await nixlab(['validate'], { cwd: dir });
    expect(none.exitCode).toBe(2);
    // The hint's example config is one validate accepts.
    const example = /containing (\{.*\})\s*$/m.exec(none.stderr)![1]!;
    writeFileSync(join(dir, 'nixlab.json'), example);
    expect((await nixlab(['validate'], { cwd: dir })).exitCode).toBe(0);
  });

  it('without --lang and without a terminal, says to pass --lang', async () => {
    const dir = freshDir();
    const r = await nixlab(['init', dir], { input: 'python\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: --lang: no languages given, and no terminal to ask on');
  });

  it('on a terminal, shows the menu, explains a bad answer, asks again, and writes the config', async () => {
    const dir = freshDir();
    const r = await onTerminal(['init', dir, '--format', 'ts'], ['pyton, 2\n', 'python, r, 9\n']);
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain(' 1. python ');
    expect(r.output).toContain('unknown language "pyton" (did you mean "python"?');
    expect(r.output).toContain(`wrote ${join(dir, 'nixlab.config.ts')} with 3 kernel(s): python3, r, cpp`);
    expect((await loadConfig(join(dir, 'nixlab.config.ts'))).config.kernels.map((k) => k.kind)).toEqual(['python', 'r', 'cpp']);
  });

  it('on a terminal, an empty answer means python', async () => {
    const dir = freshDir();
    const r = await onTerminal(['init', dir], ['\n']);
    expect(r.exitCode).toBe(0);
    expect((await loadConfig(join(dir, 'nixlab.yaml'))).config.kernels.map((k) => k.kind)).toEqual(['python']);
  });

  it('on a terminal, Ctrl-D at the prompt stops without writing anything', async () => {
    const dir = freshDir();
    const r = await onTerminal(['init', dir], ['\u0004']);
    expect(r.exitCode).toBe(2);
    expect(r.output).toContain('error: the prompt: no answer given');
    expect(existsSync(join(dir, 'nixlab.yaml'))).toBe(false);
  });
});
