// The emitters: a normalised config → the files of a self-contained Nix project
// (default.nix, shell.nix, the nixlab Nix library, logo assets). Pure: returns the files, the
// caller writes them. Each kernel kind's env and argv come from its module in ./kernels/.
import { readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { NormalizedConfig, NormalizedKernel } from '../definitions/types.js';
import { packageRoot } from '../paths.js';
import {
  apply,
  attrs,
  comment,
  json,
  lambda,
  lambdaSet,
  letIn,
  list,
  nix,
  nul,
  relPath,
  select,
  str,
  strParts,
  v,
  type Formal,
  type NixExpr,
} from './ast.js';
import { emitKernel } from './kernels/index.js';
import { resolvePin, type ResolvedPin } from './pin.js';
import { render } from './render.js';

/** A file of the generated project: text, or a copy of a file on disk. */
export type GeneratedFile = { path: string; text: string } | { path: string; copyFrom: string };

/** Files of the hand-written Nix library copied into every generated project (under nixlab/). */
export const LIBRARY_FILES = ['lib.nix', 'kernelspec.nix', 'config-dir.nix', 'jupyter_config.py', 'jupyter_server_config.py'] as const;

export { pythonAttr } from './kernels/index.js';

/** The server package per front end (nixpkgs python-packages.nix attribute names). */
export const FRONTEND_PACKAGE = { lab: 'jupyterlab', notebook: 'notebook', server: 'jupyter-server' } as const;

/** The command that starts each front end, found in the server env's bin/. */
export const FRONTEND_COMMAND = { lab: 'jupyter-lab', notebook: 'jupyter-notebook', server: 'jupyter-server' } as const;

const LOGO_FILE = { '32x32': 'logo-32x32', '64x64': 'logo-64x64', svg: 'logo-svg' } as const;

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
function logoAsset(kernel: string, size: keyof typeof LOGO_FILE, source: string): { asset: string; file: string } {
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
  const importPkgs = apply(
    v('import'),
    nix`if nixpkgsPath == null then ${fetchPinned} else /. + nixpkgsPath`,
    attrs({ config: attrs({}), overlays: list([]) }),
  );
  return [
    { name: 'nixpkgsPath', default: nul },
    { name: 'pkgs', default: importPkgs },
  ];
}

/** Every regular file under `dir`, as paths relative to it (sorted). */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

function kernelVarName(i: number): string {
  return `kernelEnv${i}`;
}

/** default.nix for a config. `source` names the config file in the header comment (no host path). */
export function emitDefaultNix(config: NormalizedConfig, source: string): string {
  const pin = resolvePin(config.nixpkgs);

  const bindings: Array<[string, NixExpr]> = [['nixlab', apply(v('import'), relPath('./nixlab/lib.nix'), attrs({ pkgs: v('pkgs') }))]];
  const specs: NixExpr[] = [];
  const envNames: Array<[string, NixExpr]> = [];
  config.kernels.forEach((k, i) => {
    const envVar = v(kernelVarName(i));
    const parts = emitKernel(k, envVar);
    bindings.push([kernelVarName(i), comment(`kernel "${k.name.replace(/[^A-Za-z0-9._-]/g, '?')}" (${k.kind})`, parts.env)]);
    envNames.push([k.name, envVar]);
    const logos: Array<[string, NixExpr]> = Object.entries(k.logos).map(([size, src]) => {
      const { asset, file } = logoAsset(k.name, size as keyof typeof LOGO_FILE, src!);
      return [file, relPath('./' + asset)];
    });
    specs.push(
      apply(
        select(v('nixlab'), 'kernelspec'),
        attrs({ name: str(k.name), argv: parts.argv, spec: json(kernelSpecFields(k)), logos: attrs(logos) }),
      ),
    );
  });
  const frontendPkg = FRONTEND_PACKAGE[config.frontend];
  bindings.push(['kernels', apply(select(v('nixlab'), 'kernels'), list(specs))]);
  bindings.push([
    'configDir',
    apply(
      select(v('nixlab'), 'configDir'),
      attrs({ settings: json({ frontend: config.frontend, kernels: config.kernels.map((k) => k.name) }) }),
    ),
  ]);
  bindings.push([
    'server',
    comment(`the ${config.frontend} front end`, apply(select(v('pkgs'), 'python3', 'withPackages'), lambda('ps', list([select(v('ps'), frontendPkg)])))),
  ]);
  bindings.push([
    'env',
    apply(select(v('nixlab'), 'env'), attrs({ server: v('server'), kernels: v('kernels'), config: v('configDir') })),
  ]);
  bindings.push(['kernelEnvs', attrs(envNames)]);
  bindings.push([
    'imageRoot',
    apply(
      select(v('nixlab'), 'imageRoot'),
      attrs({
        env: v('env'),
        extras: attrs([
          ['tini', select(v('pkgs'), 'tini')],
          ['shell', select(v('pkgs'), 'busybox')],
          ['cacert', select(v('pkgs'), 'cacert')],
          // image.files: each directory, copied into the project, enters the store as is.
          ...config.image.files.map(
            (_f, i) =>
              [
                `files-${i}`,
                apply(select(v('builtins'), 'path'), attrs({ path: relPath(`./assets/files/${i}`), name: str(`nixlab-files-${i}`) })),
              ] as [string, NixExpr],
          ),
        ]),
        kernelEnvs: v('kernelEnvs'),
      }),
    ),
  ]);

  const body = letIn(
    bindings,
    attrs({
      kernels: v('kernels'),
      configDir: v('configDir'),
      server: v('server'),
      env: v('env'),
      imageRoot: v('imageRoot'),
      kernelEnvs: v('kernelEnvs'),
    }),
  );
  const file = comment(
    `Generated by nixlab from ${source.replace(/[\r\n]/g, ' ')}; edit that file and run \`nixlab generate\` again.`,
    comment(
      `nixpkgs: ${pin.owner}/${pin.repo} ${pin.rev}; pass --argstr nixpkgsPath /path/to/nixpkgs to use a checkout.`,
      lambdaSet(pkgsFormals(pin), body),
    ),
  );
  return render(file);
}

/**
 * shell.nix: `pkgs.mkShell` (pkgs/build-support/mkshell/default.nix: packages, shellHook) with
 * the notebook environment on PATH, Jupyter pointed at the generated config, and all writable
 * state under .jupyter/ in the directory the shell starts in, so nothing writes into the store.
 */
export function emitShellNix(config: NormalizedConfig, source: string): string {
  const project = v('project');
  const env = select(project, 'env');
  const hook = strParts(
    'export PATH=',
    env,
    '/bin:"$PATH"\n',
    'export JUPYTER_CONFIG_DIR=',
    env,
    '/etc/jupyter\n',
    'export JUPYTER_PATH=',
    env,
    '/share/jupyter\n',
    'export JUPYTER_DATA_DIR="$PWD/.jupyter/data"\n',
    'export JUPYTER_RUNTIME_DIR="$PWD/.jupyter/runtime"\n',
    'export IPYTHONDIR="$PWD/.jupyter/ipython"\n',
    'export NIXLAB_NOTEBOOK_DIR="$PWD"\n',
    'export PYTHONDONTWRITEBYTECODE=1\n',
    // ipykernel's debugger otherwise warns about frozen modules at every kernel start.
    'export PYDEVD_DISABLE_FILE_VALIDATION=1\n',
    'mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_RUNTIME_DIR" "$IPYTHONDIR"\n',
  );
  const body = letIn(
    [
      ['project', apply(v('import'), relPath('./default.nix'), attrs({ nixpkgsPath: v('nixpkgsPath'), pkgs: v('pkgs') }))],
    ],
    apply(
      select(v('pkgs'), 'mkShell'),
      attrs({ name: str('nixlab-shell'), packages: list([env]), shellHook: hook }),
    ),
  );
  return render(
    comment(
      `Generated by nixlab from ${source.replace(/[\r\n]/g, ' ')}: \`nix-shell\` here (or \`nixlab shell\`) gives the notebook environment.`,
      lambdaSet(pkgsFormals(resolvePin(config.nixpkgs)), body),
    ),
  );
}

/** Every file of the generated project for a config. */
export function emitProject(config: NormalizedConfig, source: string): GeneratedFile[] {
  const files: GeneratedFile[] = [
    { path: 'default.nix', text: emitDefaultNix(config, source) },
    { path: 'shell.nix', text: emitShellNix(config, source) },
  ];
  for (const f of LIBRARY_FILES) files.push({ path: `nixlab/${f}`, copyFrom: join(packageRoot(), 'nix', f) });
  config.image.files.forEach((f, i) => {
    for (const rel of filesUnder(f.source)) files.push({ path: `assets/files/${i}/${rel}`, copyFrom: join(f.source, rel) });
  });
  for (const k of config.kernels) {
    if (k.kind === 'custom' && k.nixFile) {
      const dir = dirname(k.nixFile);
      for (const f of filesUnder(dir)) files.push({ path: `assets/${k.name}/nix/${f}`, copyFrom: join(dir, f) });
    }
    for (const [size, src] of Object.entries(k.logos)) {
      files.push({ path: logoAsset(k.name, size as keyof typeof LOGO_FILE, src!).asset, copyFrom: src! });
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
