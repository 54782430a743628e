// The body of `nixlab pack`, shared by its oclif command and by the oclif-free start
// (cli/fast.ts): flags in, one library call, the summary out. It prints (this is the CLI layer)
// and throws nixlab errors for the caller to report.
import { UserError } from '../errors.js';
import { abortOnSignals, checkStdoutOutput, describePack, progressPrinter } from './pack-support.js';
import { canonicalJson } from '../json.js';

export interface PackFlags {
  /** The store paths (or result symlinks), in command-line order. */
  paths: string[];
  output: string;
  format: string;
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  tag?: string;
  'max-layers': number;
  volume?: string[];
  port?: string[];
  workdir?: string;
  group?: string[];
  prune?: boolean;
  cache: boolean;
  json?: boolean;
}

/** `--cmd '["a","b"]'` (a JSON array) or `--cmd a --cmd b` (one element per flag). */
function argvFlag(values: string[] | undefined, name: string): string[] | undefined {
  if (!values?.length) return undefined;
  if (values.length === 1 && values[0]!.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values[0]!);
    } catch {
      throw new UserError({ where: `--${name}`, message: `${values[0]} is not a JSON array`, hint: `write --${name} '["prog","arg"]' or repeat --${name} once per element` });
    }
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
      throw new UserError({ where: `--${name}`, message: 'must be a JSON array of strings', hint: `write --${name} '["prog","arg"]'` });
    }
    return parsed as string[];
  }
  return values;
}

export async function runPack(flags: PackFlags): Promise<void> {
  const toStdout = checkStdoutOutput(flags.output, flags.json === true);
  const progress = !flags.json && process.stderr.isTTY ? progressPrinter() : undefined;
  const [{ packImage }, { parseKernelEnvs }, { parseReference }] = await Promise.all([import('../image/pack.js'), import('../image/layers.js'), import('../image/config.js')]);
  const kernels = flags.group?.length ? await parseKernelEnvs(flags.group) : undefined;
  const result = await abortOnSignals((signal) =>
    packImage({
      storePaths: flags.paths,
      image: {
        reference: flags.tag === undefined ? undefined : parseReference(flags.tag, '--tag'),
        entrypoint: argvFlag(flags.entrypoint, 'entrypoint'),
        cmd: argvFlag(flags.cmd, 'cmd'),
        env: flags.env,
        defaultEnv: true,
        volumes: flags.volume,
        exposedPorts: flags.port,
        workingDir: flags.workdir,
      },
      layering: { maxLayers: flags['max-layers'], kernels },
      destination: { output: toStdout ? process.stdout : flags.output, format: flags.format as 'docker' | 'oci', prune: flags.prune },
      cache: flags.cache ? undefined : false,
      onProgress: progress?.update,
      signal,
    }),
  ).finally(() => progress?.done());
  if (flags.json) process.stdout.write(canonicalJson(result, 2) + '\n');
  else (toStdout ? process.stderr : process.stdout).write(describePack(result));
}
