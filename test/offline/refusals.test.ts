// nixpkgs' refusals in the offline set (check-meta.nix): unfree, broken, insecure and
// unsupported packages evaluate, but using one (instantiating it, or an environment holding it)
// fails with nixpkgs' "Refusing to evaluate package …" unless the config allows it; with the
// config line that allows it, the same expression builds. Real nix-instantiate / nix-build runs.
import { describe, expect, jest, test } from '@jest/globals';
import { execa } from 'execa';
import { join } from 'node:path';
import { OFFLINE_PKGS, existsSync, head, read, withPkgs } from './helpers.js';

jest.setTimeout(600_000);

/** The first line of a refusal, as offline/README.md ("Refusals") documents it. */
const REFUSAL = /^error: Refusing to evaluate package '([^']+)' in (\S+) because it (has an unfree license \(‘[^’]+’\)|has problems:|is marked as insecure|is not available on the requested hostPlatform:)$/m;

// Only the variables the nix tools need: a NIXPKGS_ALLOW_* in the caller's environment would
// change the outcome.
const baseEnv = () => ({ PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', NIX_PATH: '', TMPDIR: process.env.TMPDIR ?? '/tmp' });

async function instantiate(expr: string, importArgs = '{}', env: Record<string, string> = {}) {
  return execa('nix-instantiate', ['-E', withPkgs(expr, importArgs)], { env: { ...baseEnv(), ...env }, extendEnv: false, reject: false });
}

async function buildOk(expr: string, importArgs: string, env: Record<string, string> = {}) {
  const r = await execa('nix-build', ['--no-out-link', '-j', '2', '-E', withPkgs(expr, importArgs)], { env: { ...baseEnv(), ...env }, extendEnv: false, reject: false });
  if (r.exitCode !== 0) throw new Error(`nix-build failed:\n${r.stderr.slice(-3000)}`);
  return { out: r.stdout.trim().split('\n').pop()!, stderr: r.stderr };
}

/** "FILE:LINE" of the line of offline/<file> holding `text`: where nixpkgs' meta.position points. */
const lineOf = (file: string, text: string) => `${join(OFFLINE_PKGS, file)}:${read(join(OFFLINE_PKGS, file)).split('\n').findIndex((l) => l.includes(text)) + 1}`;

/** Instantiation fails with the refusal; returns its parts. */
async function refused(expr: string, importArgs = '{}', env: Record<string, string> = {}) {
  const r = await instantiate(expr, importArgs, env);
  expect(r.exitCode).not.toBe(0);
  const m = REFUSAL.exec(r.stderr);
  if (!m) throw new Error(`no refusal in:\n${r.stderr}`);
  // the refusal is the error's first line
  expect(r.stderr.split('\n')[0]).toBe(m[0]);
  return { name: m[1]!, position: m[2]!, reason: m[3]!, stderr: r.stderr };
}

describe('unfree: unrar (top level) and python3Packages.gurobipy', () => {
  test('unrar is refused without config; its name and meta still evaluate', async () => {
    const r = await refused('pkgs.unrar');
    expect(r).toMatchObject({ name: 'unrar-7.3.1', reason: 'has an unfree license (‘unfreeRedistributable’)' });
    expect(r.position).toBe(lineOf('refusals.nix', 'pname = "unrar";'));
    expect(r.stderr).toContain('{ allowUnfree = true; }');
    expect(r.stderr).toContain('NIXPKGS_ALLOW_UNFREE=1');
    const meta = await execa('nix-instantiate', ['--eval', '--strict', '--json', '-E', withPkgs('{ inherit (pkgs.unrar) name; inherit (pkgs.unrar.meta) unfree available; }')], { env: baseEnv(), extendEnv: false });
    expect(JSON.parse(meta.stdout)).toEqual({ name: 'unrar-7.3.1', unfree: true, available: false });
  });

  test('an environment holding it is refused: the refusal happens when the package is used', async () => {
    const r = await refused('pkgs.buildEnv { name = "tools"; paths = [ pkgs.busybox pkgs.unrar ]; }');
    expect(r.name).toBe('unrar-7.3.1');
  });

  test('config.allowUnfree = true, allowUnfreePredicate or NIXPKGS_ALLOW_UNFREE=1 let it build', async () => {
    const { out } = await buildOk('pkgs.buildEnv { name = "tools"; paths = [ pkgs.unrar ]; }', '{ config.allowUnfree = true; }');
    expect(existsSync(join(out, 'bin/unrar'))).toBe(true);
    const run = await execa(join(out, 'bin/unrar'), [], { reject: false });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('unrar: the offline package set has no real unrar');
    await buildOk('pkgs.unrar', '{ config.allowUnfreePredicate = pkg: builtins.elem (pkg.pname or "") [ "unrar" ]; }');
    await buildOk('pkgs.unrar', '{}', { NIXPKGS_ALLOW_UNFREE: '1' });
    // a predicate for another package does not allow it
    expect((await refused('pkgs.unrar', '{ config.allowUnfreePredicate = pkg: pkg.pname == "steam"; }')).name).toBe('unrar-7.3.1');
  });

  test('python3Packages.gurobipy: refused inside python3.withPackages, built with allowUnfree', async () => {
    const expr = 'pkgs.python3.withPackages (ps: [ ps.gurobipy ])';
    const r = await refused(expr);
    expect(r).toMatchObject({ name: 'python3.13-gurobipy-11.0.3', reason: 'has an unfree license (‘unfree’)' });
    expect(r.position).toBe(lineOf('refusals-python.nix', 'pname = "gurobipy";'));
    const { out } = await buildOk(expr, '{ config.allowUnfree = true; }');
    const imp = await execa(join(out, 'bin/python'), ['-c', 'import gurobipy'], { reject: false });
    expect(imp.stderr).toContain('ImportError: gurobipy: the offline package set has no real gurobipy');
  });
});

describe('broken: tebreak', () => {
  test('is refused without config, naming the problem and how to allow it', async () => {
    const r = await refused('pkgs.tebreak');
    expect(r).toMatchObject({ name: 'tebreak-1.1', reason: 'has problems:' });
    expect(r.stderr.split('\n')[1]!.trim()).toBe('- broken: This package is broken.');
    expect(r.stderr).toContain('{ allowBroken = true; }');
    expect(r.stderr).toContain('problems.handlers.tebreak.broken = "warn";');
  });

  test('allowBroken, problems.handlers (ignore / warn) or NIXPKGS_ALLOW_BROKEN=1 let it build', async () => {
    const { out } = await buildOk('pkgs.buildEnv { name = "bio"; paths = [ pkgs.tebreak ]; }', '{ config.allowBroken = true; }');
    expect(existsSync(join(out, 'bin/tebreak'))).toBe(true);
    await buildOk('pkgs.tebreak', '{ config.problems.handlers.tebreak.broken = "ignore"; }');
    const warned = await buildOk('pkgs.tebreak', '{ config.problems.handlers.tebreak.broken = "warn"; }');
    expect(warned.stderr).toContain("Package 'tebreak-1.1' in ");
    expect(warned.stderr).toContain('has the following problem: broken: This package is broken.');
    await buildOk('pkgs.tebreak', '{}', { NIXPKGS_ALLOW_BROKEN: '1' });
    // a handler for another package changes nothing
    expect((await refused('pkgs.tebreak', '{ config.problems.handlers.unrar.broken = "ignore"; }')).name).toBe('tebreak-1.1');
  });
});

describe('insecure: olm (Debian 12’s libolm3)', () => {
  test('is refused, listing the known issues and the permittedInsecurePackages entry', async () => {
    const r = await refused('pkgs.olm');
    expect(r).toMatchObject({ name: 'olm-3.2.13', reason: 'is marked as insecure' });
    expect(r.stderr).toContain('Known issues:');
    expect(r.stderr).toContain('CVE-2024-45191');
    expect(r.stderr).toContain('permittedInsecurePackages = [ "olm-3.2.13" ];');
    // another version listed does not permit this one
    expect((await refused('pkgs.olm', '{ config.permittedInsecurePackages = [ "olm-3.2.16" ]; }')).name).toBe('olm-3.2.13');
  });

  test('config.permittedInsecurePackages = [ "olm-3.2.13" ] lets it build: the real library, in the store', async () => {
    const { out } = await buildOk('pkgs.olm', '{ config.permittedInsecurePackages = [ "olm-3.2.13" ]; }');
    expect(out).toMatch(/^\/nix\/store\/[a-z0-9]{32}-olm-3\.2\.13$/);
    expect(head(join(out, 'lib/libolm.so.3.2.13'), 4)).toBe('\u007fELF');
    await buildOk('pkgs.olm', '{ config.allowInsecurePredicate = pkg: pkg.pname == "olm"; }');
  });
});

describe('unsupported platform, and overrideAttrs', () => {
  test('a package whose meta.platforms lacks x86_64-linux is refused; allowUnsupportedSystem builds it', async () => {
    const expr = '(pkgs.unrar.overrideAttrs (o: { pname = "unrar-mac"; meta = o.meta // { license = lib.licenses.mit or { free = true; }; platforms = [ "aarch64-darwin" ]; }; }))';
    const r = await refused(expr, '{ config.allowUnfree = true; }');
    expect(r).toMatchObject({ name: 'unrar-mac-7.3.1', reason: 'is not available on the requested hostPlatform:' });
    expect(r.stderr).toContain('hostPlatform.system = "x86_64-linux"');
    expect(r.stderr).toContain('package.meta.platforms = [ "aarch64-darwin" ]');
    await buildOk(expr, '{ config = { allowUnfree = true; allowUnsupportedSystem = true; }; }');
  });

  test('packages with free licenses on this platform are not touched', async () => {
    const r = await execa('nix-instantiate', ['--eval', '--strict', '--json', '-E', withPkgs('map (p: p.meta.available) [ pkgs.deno pkgs.nodejs pkgs.configurable-http-proxy pkgs.bash pkgs.bashInteractive ]')], { env: baseEnv(), extendEnv: false });
    expect(JSON.parse(r.stdout)).toEqual([true, true, true, true, true]);
  });
});

describe('the config argument', () => {
  test.each([
    ['"yes"', 'The config of the offline package set (import <nixpkgs> { config = …; }) must be an attribute set or a function { pkgs }: { … }; got the string "yes".'],
    ['{ allowUnfree = "yes"; }', "A definition for option `allowUnfree' is not of type `boolean' (got the string \"yes\"). Set config.allowUnfree to true or false"],
    ['{ allowBroken = 1; }', "A definition for option `allowBroken' is not of type `boolean' (got the number 1)."],
    ['{ permittedInsecurePackages = "olm-3.2.13"; }', "A definition for option `permittedInsecurePackages' is not of type `list of string' (got the string \"olm-3.2.13\")."],
    ['{ allowUnfreePredicate = true; }', "A definition for option `allowUnfreePredicate' is not of type `function that evaluates to a(n) boolean' (got true)."],
    ['{ problems.handlers.tebreak.broken = "allow"; }', "A definition for option `problems' is not of type `submodule"],
  ])('config = %s is rejected, saying what and how to fix it', async (config, message) => {
    const r = await execa('nix-instantiate', ['--eval', '-E', `(import ${OFFLINE_PKGS} { config = ${config}; }).busybox.name`], { env: baseEnv(), extendEnv: false, reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`error: ${message}`);
  });

  test('config may be a function of { pkgs }, as in nixpkgs; unknown option names are accepted, as nixpkgs’ freeform config does', async () => {
    await buildOk('pkgs.unrar', '{ config = { pkgs }: { allowUnfree = pkgs.lib.id true; }; }');
    await buildOk('pkgs.busybox', '{ config = { android_sdk.accept_license = true; cudaSupport = false; }; }');
  });
});
