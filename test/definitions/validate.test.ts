import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { formatJsonPath, validateConfig } from '../../src/definitions/validate.js';
import { KERNEL_NAME_MAX } from '../../src/definitions/kernel-name.js';
import { kindNames, kindOf } from '../../src/kernels/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures', 'full');

const py = { kind: 'python', name: 'py' };
const sh = { kind: 'custom', name: 'sh', language: 'bash', argv: ['bash-kernel', '-f', '{connection_file}'] };
const withKernel = (kernel: unknown) => ({ kernels: [kernel] });
const withImage = (image: unknown) => ({ kernels: [py], image });

interface Case {
  name: string;
  config: unknown;
  /** Expected errors in order: [json path, substring of the message]. */
  errors: [string, string][];
}

const cases: Case[] = [
  // unknown keys
  { name: 'unknown top-level key', config: { kernels: [py], frontnd: 'lab' }, errors: [['$.frontnd', 'unknown key "frontnd" at the top level']] },
  { name: 'unknown kernel key', config: withKernel({ ...py, pakages: [] }), errors: [['$.kernels[0].pakages', 'unknown key "pakages" for a python kernel']] },
  { name: 'key of another kernel kind', config: withKernel({ ...py, argv: ['x'] }), errors: [['$.kernels[0].argv', 'unknown key "argv" for a python kernel']] },
  { name: 'unknown image key', config: withImage({ tags: 'v1' }), errors: [['$.image.tags', 'unknown key "tags"']] },
  { name: 'unknown image user key', config: withImage({ user: { home: '/h' } }), errors: [['$.image.user.home', 'unknown key "home"']] },
  { name: 'unknown nixpkgs key', config: { kernels: [py], nixpkgs: { rev: 'a'.repeat(40), narHash: `sha256-${'A'.repeat(43)}=`, url: 'x' } }, errors: [['$.nixpkgs.url', 'unknown key "url"']] },
  { name: 'unknown logo key', config: withKernel({ ...py, logos: { '128x128': 'x.png' } }), errors: [['$.kernels[0].logos["128x128"]', 'unknown key "128x128"']] },
  // missing keys and kinds
  { name: 'no kernels key', config: {}, errors: [['$', 'missing required key "kernels"']] },
  { name: 'empty kernels', config: { kernels: [] }, errors: [['$.kernels', 'no kernels declared']] },
  { name: 'kernel without kind', config: withKernel({ name: 'py' }), errors: [['$.kernels[0]', 'missing required key "kind"']] },
  { name: 'unknown kind', config: withKernel({ kind: 'racket', name: 'rkt' }), errors: [['$.kernels[0].kind', 'unknown kernel kind "racket"']] },
  {
    name: 'custom kernel missing language and argv',
    config: withKernel({ kind: 'custom', name: 'x' }),
    errors: [
      ['$.kernels[0]', 'missing required key "language" (custom kernels need it)'],
      ['$.kernels[0]', 'missing required key "argv" (custom kernels need it)'],
    ],
  },
  { name: 'rev without narHash', config: { kernels: [py], nixpkgs: { rev: 'a'.repeat(40) } }, errors: [['$.nixpkgs.rev', '"rev" is given without "narHash": another nixpkgs revision needs both']] },
  { name: 'narHash without rev', config: { kernels: [py], nixpkgs: { narHash: `sha256-${'A'.repeat(43)}=`, allowUnfree: true } }, errors: [['$.nixpkgs.narHash', '"narHash" is given without "rev"']] },
  { name: 'allowUnfree as a string', config: { kernels: [py], nixpkgs: { allowUnfree: 'yes' } }, errors: [['$.nixpkgs.allowUnfree', 'must be true or false, got the string "yes"']] },
  { name: 'allowBroken as a number', config: { kernels: [py], nixpkgs: { allowBroken: 1 } }, errors: [['$.nixpkgs.allowBroken', 'must be true or false, got the number 1']] },
  { name: 'insecure package without a version', config: { kernels: [py], nixpkgs: { permittedInsecurePackages: ['olm'] } }, errors: [['$.nixpkgs.permittedInsecurePackages[0]', '"olm" has no version']] },
  { name: 'insecure packages as a string', config: { kernels: [py], nixpkgs: { permittedInsecurePackages: 'olm-3.2.13' } }, errors: [['$.nixpkgs.permittedInsecurePackages', 'must be a list']] },
  { name: 'unknown nixpkgs config key', config: { kernels: [py], nixpkgs: { allowUnfre: true } }, errors: [['$.nixpkgs.allowUnfre', 'unknown key "allowUnfre"']] },
  // wrong types
  { name: 'config is a list', config: [py], errors: [['$', 'must be an object']] },
  { name: 'config is null', config: null, errors: [['$', 'must be an object']] },
  { name: 'kernels is an object', config: { kernels: py }, errors: [['$.kernels', 'must be a list, got an object']] },
  { name: 'kernel is a string', config: { kernels: ['python'] }, errors: [['$.kernels[0]', 'must be an object']] },
  { name: 'version is a number', config: withKernel({ ...py, version: 3.12 }), errors: [['$.kernels[0].version', 'must be a string, got the number 3.12']] },
  { name: 'packages is a string', config: withKernel({ ...py, packages: 'numpy' }), errors: [['$.kernels[0].packages', 'must be a list']] },
  { name: 'env value is a number', config: withKernel({ ...py, env: { N: 1 } }), errors: [['$.kernels[0].env.N', 'must be a string, got the number 1']] },
  { name: 'metadata is a list', config: withKernel({ ...py, metadata: [] }), errors: [['$.kernels[0].metadata', 'must be an object']] },
  { name: 'port is a string', config: withImage({ port: '8888' }), errors: [['$.image.port', 'must be a whole number, got the string "8888"']] },
  { name: 'port is fractional', config: withImage({ port: 80.5 }), errors: [['$.image.port', 'must be a whole number']] },
  { name: 'frontend not in enum', config: { kernels: [py], frontend: 'jupyterlab' }, errors: [['$.frontend', 'is not one of "lab", "notebook", "server"']] },
  { name: 'interruptMode not in enum', config: withKernel({ ...py, interruptMode: 'kill' }), errors: [['$.kernels[0].interruptMode', 'is not one of "signal", "message"']] },
  // non-JSON values (TS configs)
  { name: 'function value', config: withKernel({ ...py, displayName: () => 'x' }), errors: [['$.kernels[0].displayName', 'is a function, not JSON data']] },
  { name: 'Date value', config: withKernel({ ...py, metadata: { when: new Date(0) } }), errors: [['$.kernels[0].metadata.when', 'is a Date object, not JSON data']] },
  { name: 'NaN', config: withImage({ port: Number.NaN }), errors: [['$.image.port', 'is NaN']] },
  { name: 'undefined in a list', config: withKernel({ ...py, packages: [undefined] }), errors: [['$.kernels[0].packages[0]', 'is undefined']] },
  // kernel names
  { name: 'an alias that is another kernel\'s name', config: { kernels: [py, { ...sh, aliases: ['PY'] }] }, errors: [['$.kernels[1].aliases[0]', 'alias "PY" is already a kernel name or alias of $.kernels[0]']] },
  { name: 'an alias named python', config: { kernels: [{ ...py, aliases: ['python'] }] }, errors: [['$.kernels[0].aliases[0]', 'reserved by Jupyter']] },
  { name: 'duplicate kernel names', config: { kernels: [py, sh, { ...sh, name: 'py' }] }, errors: [['$.kernels[2].name', 'kernel name "py" is already used by $.kernels[0]']] },
  { name: 'kernel names differing in case', config: { kernels: [py, { ...sh, name: 'PY' }] }, errors: [['$.kernels[1].name', 'Jupyter ignores case']] },
  { name: 'kernel name ..', config: withKernel({ ...py, name: '..' }), errors: [['$.kernels[0].name', '".." cannot be a kernel name']] },
  { name: 'kernel name .', config: withKernel({ ...py, name: '.' }), errors: [['$.kernels[0].name', '"." cannot be a kernel name']] },
  { name: 'kernel name with a slash', config: withKernel({ ...py, name: 'a/b' }), errors: [['$.kernels[0].name', '"a/b" is not a valid kernel name']] },
  { name: 'kernel name with a space', config: withKernel({ ...py, name: 'a b' }), errors: [['$.kernels[0].name', '"a b" is not a valid kernel name']] },
  { name: 'empty kernel name', config: withKernel({ ...py, name: '' }), errors: [['$.kernels[0].name', 'kernel name is empty']] },
  { name: 'bad name with unknown kind', config: withKernel({ kind: 'racket', name: 'a/b' }), errors: [['$.kernels[0].kind', 'unknown kernel kind'], ['$.kernels[0].name', 'not a valid kernel name']] },
  // custom kernels
  { name: 'argv without {connection_file}', config: withKernel({ ...sh, argv: ['bash-kernel', '-f', 'conn.json'] }), errors: [['$.kernels[0].argv', 'argv has no "{connection_file}" argument']] },
  { name: 'empty argv', config: withKernel({ ...sh, argv: [] }), errors: [['$.kernels[0].argv', 'argv is empty']] },
  { name: 'file extension without dot', config: withKernel({ ...sh, fileExtension: 'sh' }), errors: [['$.kernels[0].fileExtension', '"sh" is not a file extension']] },
  // env names
  { name: 'env name with a space', config: withKernel({ ...py, env: { 'BAD NAME': 'x' } }), errors: [['$.kernels[0].env["BAD NAME"]', '"BAD NAME" is not a valid environment variable name']] },
  { name: 'env name starting with a digit', config: withKernel({ ...py, env: { '1X': 'x' } }), errors: [['$.kernels[0].env["1X"]', 'not a valid environment variable name']] },
  { name: 'env name with a dash', config: withImage({ env: { 'A-B': 'x', OK: 'y' } }), errors: [['$.image.env["A-B"]', 'not a valid environment variable name']] },
  // package names
  { name: 'package with shell syntax', config: withKernel({ ...py, packages: ['numpy; rm -rf'] }), errors: [['$.kernels[0].packages[0]', '"numpy; rm -rf" is not a nixpkgs attribute name']] },
  { name: 'dotted python package', config: withKernel({ ...py, packages: ['a.b'] }), errors: [['$.kernels[0].packages[0]', '"a.b" is a dotted attribute path']] },
  { name: 'interpolation in a package', config: withKernel({ ...py, packages: ['${x}'] }), errors: [['$.kernels[0].packages[0]', '"${x}" is not a nixpkgs attribute name']] },
  { name: 'Nix keyword as a package', config: withKernel({ ...py, packages: ['inherit'] }), errors: [['$.kernels[0].packages[0]', 'Nix keyword "inherit"']] },
  { name: 'several packages in one item', config: withKernel({ ...py, packages: ['numpy scipy'] }), errors: [['$.kernels[0].packages[0]', 'several names in one item']] },
  { name: 'custom package with interpolation', config: withKernel({ ...sh, packages: ['python3Packages.${x}'] }), errors: [['$.kernels[0].packages[0]', 'not a nixpkgs attribute path']] },
  { name: 'custom package with a keyword segment', config: withKernel({ ...sh, packages: ['pkgs.let.x'] }), errors: [['$.kernels[0].packages[0]', 'Nix keyword "let"']] },
  { name: 'custom package with an empty segment', config: withKernel({ ...sh, packages: ['a..b'] }), errors: [['$.kernels[0].packages[0]', 'not a nixpkgs attribute path']] },
  // NUL and lone surrogates, in values and keys, however deep
  { name: 'NUL in a display name', config: withKernel({ ...py, displayName: 'a\u0000b' }), errors: [['$.kernels[0].displayName', 'contains a NUL character']] },
  { name: 'NUL in a kernel name (reported once)', config: withKernel({ ...py, name: 'a\u0000' }), errors: [['$.kernels[0].name', 'contains a NUL character']] },
  { name: 'lone surrogate in an env value', config: withKernel({ ...py, env: { X: '\ud800' } }), errors: [['$.kernels[0].env.X', 'contains a lone UTF-16 surrogate']] },
  { name: 'lone low surrogate in argv', config: withKernel({ ...sh, argv: ['a\udc00', '{connection_file}'] }), errors: [['$.kernels[0].argv[0]', 'lone UTF-16 surrogate (\\udc00)']] },
  {
    name: 'NUL in a key deep inside metadata',
    config: withKernel({ ...py, metadata: { a: { b: [{ 'x\u0000': 1 }] } } }),
    errors: [['$.kernels[0].metadata.a.b[0]["x\\u0000"]', 'the key "x\\u0000" contains a NUL character']],
  },
  { name: 'lone surrogate in a metadata key', config: withKernel({ ...py, metadata: { ['\udfff']: true } }), errors: [['$.kernels[0].metadata["\\udfff"]', 'lone UTF-16 surrogate']] },
  { name: 'NUL in an env key', config: withImage({ env: { 'A\u0000': 'x' } }), errors: [['$.image.env["A\\u0000"]', 'contains a NUL character']] },
  { name: 'NUL in $schema', config: { $schema: '\u0000', kernels: [py] }, errors: [['$.$schema', 'NUL']] },
  // python versions
  { name: 'python 3.9', config: withKernel({ ...py, version: '3.9' }), errors: [['$.kernels[0].version', '"3.9" is not a Python version nixlab offers']] },
  { name: 'python 2.7', config: withKernel({ ...py, version: '2.7' }), errors: [['$.kernels[0].version', 'not a Python version nixlab offers']] },
  { name: 'python 3', config: withKernel({ ...py, version: '3' }), errors: [['$.kernels[0].version', 'not a Python version nixlab offers']] },
  // nixpkgs pin
  { name: 'short rev', config: { kernels: [py], nixpkgs: { rev: 'abc123', narHash: `sha256-${'A'.repeat(43)}=` } }, errors: [['$.nixpkgs.rev', '"abc123" is not a full commit id']] },
  { name: 'uppercase rev', config: { kernels: [py], nixpkgs: { rev: 'A'.repeat(40), narHash: `sha256-${'A'.repeat(43)}=` } }, errors: [['$.nixpkgs.rev', 'has uppercase letters']] },
  { name: 'branch as rev', config: { kernels: [py], nixpkgs: { rev: 'nixos-24.11', narHash: `sha256-${'A'.repeat(43)}=` } }, errors: [['$.nixpkgs.rev', 'not a full commit id']] },
  { name: 'hex narHash', config: { kernels: [py], nixpkgs: { rev: 'a'.repeat(40), narHash: 'a'.repeat(64) } }, errors: [['$.nixpkgs.narHash', 'is not an SRI sha256 hash']] },
  { name: 'sha512 narHash', config: { kernels: [py], nixpkgs: { rev: 'a'.repeat(40), narHash: `sha512-${'A'.repeat(86)}==` } }, errors: [['$.nixpkgs.narHash', 'is not an SRI sha256 hash']] },
  // image
  { name: 'uppercase image name', config: withImage({ name: 'NixLab' }), errors: [['$.image.name', 'image names must be lowercase']] },
  { name: 'image name with a tag', config: withImage({ name: 'lab:v1' }), errors: [['$.image.name', 'is not a valid image repository name']] },
  { name: 'image name with a trailing separator', config: withImage({ name: 'lab-' }), errors: [['$.image.name', 'is not a valid image repository name']] },
  { name: 'bad image tag', config: withImage({ tag: '-v1' }), errors: [['$.image.tag', '"-v1" is not a valid image tag']] },
  { name: 'port 0', config: withImage({ port: 0 }), errors: [['$.image.port', 'port must be between 1 and 65535, got 0']] },
  { name: 'port 65536', config: withImage({ port: 65536 }), errors: [['$.image.port', 'got 65536']] },
  { name: 'negative uid', config: withImage({ user: { uid: -1 } }), errors: [['$.image.user.uid', 'must be between 0 and 262143, got -1']] },
  { name: 'gid too large', config: withImage({ user: { gid: 2 ** 31 } }), errors: [['$.image.user.gid', 'must be between 0 and 262143']] },
  { name: 'uppercase user name', config: withImage({ user: { name: 'Ada' } }), errors: [['$.image.user.name', '"Ada" is not a valid user name']] },
  { name: 'relative volume', config: withImage({ volumes: ['data'] }), errors: [['$.image.volumes[0]', '"data" is not an absolute path']] },
  { name: 'volume with ..', config: withImage({ volumes: ['/home/../etc'] }), errors: [['$.image.volumes[0]', 'contains a ".." segment']] },
  { name: 'duplicate volumes', config: withImage({ volumes: ['/data', '/work', '/data'] }), errors: [['$.image.volumes[2]', 'volume "/data" is listed twice (first at $.image.volumes[0])']] },
  { name: 'volume with a trailing slash', config: withImage({ volumes: ['/data/'] }), errors: [['$.image.volumes[0]', '"/data/" is not written plainly']] },
  { name: 'relative workdir', config: withImage({ workdir: 'home' }), errors: [['$.image.workdir', '"home" is not an absolute path']] },
  { name: 'too many layers', config: withImage({ maxLayers: 126 }), errors: [['$.image.maxLayers', 'must be between 2 and 125, got 126']] },
  { name: 'zero layers', config: withImage({ maxLayers: 0 }), errors: [['$.image.maxLayers', 'got 0']] },
  // preset kernels: options of each kind
  { name: 'R name with a dot', config: withKernel({ kind: 'r', name: 'r', packages: ['data.table'] }), errors: [['$.kernels[0].packages[0]', '"data.table" is the R name; nixpkgs\' rPackages writes the dots in R package names as underscores']] },
  { name: 'R package with shell syntax', config: withKernel({ kind: 'r', name: 'r', packages: ['ggplot2; q()'] }), errors: [['$.kernels[0].packages[0]', '"ggplot2; q()" is not a nixpkgs attribute name']] },
  { name: 'R packages as a string', config: withKernel({ kind: 'r', name: 'r', packages: 'ggplot2' }), errors: [['$.kernels[0].packages', 'must be a list, got the string "ggplot2"']] },
  { name: 'R package path', config: withKernel({ kind: 'r', name: 'r', packages: ['rPackages.ggplot2'] }), errors: [['$.kernels[0].packages[0]', '"rPackages.ggplot2" is an attribute path; R kernel packages are names in rPackages']] },
  { name: 'Haskell module instead of a package', config: withKernel({ kind: 'haskell', name: 'hs', packages: ['Data.Map'] }), errors: [['$.kernels[0].packages[0]', '"Data.Map" is not a nixpkgs attribute name']] },
  { name: 'Haskell package with a version', config: withKernel({ kind: 'haskell', name: 'hs', packages: ['lens-5.2 aeson'] }), errors: [['$.kernels[0].packages[0]', '"lens-5.2 aeson" is not a nixpkgs attribute name']] },
  { name: 'Octave package that is a Nix keyword', config: withKernel({ kind: 'octave', name: 'oct', packages: ['signal', 'in'] }), errors: [['$.kernels[0].packages[1]', 'Nix keyword "in"']] },
  { name: 'Octave package with interpolation', config: withKernel({ kind: 'octave', name: 'oct', packages: ['${pkgs.x}'] }), errors: [['$.kernels[0].packages[0]', 'is not a nixpkgs attribute name']] },
  { name: 'C++98', config: withKernel({ kind: 'cpp', name: 'cpp', std: 98 }), errors: [['$.kernels[0].std', 'C++ standard 98 is not offered by the cpp kernel']] },
  { name: 'C++26', config: withKernel({ kind: 'cpp', name: 'cpp', std: 26 }), errors: [['$.kernels[0].std', 'C++ standard 26 is not offered by the cpp kernel']] },
  { name: 'C++16', config: withKernel({ kind: 'cpp', name: 'cpp', std: 16 }), errors: [['$.kernels[0].std', 'C++ standard 16 is not offered by the cpp kernel']] },
  { name: 'C++ std as a string', config: withKernel({ kind: 'cpp', name: 'cpp', std: '17' }), errors: [['$.kernels[0].std', 'must be a whole number, got the string "17"']] },
  { name: 'C++ std as a flag', config: withKernel({ kind: 'cpp', name: 'cpp', std: 'c++17' }), errors: [['$.kernels[0].std', 'must be a whole number, got the string "c++17"']] },
  { name: 'C++ std fractional', config: withKernel({ kind: 'cpp', name: 'cpp', std: 17.5 }), errors: [['$.kernels[0].std', 'must be a whole number']] },
  { name: 'packages on a go kernel', config: withKernel({ kind: 'go', name: 'go', packages: ['gonum'] }), errors: [['$.kernels[0].packages', 'unknown key "packages" for a go kernel']] },
  { name: 'version on an r kernel', config: withKernel({ kind: 'r', name: 'r', version: '4.4' }), errors: [['$.kernels[0].version', 'unknown key "version" for an r kernel']] },
  { name: 'argv on a rust kernel', config: withKernel({ kind: 'rust', name: 'rust', argv: ['evcxr_jupyter'] }), errors: [['$.kernels[0].argv', 'unknown key "argv" for a rust kernel']] },
  { name: 'std on a typescript kernel', config: withKernel({ kind: 'typescript', name: 'ts', std: 17 }), errors: [['$.kernels[0].std', 'unknown key "std" for a typescript kernel']] },
  { name: 'misspelt option on an octave kernel', config: withKernel({ kind: 'octave', name: 'oct', pakages: [] }), errors: [['$.kernels[0].pakages', 'unknown key "pakages" for an octave kernel']] },
  { name: 'language on a bash kernel', config: withKernel({ kind: 'bash', name: 'bash', language: 'sh' }), errors: [['$.kernels[0].language', 'unknown key "language" for a bash kernel']] },
  { name: 'clojure kernel without a name', config: withKernel({ kind: 'clojure' }), errors: [['$.kernels[0]', 'missing required key "name" (clojure kernels need it)']] },
  { name: 'kind in capitals', config: withKernel({ kind: 'Ruby', name: 'rb' }), errors: [['$.kernels[0].kind', 'unknown kernel kind "Ruby"']] },
  { name: 'bad name on a javascript kernel', config: withKernel({ kind: 'javascript', name: 'js/node' }), errors: [['$.kernels[0].name', '"js/node" is not a valid kernel name']] },
  // java: a broken classpath entry is an error at its path
  { name: 'Java classpath entry that is a jar path', config: withKernel({ kind: 'java', name: 'java', classpath: ['commons-lang', '/usr/share/java/junit4.jar'] }), errors: [['$.kernels[0].classpath[1]', '"/usr/share/java/junit4.jar" is a file path; classpath entries are nixpkgs packages']] },
  { name: 'Java classpath entry that is a glob', config: withKernel({ kind: 'java', name: 'java', classpath: ['lib/*'] }), errors: [['$.kernels[0].classpath[0]', 'is a file path']] },
  { name: 'Java classpath entry with two names', config: withKernel({ kind: 'java', name: 'java', classpath: ['commons-lang commons-math'] }), errors: [['$.kernels[0].classpath[0]', 'is several names in one item']] },
  { name: 'Java classpath entry that is a JDK', config: withKernel({ kind: 'java', name: 'java', classpath: ['jdk21_headless'] }), errors: [['$.kernels[0].classpath[0]', '"jdk21_headless" is a JDK, not a library']] },
  { name: 'JDK 11', config: withKernel({ kind: 'java', name: 'java', jdk: 11 }), errors: [['$.kernels[0].jdk', 'JDK 11 is not offered by the java kernel']] },
  { name: 'JDK as a string', config: withKernel({ kind: 'java', name: 'java', jdk: '17' }), errors: [['$.kernels[0].jdk', 'must be a whole number, got the string "17"']] },
  { name: 'JJava timeout with a unit', config: withKernel({ kind: 'java', name: 'java', timeout: '30s' }), errors: [['$.kernels[0].timeout', 'must be a number of milliseconds, got "30s"']] },
  { name: 'JJava timeout 0', config: withKernel({ kind: 'java', name: 'java', timeout: 0 }), errors: [['$.kernels[0].timeout', 'would interrupt every statement']] },
  { name: 'JJava compiler options in one item', config: withKernel({ kind: 'java', name: 'java', compilerOpts: ['-Xlint:all -g'] }), errors: [['$.kernels[0].compilerOpts[0]', 'is several options in one item']] },
  { name: 'JJava compiler option that is no option', config: withKernel({ kind: 'java', name: 'java', compilerOpts: ['Xlint'] }), errors: [['$.kernels[0].compilerOpts[0]', 'is not a compiler option']] },
  { name: 'JJAVA_TIMEOUT in env', config: withKernel({ kind: 'java', name: 'java', env: { JJAVA_TIMEOUT: '100' } }), errors: [['$.kernels[0].env.JJAVA_TIMEOUT', 'JJAVA_TIMEOUT is set by the java kernel from its `timeout` option']] },
  { name: 'JJAVA_CLASSPATH in env', config: withKernel({ kind: 'java', name: 'java', env: { JJAVA_CLASSPATH: '/x.jar' } }), errors: [['$.kernels[0].env.JJAVA_CLASSPATH', 'from its `classpath` option']] },
  // julia
  { name: 'Julia package with .jl', config: withKernel({ kind: 'julia', name: 'jl', packages: ['Plots.jl'] }), errors: [['$.kernels[0].packages[0]', '"Plots.jl" is the repository name']] },
  { name: 'Julia package with a version', config: withKernel({ kind: 'julia', name: 'jl', packages: ['Plots@1.40'] }), errors: [['$.kernels[0].packages[0]', 'pins a version']] },
  { name: 'Julia version as a YAML number', config: withKernel({ kind: 'julia', name: 'jl', version: 1.1 }), errors: [['$.kernels[0].version', 'must be a string, got the number 1.1']] },
  { name: 'Julia 1.9', config: withKernel({ kind: 'julia', name: 'jl', version: '1.9' }), errors: [['$.kernels[0].version', '"1.9" is not a Julia version nixlab offers']] },
  // logos
  { name: 'missing logo file', config: withKernel({ ...py, logos: { svg: 'nope.svg' } }), errors: [['$.kernels[0].logos.svg', 'logo file "nope.svg" does not exist']] },
  { name: 'absolute logo path', config: withKernel({ ...py, logos: { svg: '/etc/logo.svg' } }), errors: [['$.kernels[0].logos.svg', 'is an absolute path']] },
  { name: 'logo is a directory', config: withKernel({ ...py, logos: { svg: '.' } }), errors: [['$.kernels[0].logos.svg', 'is not a regular file']] },
];

