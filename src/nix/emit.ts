// The project emitter: a normalised config → the files of a self-contained Nix project
// (default.nix, shell.nix, the nixlab Nix library, assets). Pure: returns the files, the caller
// writes them. Each kernel's env and argv come from its kind's module; how Jupyter runs (server
// packages, environment variables, image-root links) comes from ../runtime.
import { basename, extname, join } from 'node:path';
import type { NormalizedConfig, NormalizedKernel } from '../definitions/types.js';
import type { DirEntry } from '../fsutil.js';
import { emitKernel, kindOf } from '../kernels/index.js';
import { filesUnder } from '../kernels/custom.js';
import type { LogoSize } from '../kernels/types.js';
import { packageRoot } from '../paths.js';
import { JUPYTER_VARIABLES, type Place, type Value } from '../runtime/environment.js';
import { ROOT_LINKS, filesLink } from '../runtime/image-root.js';
import { FRONT_ENDS } from '../runtime/targets.js';
import { apply, attrs, comment, json, lambda, lambdaSet, letIn, list, nix, nul, relPath, select, str, strParts, v, type Formal, type NixExpr, type StrPart } from './ast.js';
import { resolvePin, type ResolvedPin } from './pin.js';
import { render } from './render.js';

/** Files of the hand-written Nix library copied into every generated project (under nixlab/). */
export const LIBRARY_FILES = ['lib.nix', 'kernelspec.nix', 'jupyter-config.nix', 'jupyter_config.py', 'jupyter_server_config.py', 'healthcheck.py', 'start.nix'] as const;

const LOGO_FILE: Record<LogoSize, string> = { '32x32': 'logo-32x32', '64x64': 'logo-64x64', svg: 'logo-svg' };

/** The kernel.json fields besides argv, as the JSON object nixlab renders (keys sorted). */
export function kernelSpecFields(k: NormalizedKernel): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    display_name: k.displayName,
    interrupt_mode: k.interruptMode,
    language: k.language,
  };
  if (Object.keys(k.env).length) spec.env = k.env;
  if (Object.keys(k.metadata).length) spec.metadata = k.metadata;
  return spec;
}

/** Where a kernel's logo is copied inside the generated project. */
function logoAsset(kernel: string, size: LogoSize, source: string): { asset: string; file: string } {
  const ext = size === 'svg' ? '.svg' : extname(source).toLowerCase() || '.png';
  const file = LOGO_FILE[size] + ext;
  return { asset: `assets/${kernel}/${file}`, file };
}

/**
 * The arguments every generated file takes: `nixpkgsPath` (a checkout, as a string: nixlab
 * passes it with --argstr) and `pkgs`, by default the pinned nixpkgs fetched by hash.
 */
function pkgsFormals(pin: ResolvedPin): Formal[] {
  const fetchPinned = apply(select(v('builtins'), 'fetchTarball'), attrs({ url: str(pin.url), sha256: str(pin.sha256) }));
  const importPkgs = apply(v('import'), nix`if nixpkgsPath == null then ${fetchPinned} else /. + nixpkgsPath`, attrs({ config: attrs({}), overlays: list([]) }));
  return [
    { name: 'nixpkgsPath', default: nul },
    { name: 'pkgs', default: importPkgs },
  ];
}

const kernelVarName = (i: number): string => `kernelEnv${i}`;

/** Where the config's `i`th start hook is copied inside the generated project. */
const hookAsset = (i: number, file: string): string => `assets/hooks/${i}/${basename(file)}`;

