// fetchPypi and buildPythonPackage of the offline set (offline/python/fetchpypi.nix, wheels.nix),
// with nixpkgs' argument names, and what nixlab builds with them (nix/pypi-wheel.nix):
// NativeAuthenticator, which nixpkgs has no attribute for (so neither has the set;
// nix/native-authenticator.nix builds it), KubeSpawner and JJava.
// Regression tests for nixlab issue 15 (`authenticator: native` against the pinned nixpkgs).
import { describe, expect, jest, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JJAVA_NIX, PYTHONS, build, buildFails, evalFails, evalJson, kubespawnerOf, lock, nativeAuthenticatorOf, notInNixpkgs, sri } from './helpers.js';

jest.setTimeout(600_000);

const LOCK = lock();
const NATIVE = LOCK.pythons['3.13']!.packages['jupyterhub-nativeauthenticator']!;
const ONETIMEPASS = LOCK.pythons['3.13']!.packages.onetimepass!;
/** fetchPypi's arguments for the NativeAuthenticator wheel, as nix/native-authenticator.nix gives them. */
const NATIVE_WHEEL = `{ pname = "jupyterhub_nativeauthenticator"; version = "1.3.0"; format = "wheel"; dist = "py3"; python = "py3"; hash = "${sri(NATIVE.sha256)}"; }`;

describe('the set has nixpkgs’ shape: no jupyterhub-nativeauthenticator', () => {
  test('no Python set has the attribute (nixpkgs has none), though the lock keeps its wheel', async () => {
    expect(await notInNixpkgs()).toEqual(['jupyterhub-nativeauthenticator', 'jjava', 'jupyterhub-kubespawner']);
    const has = await evalJson<boolean[]>(`map (a: pkgs.\${a} ? jupyterhub-nativeauthenticator || pkgs.\${a} ? jjava || pkgs.\${a} ? jupyterhub-kubespawner) [ ${PYTHONS.map(([, a]) => `"${a}Packages"`).join(' ')} "python3Packages" ]`);
    expect(has).toEqual([...PYTHONS.map(() => false), false]);
    expect(NATIVE.file).toBe('jupyterhub_nativeauthenticator-1.3.0-py3-none-any.whl');
    // its dependencies are nixpkgs attributes the set has
    expect(await evalJson<boolean[]>(`map (a: pkgs.python3Packages ? \${a}) ${JSON.stringify(NATIVE.dependencies).replace(/,/g, ' ')}`)).toEqual(NATIVE.dependencies.map(() => true));
  });
});

describe('fetchPypi (pkgs/build-support/fetchpypi/default.nix arguments)', () => {
  test('a wheel and an sdist by hash: the locked file, the same store path as the lock’s own; top level and in the Python sets alike', async () => {
    const got = await evalJson<string[]>(
      `[ (pkgs.fetchPypi ${NATIVE_WHEEL}).outPath (pkgs.python3Packages.fetchPypi ${NATIVE_WHEEL}).outPath (pkgs.python311Packages.fetchPypi ${NATIVE_WHEEL}).outPath
         (pkgs.fetchPypi { pname = "onetimepass"; version = "1.0.1"; sha256 = "${ONETIMEPASS.sha256}"; }).outPath pkgs.python3Packages.onetimepass.locked.outPath ]`,
    );
    expect(new Set(got.slice(0, 3)).size).toBe(1);
    expect(got[3]).toBe(got[4]);
    const wheel = await build(`pkgs.fetchPypi ${NATIVE_WHEEL}`);
    expect(wheel).toBe(got[0]);
    expect(createHash('sha256').update(readFileSync(wheel)).digest('hex')).toBe(NATIVE.sha256);
  });

  test('refuses what it cannot find offline, saying why', async () => {
    const other = sri('00'.repeat(32));
    expect(await evalFails(`(pkgs.fetchPypi { pname = "jupyterhub_nativeauthenticator"; version = "1.3.0"; format = "wheel"; dist = "py3"; python = "py3"; hash = "${other}"; }).outPath`)).toMatch(
      /fetchPypi: jupyterhub_nativeauthenticator-1\.3\.0-py3-none-any\.whl with sha256 0{64} is not in offline\/python\/wheels\.lock\.json; .*REQUIREMENTS in scripts\/lock-wheels\.py/,
    );
    // the hash of one file with another's name
    expect(await evalFails(`(pkgs.fetchPypi { pname = "jupyterhub_nativeauthenticator"; version = "1.3.0"; format = "wheel"; hash = "${sri(NATIVE.sha256)}"; }).outPath`)).toMatch(
      /the hash given for jupyterhub_nativeauthenticator-1\.3\.0-py2\.py3-none-any\.whl is that of jupyterhub_nativeauthenticator-1\.3\.0-py3-none-any\.whl/,
    );
    expect(await evalFails(`(pkgs.fetchPypi { pname = "x"; version = "1"; }).outPath`)).toMatch(/fetchPypi: no hash given/);
    expect(await evalFails(`(pkgs.fetchPypi { pname = "x"; version = "1"; hash = "sha256-nope"; }).outPath`)).toMatch(/is not a sha256 SRI hash/);
    expect(await evalFails(`(pkgs.fetchPypi { pname = "x"; version = "1"; format = "egg"; hash = "${sri(NATIVE.sha256)}"; }).outPath`)).toMatch(/unsupported format "egg"/);
    expect(await evalFails(`(pkgs.fetchPypi (${NATIVE_WHEEL} // { extension = "zip"; })).outPath`)).toMatch(/unexpected argument extension for format "wheel"/);
  });
});