describe('validateConfig rejects invalid configs', () => {
  test.each(cases)('$name', ({ config, errors }) => {
    const result = validateConfig(config, 'nixlab.json', { baseDir: fixtures });
    const got = result.errors.map((p) => [p.where, p.message]);
    expect(got).toHaveLength(errors.length);
    errors.forEach(([where, message], i) => {
      expect(got[i]![0]).toBe(`nixlab.json:${where}`);
      expect(got[i]![1]).toContain(message);
    });
    expect(result.config).toBeUndefined();
  });

  test('every error says how to fix it', () => {
    for (const { config } of cases) {
      for (const p of validateConfig(config, 'nixlab.json', { baseDir: fixtures }).errors) {
        expect(p.hint).toEqual(expect.stringMatching(/\S/));
        // Plain words, not validator jargon.
        expect(p.message).not.toMatch(/must match|must NOT|additional properties|#\/\$defs/);
      }
    }
  });
});

describe('hints', () => {
  const hintFor = (config: unknown) => validateConfig(config, 'c.json', { baseDir: fixtures }).errors[0]?.hint;

  test('unknown key: closest match and the allowed keys', () => {
    const hint = hintFor(withKernel({ ...py, display_name: 'Py' }));
    expect(hint).toContain('did you mean "displayName"?');
    expect(hint).toContain('allowed keys: kind, name, displayName, aliases, env, interruptMode, metadata, logos, version, packages');
  });
  test('a key of another kind names that kind', () => {
    expect(hintFor(withKernel({ ...py, argv: [] }))).toContain('"argv" belongs to custom kernels');
  });
  test('bad kernel name: a corrected suggestion', () => {
    expect(hintFor(withKernel({ ...py, name: 'my kernel/v2' }))).toBe('rename it, e.g. to "my-kernel-v2"');
  });
  test('bad env name: a corrected suggestion', () => {
    expect(hintFor(withKernel({ ...py, env: { 'MY-VAR': 'x' } }))).toBe('rename it, e.g. to "MY_VAR"');
  });
  test('uppercase image name: the lowercase name', () => {
    expect(hintFor(withImage({ name: 'ghcr.io/Org/Lab' }))).toBe('use "ghcr.io/org/lab"');
  });
  test('unquoted YAML version: quote it', () => {
    expect(hintFor(withKernel({ ...py, version: 3.1 }))).toContain('put it in quotes: "3.1"');
  });
  test('several packages in one item: split them', () => {
    expect(hintFor(withKernel({ ...py, packages: ['numpy, scipy'] }))).toBe('put each package in its own list item: "numpy", "scipy"');
  });
  test('R package names: the nixpkgs spelling', () => {
    expect(hintFor(withKernel({ kind: 'r', name: 'r', packages: ['data.table'] }))).toBe('write "data_table"');
  });
  test('C++26: the standards xeus-cpp offers, or a custom kernel', () => {
    expect(hintFor(withKernel({ kind: 'cpp', name: 'cpp', std: 26 }))).toBe('use one of 11, 14, 17, 20, 23 (17 is the default); for others declare a custom kernel');
  });
  test('C++ std in quotes: drop them', () => {
    expect(hintFor(withKernel({ kind: 'cpp', name: 'cpp', std: '20' }))).toBe('write it without quotes: 20');
  });
  test('packages on a preset without packages: which kinds take them', () => {
    expect(hintFor(withKernel({ kind: 'go', name: 'go', packages: [] }))).toBe(
      '"packages" belongs to python, r, octave, haskell, julia and custom kernels, not to go kernels: remove it (allowed keys: kind, name, displayName, aliases, env, interruptMode, metadata, logos)',
    );
  });
  test('a key of exactly one other kind still names it', () => {
    expect(hintFor(withKernel({ kind: 'r', name: 'r', std: 17 }))).toBe('"std" belongs to cpp kernels: set "kind": "cpp", or remove it');
  });
  test('Haskell and Octave packages: examples from their own package sets', () => {
    expect(hintFor(withKernel({ kind: 'haskell', name: 'hs', packages: ['Data.Map'] }))).toContain('"lens" or "aeson"');
    expect(hintFor(withKernel({ kind: 'octave', name: 'oct', packages: ['a b!'] }))).toContain('"signal" or "statistics"');
  });
  test('relative volume: the absolute path', () => {
    expect(hintFor(withImage({ volumes: ['data'] }))).toBe('start it with "/", e.g. "/data"');
  });
});

test('reports every problem at once, in document order', () => {
  const result = validateConfig(
    {
      frontend: 'jupyterlab',
      kernels: [
        { kind: 'python', name: 'a b', version: '2.7', packages: ['numpy; rm -rf'] },
        { kind: 'custom', name: 'sh', language: 'bash', argv: ['bash'], env: { 'BAD NAME': '\u0000' } },
      ],
      image: { name: 'Lab', port: 0, volumes: ['rel'] },
      extra: true,
    },
    'nixlab.json',
    { baseDir: fixtures },
  );
  expect(result.errors.map((p) => p.where)).toEqual([
    'nixlab.json:$.frontend',
    'nixlab.json:$.kernels[0].name',
    'nixlab.json:$.kernels[0].version',
    'nixlab.json:$.kernels[0].packages[0]',
    'nixlab.json:$.kernels[1].argv',
    'nixlab.json:$.kernels[1].env["BAD NAME"]',
    'nixlab.json:$.kernels[1].env["BAD NAME"]',
    'nixlab.json:$.image.name',
    'nixlab.json:$.image.port',
    'nixlab.json:$.image.volumes[0]',
    'nixlab.json:$.extra',
  ]);
  expect(result.config).toBeUndefined();
});

describe('warnings', () => {
  const warningsFor = (config: unknown) => validateConfig(config, 'w.yaml', { baseDir: fixtures });

  test('a python package listed twice, and ipykernel', () => {
    const result = warningsFor(withKernel({ ...py, packages: ['numpy', 'ipykernel', 'pandas', 'numpy'] }));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      { where: 'w.yaml:$.kernels[0].packages[1]', message: '"ipykernel" is always included in Python kernels', hint: 'remove it from packages' },
      { where: 'w.yaml:$.kernels[0].packages[3]', message: 'package "numpy" is listed twice (first at $.kernels[0].packages[0])', hint: 'remove the duplicate' },
    ]);
    // The normalised list has neither the repeat nor ipykernel (which the emitter always adds).
    expect(result.config?.kernels[0]).toMatchObject({ packages: ['numpy', 'pandas'] });
  });
  test('a custom package listed twice', () => {
    const result = warningsFor(withKernel({ ...sh, packages: ['busybox', 'busybox'] }));
    expect(result.warnings.map((w) => w.where)).toEqual(['w.yaml:$.kernels[0].packages[1]']);
    expect(result.config?.kernels[0]).toMatchObject({ packages: ['busybox'] });
  });
  test('preset packages listed twice, and the package a preset always adds', () => {
    const result = warningsFor({
      kernels: [
        { kind: 'r', name: 'r', packages: ['ggplot2', 'IRkernel', 'ggplot2'] },
        { kind: 'haskell', name: 'hs', packages: ['ihaskell', 'lens'] },
        { kind: 'octave', name: 'oct', packages: ['signal', 'signal'] },
      ],
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => [w.where, w.message])).toEqual([
      ['w.yaml:$.kernels[0].packages[1]', '"IRkernel" is always included in R kernels'],
      ['w.yaml:$.kernels[0].packages[2]', 'package "ggplot2" is listed twice (first at $.kernels[0].packages[0])'],
      ['w.yaml:$.kernels[1].packages[0]', '"ihaskell" is always included in Haskell kernels'],
      ['w.yaml:$.kernels[2].packages[1]', 'package "signal" is listed twice (first at $.kernels[2].packages[0])'],
    ]);
    expect(result.config?.kernels.map((k) => ('packages' in k ? k.packages : undefined))).toEqual([['ggplot2'], ['lens'], ['signal']]);
  });
  test('root user and a logo with the wrong extension', () => {
    const result = warningsFor({ kernels: [{ ...py, logos: { '32x32': 'logo.svg' } }], image: { user: { uid: 0 } } });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => [w.where, w.message])).toEqual([
      ['w.yaml:$.kernels[0].logos["32x32"]', 'logo "logo.svg" does not end in .png'],
      ['w.yaml:$.image.user.uid', 'uid 0 runs Jupyter as root inside the container'],
    ]);
  });
});