/** default.nix for a config. `source` names the config file in the header comment (no host path). */
export function emitDefaultNix(config: NormalizedConfig, source: string): string {
  const pin = resolvePin(config.nixpkgs);
  const frontEnd = FRONT_ENDS[config.frontend];

  const bindings: Array<[string, NixExpr]> = [['nixlab', apply(v('import'), relPath('./nixlab/lib.nix'), attrs({ pkgs: v('pkgs') }))]];
  const specs: NixExpr[] = [];
  const envNames: Array<[string, NixExpr]> = [];
  config.kernels.forEach((k, i) => {
    const envVar = v(kernelVarName(i));
    const parts = emitKernel(k, envVar);
    bindings.push([kernelVarName(i), comment(`kernel "${k.name.replace(/[^A-Za-z0-9._-]/g, '?')}" (${k.kind})`, parts.env)]);
    envNames.push([k.name, envVar]);
    const logos: Array<[string, NixExpr]> = Object.entries(k.logos).map(([size, src]) => {
      const { asset, file } = logoAsset(k.name, size as LogoSize, src!);
      return [file, relPath('./' + asset)];
    });
    specs.push(apply(select(v('nixlab'), 'kernelspec'), attrs({ name: str(k.name), argv: parts.argv, spec: json(kernelSpecFields(k)), logos: attrs(logos) })));
  });
  bindings.push(['kernels', apply(select(v('nixlab'), 'kernels'), list(specs))]);
  bindings.push(['jupyterConfig', apply(select(v('nixlab'), 'jupyterConfig'), attrs({ settings: json({ frontend: config.frontend, kernels: config.kernels.map((k) => k.name) }) }))]);
  bindings.push([
    'server',
    comment(
      `the ${config.frontend} front end`,
      apply(select(v('pkgs'), 'python3', 'withPackages'), lambda('ps', list(frontEnd.serverPackages.map((p) => select(v('ps'), p))))),
    ),
  ]);
  bindings.push(['env', apply(select(v('nixlab'), 'env'), attrs({ server: v('server'), kernels: v('kernels'), jupyterConfig: v('jupyterConfig') }))]);
  bindings.push([
    'start',
    apply(
      select(v('nixlab'), 'start'),
      attrs({ shell: strParts(select(v('pkgs'), ROOT_LINKS.shell.attr), `/${ROOT_LINKS.shell.provides.sh}`), hooks: list(config.image.startHooks.map((h, i) => relPath(`./${hookAsset(i, h)}`))) }),
    ),
  ]);
  bindings.push(['kernelEnvs', attrs(envNames)]);
  // The image root's links (runtime/image-root.ts); image.files' directories enter the store as they are.
  const links: Array<[string, NixExpr]> = Object.entries(ROOT_LINKS).map(([name, link]) => [name, link.attr === null ? v(name) : select(v('pkgs'), link.attr)]);
  config.image.files.forEach((_f, i) => {
    links.push([filesLink(i), apply(select(v('builtins'), 'path'), attrs({ path: relPath(`./assets/files/${i}`), name: str(`nixlab-files-${i}`) }))]);
  });
  bindings.push(['imageRoot', apply(select(v('nixlab'), 'imageRoot'), attrs({ links: attrs(links), kernels: v('kernelEnvs') }))]);

  const body = letIn(
    bindings,
    attrs({ kernels: v('kernels'), jupyterConfig: v('jupyterConfig'), server: v('server'), env: v('env'), imageRoot: v('imageRoot'), kernelEnvs: v('kernelEnvs') }),
  );
  const file = comment(
    `Generated by nixlab from ${source.replace(/[\r\n]/g, ' ')}; edit that file and run \`nixlab generate\` again.`,
    comment(`nixpkgs: ${pin.owner}/${pin.repo} ${pin.rev}; pass --argstr nixpkgsPath /path/to/nixpkgs to use a checkout.`, lambdaSet(pkgsFormals(pin), body)),
  );
  return render(file);
}

/** A shell word: literal text inside double quotes, with what the shell would expand escaped. */
const shellText = (s: string): string => s.replace(/["\\$`]/g, (c) => `\\${c}`);

/**
 * shell.nix: `pkgs.mkShell` (pkgs/build-support/mkshell/default.nix: packages, shellHook) with
 * the notebook environment on PATH, Jupyter's variables as in the image (runtime/environment.ts),
 * and all writable state under .jupyter/ in the directory the shell starts in, so nothing writes
 * into the store.
 */
export function emitShellNix(config: NormalizedConfig, source: string): string {
  const env = select(v('project'), 'env');
  const places: Record<Place, StrPart[]> = {
    env: [env],
    config: [env, '/etc/jupyter'],
    state: ['$PWD/.jupyter'],
    notebooks: ['$PWD'],
  };
  const valueParts = (value: Value): StrPart[] => value.flatMap((p) => (typeof p === 'string' ? [shellText(p)] : places[p.place]));
  const hook: StrPart[] = ['export PATH=', env, '/bin:"$PATH"\n'];
  const stateDirs: string[] = [];
  for (const variable of JUPYTER_VARIABLES) {
    hook.push(`export ${variable.name}="`, ...valueParts(variable.value), '"\n');
    const first = variable.value[0];
    if (typeof first === 'object' && first.place === 'state') stateDirs.push(`"$${variable.name}"`);
  }
  hook.push(`mkdir -p ${stateDirs.join(' ')}\n`);
  const body = letIn(
    [['project', apply(v('import'), relPath('./default.nix'), attrs({ nixpkgsPath: v('nixpkgsPath'), pkgs: v('pkgs') }))]],
    apply(select(v('pkgs'), 'mkShell'), attrs({ name: str('nixlab-shell'), packages: list([env]), shellHook: strParts(...hook) })),
  );
  return render(
    comment(
      `Generated by nixlab from ${source.replace(/[\r\n]/g, ' ')}: \`nix-shell\` here (or \`nixlab shell\`) gives the notebook environment.`,
      lambdaSet(pkgsFormals(resolvePin(config.nixpkgs)), body),
    ),
  );
}

/** Every file of the generated project for a config, sorted by path. */
export function emitProject(config: NormalizedConfig, source: string): DirEntry[] {
  const files: DirEntry[] = [
    { path: 'default.nix', text: emitDefaultNix(config, source) },
    { path: 'shell.nix', text: emitShellNix(config, source) },
  ];
  for (const f of LIBRARY_FILES) files.push({ path: `nixlab/${f}`, copyFrom: join(packageRoot(), 'nix', f) });
  config.image.files.forEach((f, i) => {
    for (const rel of filesUnder(f.source)) files.push({ path: `assets/files/${i}/${rel}`, copyFrom: join(f.source, rel) });
  });
  config.image.startHooks.forEach((h, i) => files.push({ path: hookAsset(i, h), copyFrom: h }));
  for (const k of config.kernels) {
    const kind = kindOf(k.kind)!;
    files.push(...((kind.files as ((kernel: NormalizedKernel) => DirEntry[]) | undefined)?.(k) ?? []));
    for (const [size, src] of Object.entries(k.logos)) files.push({ path: logoAsset(k.name, size as LogoSize, src!).asset, copyFrom: src! });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
