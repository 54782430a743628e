// `nixlab sbom` on real images built offline: a config with an unfree package (gurobipy, allowed
// by `nixpkgs: { allowUnfree: true }`) and a bash kernel. SPDX 2.3 output is validated by
// spdx-tools (pyspdxtools, from the venv scripts/setup.sh installs with --require-hashes);
// CycloneDX 1.5 output by ajv against the official schema (test/engine/fixtures/cyclonedx,
// vendored from @cyclonedx/cyclonedx-library, Apache-2.0). A `docker import`ed busybox, saved,
// gets an SBOM that says it lacks Nix metadata. pandas brings dependencies nobody declares
// (python-dateutil, packaging), whose licences come from the closure's derivations.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { nixlab } from '../helpers/cli.js';
import { buildImage, dockerOk } from '../e2e/lib.js';

const PYSPDXTOOLS = join(process.env.NIXLAB_SPDX_VENV ?? '/var/cache/nixlab/venv-spdx', 'bin/pyspdxtools');
const work = mkdtempSync(join(tmpdir(), 'nixlab-sbom-'));
const config = join(work, 'nixlab.yaml');
const image = join(work, 'image.tar');
const oci = join(work, 'image-oci');
const foreign = join(work, 'foreign.tar');

writeFileSync(
  config,
  ['nixpkgs: { allowUnfree: true }', 'kernels:', '  - { kind: python, name: py-gurobi, version: "3.11", packages: [gurobipy, pandas] }', '  - { kind: bash, name: sh }',
    '  - { kind: custom, name: tools, language: sh, argv: [bash, "{connection_file}"], packages: [bash] }',
    'image: { name: sbom-test, tag: v1 }', ''].join('\n'),
);

interface Result {
  nixMetadata: boolean;
  referencesKnown: boolean;
  packages: { storePath: string; name: string; version: string | null; hash: string; group: string | null; references: string[]; license: string | null; kernels: string[] }[];
  unfree: { kernel: string; package: string; licenses: string[] }[];
  document: Record<string, any>;
}

async function sbomOk(args: string[]): Promise<{ result: Result; stderr: string }> {
  const r = await nixlab(['sbom', ...args, '--json']);
  if (r.exitCode !== 0) throw new Error(`nixlab sbom failed (${r.exitCode}):\n${r.stderr}`);
  return { result: JSON.parse(r.stdout) as Result, stderr: r.stderr };
}

async function pyspdx(file: string) {
  return execa(PYSPDXTOOLS, ['-i', file], { reject: false, all: true });
}

