// The one rule set: each rule's JSON Schema and its explanation agree on every sample value
// (the schema refuses a value exactly when `explain` has something to say), and the patterns
// mean what their names say.
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as rules from '../../src/definitions/rules.js';
import { namedRules } from '../../src/definitions/schema.js';

const ajv = new Ajv2020({ strict: true, logger: false });
// Each rule is checked as the config schema holds it: beside the other rules it may refer to.
const $defs = Object.fromEntries(Object.entries(namedRules).map(([n, r]) => [n, r.schema]));
const accepts = (rule: rules.Rule, value: unknown) => ajv.validate({ $defs, ...rule.schema }, value) as boolean;

/** Sample values for each rule: some valid, some not. */
const SAMPLES: Record<string, unknown[]> = {
  kernelName: ['py', 'a.b_c-d', '', '.', '..', 'python', 'Python3', 'python3x', 'my kernel', 'x'.repeat(196), 'x'.repeat(197), 'x'.repeat(255), 3],
  displayName: ['Python', '', 'ü'],
  envName: ['A', '_x9', '9x', 'A-B', '', 'A B'],
  relativeFile: ['a.png', 'd/a.svg', '/abs.png', ''],
  repository: ['nixlab', 'nixlab-demo', 'a__b', 'a.b', 'a---b', 'ghcr.io/org/lab', 'localhost:5000/lab', 'Registry.Example.com:443/a/b', 'NixLab', 'a___b', '-a', 'a-', 'a/', '/a', 'a//b', 'lab:v1', 'a b', 'a@sha256', 'x'.repeat(256)],
  tag: ['latest', 'v1.2_3-rc', '.a', '-a', 'a'.repeat(128), 'a'.repeat(129), ''],
  userName: ['jovyan', '_x', 'a-b9', 'Jovyan', '9a', '-a', 'a'.repeat(32), 'a'.repeat(33), ''],
  numericId: [0, 1000, rules.MAX_TAR_ID, rules.MAX_TAR_ID + 1, 300000, -1, 1.5, 2 ** 31 - 1],
  port: [1, 8888, 65535, 0, 65536, 80.5],
  absolutePath: ['/', '/data', '/home/jovyan/work', '/a/..b', '/a/b..', '/a/...', '', 'data', './data', '/..', '/a/..', '/a/../b', '/data/', '/a//b', '/a/./b', '/.'],
  maxLayers: [1, 2, 100, 125, 126, 0],
  nixpkgsRev: ['0'.repeat(40), '0'.repeat(39), 'A'.repeat(40), 'nixos-24.11'],
  narHash: [`sha256-${'a+/9'.repeat(10)}abc=`, `sha256-${'a'.repeat(44)}`, 'sha256-'],
  allowUnfree: [true, false, 'true', 'yes', 1, null],
  allowBroken: [true, false, 'no', 0],
  permittedInsecurePackage: ['olm-3.2.16', 'python3.12-foo-1.0', 'foo-unstable-2024-01-01', 'openssl-1.1.1w', 'olm', 'olm-', '-3.2', 'olm 3.2', 'olm-v3', '', 3],
  hubVersion: ['5.4', '6.1', '4.0', '10.12', '3.9', '0.8', '5.4.1', '05.4', 'v5', '', 5.4],
  hubAuthenticator: ['native', 'tmp', 'shared-password', 'dummy', 'github', 'Native', ''],
  sharedPassword: ['12345678', 'a long shared password', '1234567', '', 8, 'pa$$word #1 ${HOME} \'"\\', 'pass\nword', 'pass\tword', 'password\u007f', 'password\u0000'],
  adminPassword: ['a'.repeat(32), 'an admin password of at least thirty-two characters', 'a'.repeat(31), '12345678', '', 32, `${'a'.repeat(32)}\n`, `${'a'.repeat(32)}\r`, `${'$'.repeat(32)}`],
  hubAddress: ['127.0.0.1', '0.0.0.0', '10.1.2.255', 'localhost', '::1', '256.0.0.1', '1.2.3', '01.2.3.4', '', 1],
  pythonVersion: ['3.11', '3.12', '3.13', '3.19', '3.10', '3.9', 3.12, '3.12.1'],
  pythonPackage: ['numpy', 'scikit-learn', 'a.b', 'in', 'numpy pandas', ''],
  labExtension: ['jupyterlab-git', 'jupyterlab-widgets', '@jupyterlab/git', 'jupyterlab-git==0.55', 'jupyterlab-git jupyterlab-lsp', 'in', ''],
  rPackage: ['ggplot2', 'data_table', 'data.table', 'rPackages.x', 'let'],
  haskellPackage: ['lens', 'with'],
  octavePackage: ['signal', 'a b'],
  attrPath: ['busybox', 'python3Packages.bash-kernel', 'a..b', '.a', 'a.', 'a.in', 'with.x', 'a.${b}', 'a/b'],
  cppStd: [17, 20, 23, 11, '17'],
  fileExtension: ['.sh', 'sh', '.', ''],
  nixFile: ['k/default.nix', 'a.nix', '/abs.nix', 'a.txt', ''],
  language: ['bash', ''],
  fileTarget: ['lessons', '/opt/x', 'a..b', '../x', 'a/../b', 'a/..', '..', ''],
  argv: [['x', '{connection_file}'], []],
  composeNetwork: ['bridge', 'host', 'overlay', ''],
  jdkVersion: [17, 21, 11, 8, '17', 17.5],
  javaClasspathEntry: ['commons-lang', 'commons-math', 'javaPackages.foo', 'lib/x.jar', '*.jar', 'in', 'a b', ''],
  javaCompilerOpt: ['-Xlint:all', '--enable-preview', 'Xlint', '-a b', '', '-'],
  javaTimeout: [-1, 1, 30000, 0, -2, 1.5, '30s'],
  juliaVersion: ['1.10', '1.11', '1.12', '1.9', '1.13', 1.1, ''],
  juliaPackage: ['Plots', 'DataFrames', 'IJulia', 'Plots.jl', 'Plots@1.40', 'a b', '', 'plots'],
  composeDir: ['./notebooks', './a/b', './', 'notebooks', '../x', './a/../b', '/abs', ''],
};

