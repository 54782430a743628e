// The bodies of `nixlab validate` and `nixlab generate`, shared by their oclif commands and by
// the oclif-free start (cli/fast.ts): flags in, one library call, the rendering out. They print
// (this is the CLI layer) and throw nixlab errors for the caller to report.
import { UserError } from '../errors.js';
import { warningLine } from './report.js';
import { canonicalJson } from '../json.js';

export interface ValidateFlags {
  config?: string;
  json?: boolean;
  pkgs?: string;
}

export async function runValidate(flags: ValidateFlags): Promise<void> {
  const [{ resolveConfigArg, loadConfig }, { parsePkgs, offlineKernelProblems }, { checkPackageSetHub }, { labExtensionProblems }, { pinFactProblems }] = await Promise.all([
    import('../definitions/load.js'),
    import('../pkgs.js'),
    import('../runtime/hub.js'),
    import('../runtime/lab.js'),
    import('../nixpkgs/facts.js'),
  ]);
  const { file, config, warnings, data } = await loadConfig(resolveConfigArg(flags.config));
  const pkgs = parsePkgs(flags.pkgs);
  // Everything the package set is known to refuse, reported at once.
  const problems = [...offlineKernelProblems(file, config, pkgs), ...labExtensionProblems(file, config, pkgs, data), ...(await pinFactProblems(file, config, data, pkgs))];
  try {
    checkPackageSetHub(file, config, pkgs);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    problems.unshift(...e.problems);
  }
  if (problems.length) throw new UserError(problems);
  for (const w of warnings) process.stderr.write(warningLine(w));
  if (flags.json) process.stdout.write(canonicalJson(config, 2) + '\n');
  else process.stdout.write(`${file}: ok, ${config.kernels.length} kernel(s): ${config.kernels.map((k) => k.name).join(', ')}\n`);
}

export interface GenerateFlags {
  config?: string;
  out: string;
  json?: boolean;
}

export async function runGenerate(flags: GenerateFlags): Promise<void> {
  const [{ resolveConfigArg }, { generate }] = await Promise.all([import('../definitions/load.js'), import('../pipeline/generate.js')]);
  const r = await generate(resolveConfigArg(flags.config), flags.out);
  for (const w of r.warnings) process.stderr.write(warningLine(w));
  if (flags.json) process.stdout.write(canonicalJson({ outDir: r.outDir, files: r.files, kernels: r.config.kernels.map((k) => k.name) }, 2) + '\n');
  else process.stdout.write(`wrote ${r.files.length} files to ${flags.out}\n`);
}