beforeAll(async () => {
  await buildImage(config, image, work);
  await buildImage(config, oci, work, ['--format', 'oci']);
  const root = join(work, 'foreign-root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  await execa('cp', ['/bin/busybox', join(root, 'bin/busybox')]);
  await execa('tar', ['-C', root, '-cf', join(work, 'rootfs.tar'), '.']);
  const name = `nixlab-test-sbom-foreign:${process.pid}`;
  await dockerOk(['import', join(work, 'rootfs.tar'), name]);
  await dockerOk(['save', '-o', foreign, name]);
  await dockerOk(['rmi', name]);
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('nixlab sbom', () => {
  it('writes valid SPDX 2.3 of a config: packages, groups, references, and the unfree licence under its kernel', async () => {
    const out = join(work, 'config.spdx.json');
    const { result, stderr } = await sbomOk([config, '--pkgs', 'offline', '-o', out]);
    const v = await pyspdx(out);
    expect(v.all).toBe('');
    expect(v.exitCode).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc).toEqual(result.document);
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    expect(doc.creationInfo.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const gurobi = result.packages.find((p) => p.name === 'python3.11-gurobipy')!;
    expect(gurobi.version).toBe('11.0.3');
    expect(gurobi.group).toBe('kernel:py-gurobi');
    expect(gurobi.kernels).toEqual(['py-gurobi']);
    expect(gurobi.license).toBe('LicenseRef-nixpkgs-unfree');
    expect(result.unfree).toEqual([expect.objectContaining({ kernel: 'py-gurobi', package: 'python3.11-gurobipy', licenses: ['unfree'] })]);
    expect(stderr).toContain('kernel py-gurobi: unfree python3.11-gurobipy (unfree)');
    // A free licence with an SPDX id: the offline bash's meta.license (gpl3Plus).
    const bash = result.packages.find((p) => p.kernels.includes('tools'))!;
    expect([bash.name, bash.license, bash.group]).toEqual(['bash', 'GPL-3.0-or-later', 'kernel:tools']);
    expect(doc.packages.find((p: any) => p.name === 'bash').licenseDeclared).toBe('GPL-3.0-or-later');
    expect(result.unfree.some((u) => u.kernel !== 'py-gurobi')).toBe(false);
    const spdxGurobi = doc.packages.find((p: any) => p.name === 'python3.11-gurobipy');
    expect(spdxGurobi.externalRefs[0].referenceLocator).toBe(`pkg:nix/python3.11-gurobipy@11.0.3?hash=${gurobi.hash}`);
    expect(spdxGurobi.comment).toContain('nixlab group: kernel:py-gurobi');
    // One package per store path, plus the image; every path's references are DEPENDS_ON edges.
    expect(doc.packages.length).toBe(result.packages.length + 1);
    expect(result.referencesKnown).toBe(true);
    const edges = doc.relationships.filter((r: any) => r.relationshipType === 'DEPENDS_ON');
    expect(edges.length).toBe(result.packages.reduce((n, p) => n + p.references.length, 0));
    expect(edges.length).toBeGreaterThan(result.packages.length);
    // The references are nix-store's.
    const refs = (await execa('nix-store', ['-q', '--references', gurobi.storePath])).stdout.split('\n').filter((p) => p && p !== gurobi.storePath).sort();
    expect(gurobi.references).toEqual(refs);
  }, 600_000);

  it("licenses the closure's undeclared dependencies by outPath, as the package set knows them", async () => {
    const out = join(work, 'deps.spdx.json');
    const { result } = await sbomOk([config, '--pkgs', 'offline', '-o', out]);
    expect((await pyspdx(out)).all).toBe('');
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const pkg = (name: string) => result.packages.find((p) => p.name === name)!;
    const spdx = (name: string) => doc.packages.find((p: any) => p.name === name);
    // Declared: pandas. Not declared by any kernel: python-dateutil (pandas' dependency) and
    // packaging (ipykernel's), with their wheels' METADATA licences (offline/python/wheels.meta.json).
    expect([pkg('python3.11-pandas').license, pkg('python3.11-pandas').kernels]).toEqual(['BSD-3-Clause', ['py-gurobi']]);
    const dateutil = pkg('python3.11-python-dateutil');
    expect([dateutil.license, dateutil.kernels, dateutil.group]).toEqual(['BSD-3-Clause', [], 'kernel:py-gurobi']);
    expect(spdx('python3.11-python-dateutil').licenseDeclared).toBe('BSD-3-Clause');
    expect(spdx('python3.11-python-dateutil').homepage).toBe('https://github.com/dateutil/dateutil');
    expect(spdx('python3.11-packaging').licenseDeclared).toBe('(Apache-2.0 OR BSD-2-Clause)');
    // The interpreter (the offline set's CPython meta: psfl) and the server's packages too.
    expect(pkg('python3').license).toBe('Python-2.0');
    expect(result.packages.find((p) => p.name === 'python3.13-jupyter-server')!.license).toBe('BSD-3-Clause');
    // The match is by store path: each licensed package is one the package set evaluates to that path.
    const evaluated = JSON.parse(
      (await execa('nix-instantiate', ['--eval', '--strict', '--json', '--expr', `let p = import ${resolve('offline')} { config.allowUnfree = true; }; in [ p.python311Packages.python-dateutil.outPath p.python311Packages.packaging.outPath ]`])).stdout,
    );
    expect(evaluated).toEqual([dateutil.storePath, pkg('python3.11-packaging').storePath]);
    // What the package set does not know stays NOASSERTION: Debian's glibc, the nixlab-made paths.
    expect(spdx('glibc').licenseDeclared).toBe('NOASSERTION');
    expect(spdx('nixlab-image-root').licenseDeclared).toBe('NOASSERTION');
    expect(result.packages.filter((p) => p.license && !p.kernels.length).length).toBeGreaterThan(50);
    // Deterministic.
    const again = join(work, 'deps-again.spdx.json');
    await sbomOk([config, '--pkgs', 'offline', '-o', again]);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(out, 'utf8'));
  }, 900_000);

  it('of an image alone: deterministic, valid, licences NOASSERTION; stdout and OCI layouts alike', async () => {
    const a = join(work, 'a.spdx.json');
    const b = join(work, 'b.spdx.json');
    await sbomOk([image, '-o', a]);
    await sbomOk([image, '-o', b]);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect((await pyspdx(a)).exitCode).toBe(0);
    const doc = JSON.parse(readFileSync(a, 'utf8'));
    expect(doc.packages.every((p: any) => p.licenseDeclared === 'NOASSERTION')).toBe(true);
    expect(doc.documentNamespace).toMatch(/^https:\/\/nixlab\.invalid\/sbom\/[0-9a-f]{64}$/);
    // Without -o the document goes to stdout, byte for byte the same.
    const r = await nixlab(['sbom', image, '-q']);
    expect(r.exitCode).toBe(0);
    // (the helper strips the final newline, as execa does)
    expect(`${r.stdout}\n`).toBe(readFileSync(a, 'utf8'));
    expect(r.stderr).toBe('');
    // The OCI layout of the same build lists the same packages, groups and edges.
    const o = join(work, 'oci.spdx.json');
    await sbomOk([oci, '-o', o]);
    const strip = (d: any) => ({ packages: d.packages.filter((p: any) => p.SPDXID !== 'SPDXRef-image'), relationships: d.relationships });
    expect(strip(JSON.parse(readFileSync(o, 'utf8')))).toEqual(strip(doc));
  }, 300_000);

  it('writes CycloneDX 1.5 that validates against the official schema, with nixlab:group properties', async () => {
    const out = join(work, 'image.cdx.json');
    await sbomOk([config, '--pkgs', 'offline', '--format', 'cyclonedx', '-o', out]);
    const dir = resolve('test/engine/fixtures/cyclonedx');
    const schema = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
    // Formats are not checked (ajv-formats is not a dependency); everything else is.
    const ajv = new Ajv({ strict: false, validateFormats: false });
    ajv.addSchema(schema('spdx.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json');
    ajv.addSchema(schema('jsf-0.82.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json');
    const validate = ajv.compile(schema('bom-1.5.SNAPSHOT.schema.json'));
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    const gurobi = doc.components.find((c: any) => c.name === 'python3.11-gurobipy');
    expect(doc.components.find((c: any) => c.name === 'bash').licenses).toEqual([{ license: { id: 'GPL-3.0-or-later' } }]);
    expect(doc.components.find((c: any) => c.name === 'python3.11-python-dateutil').licenses).toEqual([{ license: { id: 'BSD-3-Clause' } }]);
    expect(doc.components.find((c: any) => c.name === 'python3.11-packaging').licenses).toEqual([{ expression: '(Apache-2.0 OR BSD-2-Clause)' }]);
    expect(doc.dependencies.length).toBe(doc.components.length + 1);
    expect(gurobi.properties).toEqual(expect.arrayContaining([{ name: 'nixlab:group', value: 'kernel:py-gurobi' }, { name: 'nixlab:unfree', value: 'unfree' }]));
    // A document that breaks the schema is rejected: the check can fail.
    expect(validate({ ...doc, specVersion: 1.5 })).toBe(false);
  }, 600_000);

  it('says an image not built by nixlab lacks Nix metadata, and still validates', async () => {
    const out = join(work, 'foreign.spdx.json');
    const { result, stderr } = await sbomOk([foreign, '-o', out]);
    expect(result.nixMetadata).toBe(false);
    expect(result.packages).toEqual([]);
    expect(stderr).toContain('no Nix metadata');
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.comment).toContain('lacks Nix metadata');
    expect((await pyspdx(out)).exitCode).toBe(0);
  }, 300_000);

  it('rejects a missing input with exit 2, and spdx-tools rejects a broken document', async () => {
    const r = await nixlab(['sbom', join(work, 'missing.tar')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('does not exist');
    const bad = join(work, 'bad.spdx.json');
    const doc = JSON.parse(readFileSync(join(work, 'a.spdx.json'), 'utf8'));
    writeFileSync(bad, JSON.stringify({ ...doc, packages: doc.packages.map((p: any) => ({ ...p, SPDXID: 'not an id' })) }));
    expect((await pyspdx(bad)).exitCode).not.toBe(0);
  }, 120_000);
});