describe('normalisation', () => {
  test('a minimal config gets every default', () => {
    const result = validateConfig({ kernels: [py, sh] }, 'nixlab.json', { baseDir: fixtures });
    expect(result).toEqual({
      errors: [],
      warnings: [],
      config: {
        frontend: 'notebook',
        kernels: [
          {
            kind: 'python',
            name: 'py',
            displayName: 'Python 3 (py)',
            aliases: [],
            env: {},
            interruptMode: 'signal',
            metadata: {},
            logos: {},
            language: 'python',
            version: null,
            packages: [],
          },
          {
            kind: 'custom',
            name: 'sh',
            displayName: 'sh',
            aliases: [],
            env: {},
            interruptMode: 'signal',
            metadata: {},
            logos: {},
            language: 'bash',
            argv: ['bash-kernel', '-f', '{connection_file}'],
            packages: [],
          },
        ],
        image: {
          name: 'nixlab',
          tag: 'latest',
          user: { name: 'jovyan', uid: 1000, gid: 100 },
          port: 8888,
          volumes: [],
          env: {},
          workdir: '/home/jovyan',
          maxLayers: 100,
          files: [],
          startHooks: [],
        },
        nixpkgsConfig: { allowUnfree: false, allowBroken: false, permittedInsecurePackages: [] },
      },
      data: { kernels: [py, sh] },
    });
    expect(result.config).not.toHaveProperty('nixpkgs');
    expect(result.config?.kernels[1]).not.toHaveProperty('fileExtension');
  });

  // What a kernel of each kind of the registry, with only its required keys (from the kind's
  // example), normalises to. A kind missing here fails: say what its minimal kernel becomes.
  const MINIMAL: Record<string, [language: string, displayName: string, interruptMode: string]> = {
    python: ['python', 'Python 3 (k-python)', 'signal'],
    r: ['R', 'R (k-r)', 'signal'],
    octave: ['octave', 'Octave (k-octave)', 'signal'],
    bash: ['bash', 'Bash (k-bash)', 'signal'],
    javascript: ['javascript', 'JavaScript (k-javascript)', 'signal'],
    typescript: ['typescript', 'TypeScript (k-typescript)', 'signal'],
    go: ['go', 'Go (k-go)', 'signal'],
    rust: ['rust', 'Rust (k-rust)', 'message'],
    cpp: ['cpp', 'C++17 (k-cpp)', 'signal'],
    haskell: ['haskell', 'Haskell (k-haskell)', 'signal'],
    ruby: ['ruby', 'Ruby (k-ruby)', 'signal'],
    clojure: ['clojure', 'Clojure (k-clojure)', 'signal'],
    java: ['java', 'Java (k-java)', 'message'],
    julia: ['julia', 'Julia (k-julia)', 'signal'],
    custom: ['scala', 'k-custom', 'signal'],
  };

  test.each([...kindNames])('every kind: a minimal %s kernel gets its language, its default display name, its defaults', (kind) => {
    const spec = kindOf(kind)!;
    expect([kind, MINIMAL[kind] === undefined ? 'missing from MINIMAL (test/definitions/validate.test.ts)' : 'listed']).toEqual([kind, 'listed']);
    const required = Object.fromEntries((spec.required ?? []).map((key) => [key, (spec.example as Record<string, unknown>)[key]]));
    const result = validateConfig({ kernels: [{ kind, name: `k-${kind}`, ...required }] }, 'c.json', { baseDir: '/' });
    expect(result.errors).toEqual([]);
    const k = result.config!.kernels[0]!;
    expect([k.kind, k.language, k.displayName, k.interruptMode]).toEqual([kind, ...MINIMAL[kind]!]);
    if (!spec.languageFromConfig) expect(k.language).toBe(spec.language);
    expect(k).toMatchObject({ name: `k-${kind}`, aliases: [], env: {}, metadata: {}, logos: {} });
  });

  test('the r and cpp presets\' own defaults', () => {
    const result = validateConfig({ kernels: [{ kind: 'r', name: 'k-r' }, { kind: 'cpp', name: 'k-cpp' }] }, 'c.json');
    expect(result.config?.kernels[0]).toEqual({ kind: 'r', name: 'k-r', displayName: 'R (k-r)', aliases: [], env: {}, interruptMode: 'signal', metadata: {}, logos: {}, language: 'R', packages: [] });
    expect(result.config?.kernels[1]).toMatchObject({ std: 17 });
  });

  test('options the user sets win over preset defaults', () => {
    const result = validateConfig(
      { kernels: [{ kind: 'rust', name: 'rs', interruptMode: 'signal', displayName: 'Rust!' }, { kind: 'cpp', name: 'c', std: 20 }] },
      'c.json',
    );
    expect(result.config?.kernels[0]).toMatchObject({ interruptMode: 'signal', displayName: 'Rust!' });
    expect(result.config?.kernels[1]).toMatchObject({ std: 20, displayName: 'C++20 (c)' });
  });

  test('workdir defaults to the first volume, else the user home', () => {
    const image = (img: unknown) => validateConfig(withImage(img), 'c.json').config?.image;
    expect(image({ volumes: ['/notebooks', '/data'] })?.workdir).toBe('/notebooks');
    expect(image({ user: { name: 'ada' } })?.workdir).toBe('/home/ada');
    expect(image({ volumes: ['/data'], workdir: '/srv' })?.workdir).toBe('/srv');
    expect(image({ user: { uid: 1234 } })?.user).toEqual({ name: 'jovyan', uid: 1234, gid: 100 });
  });

  test('kernel order is kept as declared', () => {
    const names = ['zeta', 'alpha', 'mid'];
    const result = validateConfig({ kernels: names.map((name) => ({ kind: 'python', name })) }, 'c.json');
    expect(result.config?.kernels.map((k) => k.name)).toEqual(names);
  });

  test('logos resolve against baseDir', () => {
    const result = validateConfig(withKernel({ ...py, logos: { svg: 'logo.svg' } }), 'c.json', { baseDir: fixtures });
    expect(result.config?.kernels[0]?.logos).toEqual({ svg: path.join(fixtures, 'logo.svg') });
  });

  test('baseDir defaults to the directory of the file', () => {
    const file = path.relative(process.cwd(), path.join(fixtures, 'nixlab.json'));
    expect(validateConfig(withKernel({ ...py, logos: { svg: 'logo.svg' } }), file).errors).toEqual([]);
  });

  test('the normalised config shares nothing with the input', () => {
    const input = { kernels: [{ ...sh, env: { A: '1' }, metadata: { deep: { x: [1] } } }], image: { volumes: ['/data'] } };
    const config = validateConfig(input, 'c.json').config!;
    input.kernels[0]!.env.A = 'changed';
    input.kernels[0]!.argv.push('changed');
    input.kernels[0]!.metadata.deep.x.push(2);
    input.image.volumes.push('/changed');
    expect(config.kernels[0]).toMatchObject({ env: { A: '1' }, argv: sh.argv.slice(0, 3), metadata: { deep: { x: [1] } } });
    expect(config.image.volumes).toEqual(['/data']);
  });

  test('undefined properties count as absent (as in JSON.stringify)', () => {
    const result = validateConfig({ kernels: [{ ...py, displayName: undefined, env: undefined }], image: undefined }, 'c.ts');
    expect(result.errors).toEqual([]);
    expect(result.config?.kernels[0]).toMatchObject({ displayName: 'Python 3 (py)', env: {} });
  });

  test('a key named __proto__ stays an ordinary key', () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const result = validateConfig(withKernel({ ...py, metadata, env: JSON.parse('{"__proto__": "x"}') }), 'c.json');
    expect(result.errors).toEqual([]);
    const k = result.config!.kernels[0]!;
    expect(Object.keys(k.metadata)).toEqual(['__proto__']);
    expect(Object.keys(k.env)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a cycle is an error, not a crash', () => {
    const metadata: Record<string, unknown> = {};
    metadata.self = metadata;
    expect(validateConfig(withKernel({ ...py, metadata }), 'c.ts').errors.map((p) => p.where)).toEqual(['c.ts:$.kernels[0].metadata.self']);
  });
});

