// The store path name split nixpkgs' way (builtins.parseDrvName: the version starts at the
// first `-` followed by a digit), as `nixlab sbom` names its packages.
import { parseStoreName } from '../../src/image/sbom.js';

const HASH = '72az3yrqxk9fqax2z397hslfq3z0apm0';

describe('parseStoreName', () => {
  it.each([
    ['python3.11-gurobipy-11.0.3', 'python3.11-gurobipy', '11.0.3'],
    ['python3-3.11.2', 'python3', '3.11.2'],
    ['glibc-2.40-66', 'glibc', '2.40-66'],
    ['bash-interactive-5.2.15', 'bash-interactive', '5.2.15'],
    ['kernelspec-py-gurobi', 'kernelspec-py-gurobi', null],
    ['nixlab-env', 'nixlab-env', null],
    ['r-4.3.1-lib', 'r', '4.3.1-lib'],
    ['source', 'source', null],
  ])('%s -> %s %s', (name, pname, version) => {
    expect(parseStoreName(`${HASH}-${name}`)).toEqual({ hash: HASH, name: pname, version });
  });

  it('agrees with nix-instantiate builtins.parseDrvName on names whose versions start with a digit', async () => {
    const { execa } = await import('execa');
    const names = ['python3.11-gurobipy-11.0.3', 'glibc-2.40-66', 'kernelspec-py-gurobi', 'bash-interactive-5.2.15'];
    const out = await execa('nix-instantiate', ['--eval', '--json', '--strict', '--expr', `map builtins.parseDrvName (builtins.fromJSON ${JSON.stringify(JSON.stringify(names))})`]);
    const nix = JSON.parse(out.stdout) as { name: string; version: string }[];
    expect(names.map((n) => parseStoreName(`${HASH}-${n}`)).map((p) => ({ name: p.name, version: p.version ?? '' }))).toEqual(nix);
  });
});
