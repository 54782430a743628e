// The runtime facts are written once (src/runtime/facts.ts): every environment variable the
// scripts and Nix files of nix/ read is one of its names (or one a kernel kind declares), the
// Python scripts look each name up in the generated runtime.json, and the shell scripts read
// the generated runtime.sh's values. A name typed into nix/ by hand, or a role a script uses
// that the generated files lack, fails here.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kernelKinds } from '../../src/kernels/index.js';
import { DEFAULT_PORT, ENV, KNOWN_VARIABLES, LOOPBACK_ADDRESS, REFUSED_STACKS_VARIABLES, SHELL_READS, homeOf, runtimeJson, runtimeShell, snakeCase } from '../../src/runtime/facts.js';

const NIX = resolve('nix');
const files = (ext: string): string[] => readdirSync(NIX).filter((f) => f.endsWith(ext)).sort();
const read = (f: string): string => readFileSync(join(NIX, f), 'utf8');
/** Each line without its comment (a `#` at the start of a line or after a space). */
const code = (text: string): string => text.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n');

/** Variable names the kinds' own Nix files use (JJava's, for nix/jjava.nix). */
const kindVariables = new Set(kernelKinds.flatMap((k) => k.variables ?? []));

describe('nix/*.py read every variable through runtime.json', () => {
  // os.environ[X], os.environ.get(X…), os.getenv(X…), X in os.environ
  const ACCESS = /os\.environ\s*\[\s*(_env\["[^"]*"\]|[^\]]+?)\s*\]|os\.environ\.get\(\s*([^,)]+?)\s*[,)]|os\.getenv\(\s*([^,)]+?)\s*[,)]|(\S+(?:\[[^\]]+\])?)\s+(?:not\s+)?in\s+os\.environ(?![.\w])/g;
  const accesses = files('.py').flatMap((f) => [...code(read(f)).matchAll(ACCESS)].map((m) => ({ file: f, arg: (m[1] ?? m[2] ?? m[3] ?? m[4])! })));

  test('the scan finds the accesses', () => {
    expect(accesses.length).toBeGreaterThanOrEqual(6);
  });

  test.each(files('.py'))('%s: each access names a role of ENV (or a known literal name)', (f) => {
    const bad: string[] = [];
    for (const { arg } of accesses.filter((a) => a.file === f)) {
      const role = /^_env\["([A-Za-z]+)"\]$/.exec(arg)?.[1];
      const literal = /^["']([A-Za-z_][A-Za-z0-9_]*)["']$/.exec(arg)?.[1];
      if (role !== undefined ? !Object.hasOwn(ENV, role) : literal === undefined || !KNOWN_VARIABLES.has(literal)) bad.push(arg);
    }
    expect(bad).toEqual([]);
  });

  test('no variable name is typed into the Python code', () => {
    const typed = files('.py').flatMap((f) => [...code(read(f)).matchAll(/["']([A-Z][A-Z0-9]*_[A-Z0-9_]+)["']/g)].map((m) => `${f}: ${m[1]}`));
    expect(typed).toEqual([]);
  });

  test('the roles the scripts look up are in the generated runtime.json, with the names of ENV', () => {
    const json = JSON.parse(runtimeJson()) as { env: Record<string, string>; defaults: { port: number; ip: string } };
    expect(json.env).toEqual({ ...ENV });
    expect(json.defaults).toMatchObject({ port: DEFAULT_PORT, ip: LOOPBACK_ADDRESS });
    const used = new Set(files('.py').flatMap((f) => [...read(f).matchAll(/_env\["([A-Za-z]+)"\]/g)].map((m) => m[1]!)));
    expect([...used].sort()).toEqual(expect.arrayContaining(['hubApiToken', 'hubRootDir', 'hubServiceUrl', 'ip', 'jupyterPath', 'notebookDir', 'port']));
    for (const role of used) expect([role, json.env[role]]).toEqual([role, expect.stringMatching(/^[A-Z_]+$/)]);
  });

  test('jupyter_server_config.py takes the port and address from the variables runtime.json names, and its defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-facts-'));
    copyFileSync(join(NIX, 'jupyter_server_config.py'), join(dir, 'jupyter_server_config.py'));
    writeFileSync(join(dir, 'nixlab-runtime.json'), runtimeJson());
    writeFileSync(join(dir, 'nixlab.json'), '{"frontend":"lab","hub":{"defaultUrl":"/lab"},"kernels":["py"]}');
    // A stand-in for traitlets' config object: any attribute chain can be set and read back.
    const run = (env: Record<string, string>): { ip?: string; port?: number; root_dir?: string; default_url?: string } => {
      const script = [
        'import json, runpy',
        'class C(dict):',
        '    def __getattr__(self, k): return self.setdefault(k, C())',
        '    def __setattr__(self, k, v): self[k] = v',
        'c = C()',
        `runpy.run_path(${JSON.stringify(join(dir, 'jupyter_server_config.py'))}, init_globals={"get_config": lambda: c})`,
        'print(json.dumps({k: v for k, v in c.ServerApp.items() if k in ("ip", "port", "root_dir", "default_url")}))',
      ].join('\n');
      return JSON.parse(execFileSync('python3', ['-c', script], { env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' }));
    };
    expect(run({})).toEqual({ ip: LOOPBACK_ADDRESS, port: DEFAULT_PORT });
    expect(run({ [ENV.port]: '9999', [ENV.ip]: '10.1.2.3', [ENV.notebookDir]: '/data' })).toEqual({ ip: '10.1.2.3', port: 9999, root_dir: '/data' });
    // Under a hub's spawner the address comes from the spawner, and so does the root directory when it gives one.
    expect(run({ [ENV.hubServiceUrl]: 'http://127.0.0.1:8888/user/a/', [ENV.port]: '9999', [ENV.notebookDir]: '/data' })).toEqual({ root_dir: '/data', default_url: '/lab' });
    expect(run({ [ENV.hubApiToken]: 't', [ENV.hubRootDir]: '/home/a', [ENV.notebookDir]: '/data' })).toEqual({ default_url: '/lab' });
  });
});

describe('nix/*.sh and nix/*.nix read every variable through runtime.sh', () => {
  const scripts = [...files('.sh'), ...files('.nix')];
  /** `$NAME` and `${NAME…}` with an upper-case letter in NAME (lower-case names are the scripts' own and Nix builders' attributes). */
  const upper = (f: string): string[] => [...code(read(f)).matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!).filter((n) => /[A-Z]/.test(n) && /^[A-Z0-9_]+$/.test(n));

  test.each(scripts)('%s: each variable it reads is a known name', (f) => {
    const unknown = upper(f).filter((n) => !KNOWN_VARIABLES.has(n) && !kindVariables.has(n));
    expect(unknown).toEqual([]);
  });

  test.each(files('.sh'))('%s: reads no runtime variable by its name, only runtime.sh\'s env_<role>', (f) => {
    expect(upper(f)).toEqual([]);
  });

  test.each(files('.sh'))('%s: each env_<role> and name_<role> it uses is one runtime.sh defines', (f) => {
    const defined = new Set(runtimeShell().split('\n').flatMap((l) => /^([a-z_]+)=/.exec(l)?.[1] ?? []));
    const used = [...code(read(f)).matchAll(/\$\{?((?:env|name)_[a-z_]+|refused_stacks_variables)/g)].map((m) => m[1]!);
    expect(used.filter((u) => !defined.has(u))).toEqual([]);
  });

  test('runtime.sh gives each variable\'s value, or its default when unset, and its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-facts-'));
    writeFileSync(join(dir, 'runtime.sh'), runtimeShell());
    const show = SHELL_READS.map((r) => `echo "${snakeCase(r)}=$env_${snakeCase(r)} $name_${snakeCase(r)}"`).join('; ');
    const out = (env: Record<string, string>): Record<string, string> =>
      Object.fromEntries(execFileSync('/bin/sh', ['-c', `. ${join(dir, 'runtime.sh')}; ${show}; echo "refused=$refused_stacks_variables"`], { env, encoding: 'utf8' }).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const unset = out({});
    expect(unset.port).toBe(`${DEFAULT_PORT} ${ENV.port}`);
    expect(unset.tmpdir).toBe(`/tmp ${ENV.tmpdir}`);
    expect(unset.notebook_dir).toBe(` ${ENV.notebookDir}`);
    expect(unset.refused).toBe(REFUSED_STACKS_VARIABLES.join(' '));
    const set = out({ [ENV.port]: '9999', [ENV.notebookArgs]: '--x "a b"' });
    expect(set.port).toBe(`9999 ${ENV.port}`);
    expect(set.notebook_args).toBe(`--x "a b" ${ENV.notebookArgs}`);
  });
});

describe('the runtime facts', () => {
  test('the home of uid 0 is /root, of anyone else /home/<name>', () => {
    expect(homeOf({ name: 'root', uid: 0 })).toBe('/root');
    expect(homeOf({ name: 'jovyan', uid: 1000 })).toBe('/home/jovyan');
  });

  test('the generated files are the same bytes every time', () => {
    expect(runtimeJson()).toBe(runtimeJson());
    expect(runtimeShell()).toBe(runtimeShell());
  });

  test('no two roles name one variable', () => {
    const names = Object.values(ENV);
    expect(new Set(names).size).toBe(names.length);
  });
});