describe('each rule', () => {
  test('has samples here', () => {
    const withAgreementCheck = Object.keys(namedRules).filter((n) => !['frontend', 'interruptMode', 'argvItem'].includes(n));
    expect(Object.keys(SAMPLES).sort()).toEqual(withAgreementCheck.sort());
  });

  test.each(Object.entries(SAMPLES))('%s: the schema and the explanation agree', (name, values) => {
    const rule = namedRules[name]!;
    for (const value of values) {
      const verdict = rule.explain(value);
      expect([value, accepts(rule, value)]).toEqual([value, verdict === undefined]);
      if (verdict) {
        expect(verdict.message.length).toBeGreaterThan(5);
        expect(verdict.hint.length).toBeGreaterThan(5);
      }
    }
  });
});

describe('the rules say', () => {
  test('uid and gid stop at what a tar header holds (the tar writer\'s limit)', () => {
    expect(rules.MAX_TAR_ID).toBe(262143);
    expect(rules.numericId.explain(300000)!.message).toContain('262143');
  });

  test('the layer budget is 2 to 125: the image\'s own layer and at least one store layer', () => {
    expect([rules.LAYERS.min, rules.LAYERS.max, rules.LAYERS.default]).toEqual([2, 125, 100]);
  });

  test('secret variable names: any *_TOKEN, *_PASSWORD, *_SECRET, *_API_KEY', () => {
    for (const n of ['JUPYTER_TOKEN', 'GITHUB_TOKEN', 'JUPYTERHUB_API_TOKEN', 'DB_PASSWORD', 'AWS_SECRET', 'OPENAI_API_KEY', 'PASSWORD', 'jpy_api_token']) expect([n, rules.isSecretEnvName(n)]).toEqual([n, true]);
    for (const n of ['PATH', 'TOKENIZERS_PARALLELISM', 'OMP_NUM_THREADS', 'SECRETARY']) expect([n, rules.isSecretEnvName(n)]).toEqual([n, false]);
  });

  test('text Nix cannot carry: NUL and lone surrogates, with their offset', () => {
    expect(rules.unrepresentable('ok 🎉')).toBeUndefined();
    expect(rules.unrepresentable('a\0b')).toEqual({ offset: 1, what: 'a NUL character (\\u0000)' });
    expect(rules.unrepresentable('ab\ud800')).toEqual({ offset: 2, what: 'a lone UTF-16 surrogate (\\ud800)' });
    expect(rules.unrepresentable('\udc00x')!.offset).toBe(0);
  });

  test('attribute names are Nix identifiers that are not keywords', () => {
    const re = new RegExp(rules.ATTR_NAME_PATTERN, 'u');
    for (const ok of ['numpy', 'scikit-learn', "pkg'", '_private', 'inherits', 'in-x', 'letter', 'python3']) expect([ok, re.test(ok)]).toEqual([ok, true]);
    for (const bad of [...rules.NIX_KEYWORDS, '', '3d', '-x', 'a.b', 'a b', '${x}', 'a"b', 'numpy;', 'é']) expect([bad, re.test(bad)]).toEqual([bad, false]);
  });
});