describe('buildPythonPackage (mk-python-derivation.nix arguments): a wheel from fetchPypi', () => {
  test('builds NativeAuthenticator as nix/native-authenticator.nix asks, shaped as the lock’s packages, with the statsd lines emptied (JupyterHub 6.1)', async () => {
    const shape = await evalJson<{ name: string; pname: string; version: string; same: boolean; deps: string[]; hasOwn: boolean }>(
      `let n = ${nativeAuthenticatorOf('pkgs.python3Packages')}; in { inherit (n) name pname version; same = n.pythonModule == pkgs.python3; deps = map (d: d.pname) n.propagatedBuildInputs; hasOwn = pkgs.python3Packages ? jupyterhub-nativeauthenticator; }`,
    );
    expect(shape).toEqual({ name: 'python3.13-jupyterhub-nativeauthenticator-1.3.0', pname: 'jupyterhub-nativeauthenticator', version: '1.3.0', same: true, deps: ['jupyterhub', 'bcrypt', 'onetimepass'], hasOwn: false });
    const out = await build(nativeAuthenticatorOf('pkgs.python3Packages'));
    const handlers = readFileSync(join(out, 'lib/python3.13/site-packages/nativeauthenticator/handlers.py'), 'utf8');
    expect(handlers).not.toContain('statsd');
    expect(handlers).toContain('await self.login_user(');
    expect(readFileSync(join(out, 'nix-support/propagated-build-inputs'), 'utf8')).toMatch(/python3\.13-jupyterhub-6\.1\.1 .*python3\.13-bcrypt-5\.0\.0 .*python3\.13-onetimepass-1\.0\.1/);
  });

  test('the patch is for JupyterHub 6 only; a package set with its own jupyterhub-nativeauthenticator keeps it', async () => {
    const five = `(pkgs.python3Packages // { jupyterhub = pkgs.python3Packages.jupyterhub // { version = "5.4.2"; }; })`;
    const got = await evalJson<[boolean, boolean, string]>(
      `let has = s: builtins.match ".*substituteInPlace.*" s != null; in [ (has ${nativeAuthenticatorOf('pkgs.python3Packages')}.postInstall) (has ${nativeAuthenticatorOf(five)}.postInstall) ${nativeAuthenticatorOf('(pkgs.python3Packages // { jupyterhub-nativeauthenticator = "the set\'s own"; })')} ]`,
    );
    expect(got).toEqual([true, false, "the set's own"]);
  });

  test('nix/pypi-wheel.nix: KubeSpawner, too, is the set\'s own when it has one; JJava (nix/jjava.nix) is always its wheel', async () => {
    const own = (attr: string) => `(pkgs.python3Packages // { ${attr} = "the set's own"; })`;
    const jjava = (ps: string) => `(pkgs.callPackage ${JJAVA_NIX} { jdk = pkgs.jdk17_headless; python3Packages = ${ps}; }).drvPath`;
    const got = await evalJson<[string, string, string, boolean]>(
      `[ ${kubespawnerOf(own('jupyterhub-kubespawner'))} ${kubespawnerOf('pkgs.python3Packages')}.name ${jjava(own('jjava'))} (${jjava(own('jjava'))} == ${jjava('pkgs.python3Packages')}) ]`,
    );
    expect(got[0]).toBe("the set's own");
    expect(got[1]).toBe('python3.13-jupyterhub-kubespawner-7.1.0');
    expect(got[2]).toMatch(/^\/nix\/store\/[a-z0-9]{32}-jjava\.drv$/);
    expect(got[3]).toBe(true);
  });

  test('--replace-fail fails the build when the text is not there; other arguments and source builds are refused', async () => {
    const patched = (text: string) =>
      `pkgs.python3Packages.buildPythonPackage { pname = "jupyterhub-nativeauthenticator"; version = "1.3.0"; format = "wheel"; src = pkgs.fetchPypi ${NATIVE_WHEEL}; dependencies = with pkgs.python3Packages; [ jupyterhub bcrypt onetimepass ]; postInstall = ''substituteInPlace "$out/lib/python3.13/site-packages/nativeauthenticator/handlers.py" --replace-fail '${text}' ""''; }`;
    expect(await buildFails(patched('no such text'))).toContain("substituteInPlace: pattern no such text doesn't match anything in file '");
    expect(await evalFails(`(pkgs.python3Packages.buildPythonPackage { pname = "x"; version = "1"; src = pkgs.fetchPypi ${NATIVE_WHEEL}; pyproject = true; }).outPath`)).toMatch(/the offline package set builds nothing from source/);
    expect(await evalFails(`(pkgs.python3Packages.buildPythonPackage { pname = "x"; version = "1"; format = "wheel"; src = pkgs.fetchPypi { pname = "onetimepass"; version = "1.0.1"; sha256 = "${ONETIMEPASS.sha256}"; }; }).outPath`)).toMatch(/src onetimepass-1\.0\.1\.tar\.gz is not a wheel/);
    expect(await evalFails(`(pkgs.python3Packages.buildPythonPackage { pname = "x"; version = "1"; format = "wheel"; src = pkgs.fetchPypi ${NATIVE_WHEEL}; pythonImportsCheck = [ "x" ]; }).outPath`)).toMatch(/does not support pythonImportsCheck/);
    expect(await evalFails(`(pkgs.python3Packages.buildPythonPackage { pname = "x"; version = "1"; format = "wheel"; src = pkgs.fetchPypi ${NATIVE_WHEEL}; dependencies = [ pkgs.python311Packages.six ]; }).outPath`)).toMatch(/python3\.11-six-[0-9.]+ is not a package of python3\.13/);
  });
});