describe('formatJsonPath', () => {
  test.each([
    [[], '$'],
    [['kernels', 1, 'env', 'BAD NAME'], '$.kernels[1].env["BAD NAME"]'],
    [['logos', '32x32'], '$.logos["32x32"]'],
    [['$schema'], '$.$schema'],
    [['a"b\u0000'], '$["a\\"b\\u0000"]'],
  ] as const)('%j → %s', (segments, expected) => {
    expect(formatJsonPath(segments)).toBe(expected);
  });
});

describe('properties', () => {
  const validName = (s: string) => /^[A-Za-z0-9._-]+$/.test(s) && s !== '.' && s !== '..' && s.length <= KERNEL_NAME_MAX;
  const hasBadCharacter = (s: string) => s.includes('\u0000') || /\p{Surrogate}/u.test(s);
  const anyString = (v: unknown, test: (s: string) => boolean): boolean =>
    typeof v === 'string'
      ? test(v)
      : Array.isArray(v)
        ? v.some((x) => anyString(x, test))
        : typeof v === 'object' && v !== null && Object.entries(v).some(([k, x]) => test(k) || anyString(x, test));

  test('a kernel name is accepted exactly when it is a valid directory name', () => {
    const nameChars = fc.constantFrom(...'aZ09._-/ \u0000é'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: nameChars, maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 })), (name) => {
        const { errors } = validateConfig(withKernel({ ...py, name }), 'c.json');
        expect(errors.length === 0).toBe(validName(name));
      }),
    );
  });

  test('any string is accepted as a display name unless it is empty or has NUL or a lone surrogate', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (displayName) => {
        const { errors, config } = validateConfig(withKernel({ ...py, displayName }), 'c.json');
        expect(errors.length === 0).toBe(displayName !== '' && !hasBadCharacter(displayName));
        if (config) expect(config.kernels[0]!.displayName).toBe(displayName);
      }),
    );
  });

  test('metadata: any JSON is kept, and any NUL or lone surrogate in it is reported', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, key) => {
        const metadata = { [key]: value };
        const { errors, config } = validateConfig(withKernel({ ...py, metadata }), 'c.json');
        const bad = anyString(metadata, hasBadCharacter);
        expect(errors.length > 0).toBe(bad);
        if (!bad) expect(JSON.stringify(config!.kernels[0]!.metadata)).toBe(JSON.stringify(metadata));
      }),
    );
  });
});
