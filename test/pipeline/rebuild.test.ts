// Rebuilding after a one-kernel change, for real: the demo config built offline into an OCI
// layout (v1), one package (kiwisolver, in no other environment of the demo: pyyaml, the one
// before, is in the server environment now, through papermill) added to kernel py-data, whose
// group holds the large pandas layer, built again into the same layout (v2). Every layer outside that kernel's group (and the
// small `image` layer that ties the kernels together) keeps its diff_id; the pandas layer stays
// below the new package's, so `nixlab load` against an engine holding v1 sends less than twice
// the new package's layer; v2 writes only the changed blobs; inspect shows each layer's kernel
// from the archive alone; skopeo and umoci read both tags.
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chainIds, omitter } from '../../src/engine/load.js';
import { nixlab } from '../helpers/cli.js';
import { CPYTHON } from '../offline/helpers.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-rebuild-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { NIXLAB_CACHE_DIR: join(work, 'cache') };

interface Layer {
  diffId: string;
  group: string | null;
  size: number;
  storePaths: string[];
  verified: boolean;
}
interface Packed {
  layers: { diffId: string; blob: { size: number }; group: string | null; reused: boolean; hashed: boolean; storePaths: string[] }[];
  manifest: { digest: string };
  bytes: number;
}

/** `nixlab build` of `config` into the OCI layout as `nixlab-demo:<tag>`; returns the packed image. */
async function build(config: string, tag: string, layout: string): Promise<Packed> {
  const yaml = readFileSync(config, 'utf8').replace(/tag: latest/, `tag: ${tag}`);
  writeFileSync(config, yaml);
  const r = await nixlab(['build', config, '--pkgs', 'offline', '-q', '--json', '--format', 'oci', '-o', layout, '--out-link', join(work, `result-${tag}`), '--generated-dir', join(work, `gen-${tag}`)], { env });
  if (r.exitCode !== 0) throw new Error(`nixlab build failed (${r.exitCode}):\n${r.stderr}`);
  writeFileSync(config, yaml.replace(`tag: ${tag}`, 'tag: latest'));
  return JSON.parse(r.stdout).image as Packed;
}

describe('rebuilding the demo after adding a package to one kernel', () => {
  const dir = join(work, 'demo');
  const config = join(dir, 'nixlab.yaml');
  const layout = join(work, 'layout');
  let v1: Packed;
  let v2: Packed;

  beforeAll(async () => {
    cpSync(resolve('examples/demo'), dir, { recursive: true, filter: (src) => !src.includes('.nixlab') });
    v1 = await build(config, 'v1', layout);
    const yaml = readFileSync(config, 'utf8');
    expect(yaml).toContain('packages: [pandas, requests]\n');
    writeFileSync(config, yaml.replace('packages: [pandas, requests]\n', 'packages: [pandas, requests, kiwisolver]\n'));
    v2 = await build(config, 'v2', layout);
  }, 900_000);

  it('groups layers: shared first, numpy for both Python kernels, each kernel, then the image and system layers', () => {
    const groups = [...new Set(v1.layers.map((l) => l.group))];
    expect(groups).toEqual(['shared', 'kernels:py-data,py-numpy', 'kernel:py-data', 'kernel:py-numpy', 'kernel:sh', 'image', 'system']);
    expect(v1.layers.length).toBeLessThanOrEqual(100);
  });

  it('keeps every layer outside kernel py-data (and the image layer) with the same diff_id', () => {
    const outside = (p: Packed) => p.layers.filter((l) => l.group !== 'kernel:py-data' && l.group !== 'image').map((l) => [l.group, l.diffId]);
    expect(outside(v2)).toEqual(outside(v1));
    const data = (p: Packed) => p.layers.filter((l) => l.group === 'kernel:py-data').map((l) => l.diffId);
    expect(data(v2)).not.toEqual(data(v1));
    // The one layer that changes whatever kernel changes holds only symlinks and kernelspecs.
    for (const p of [v1, v2]) for (const l of p.layers.filter((x) => x.group === 'image')) expect(l.blob.size).toBeLessThan(64 << 10);
  });

  it('stacks the new package above the unchanged pandas layer: load sends < 2x the new package', () => {
    const kiwisolver = v2.layers.filter((l) => l.storePaths.some((p) => /-python3\.13-kiwisolver-/.test(p)));
    expect(kiwisolver).toHaveLength(1);
    // alone, or beside small Python packages that the chunking of MIN_LAYER_SIZES put next to it
    // (which depends on the order of the store paths, hence on their hashes)
    expect(kiwisolver[0]!.storePaths.every((p) => /-python3\.13-[^/]+$/.test(p))).toBe(true);
    // What `nixlab load` decides against an engine holding v1 (moby's chain rule).
    const held = new Set(chainIds(v1.layers.map((l) => l.diffId)));
    const omit = omitter(held);
    const sent = v2.layers.filter((l, i) => !omit(i, l.diffId));
    const pandas = v2.layers.find((l) => l.group === 'kernel:py-data' && l.storePaths.some((p) => /-python3\.13-pandas-/.test(p)))!;
    expect(sent).not.toContain(pandas);
    expect(pandas.blob.size).toBeGreaterThan(10 * kiwisolver[0]!.blob.size);
    const bytes = sent.reduce((n, l) => n + l.blob.size, 0);
    expect(bytes).toBeLessThan(2 * kiwisolver[0]!.blob.size);
  });

  it('writes only the changed blobs into the layout, hashing only those', () => {
    const changed = v2.layers.filter((l) => !v1.layers.some((o) => o.diffId === l.diffId));
    expect(v2.layers.filter((l) => !l.reused).map((l) => l.group).sort()).toEqual([...changed.map((l) => l.group), 'system'].sort());
    expect(v2.layers.filter((l) => l.hashed).length).toBe(changed.length + 1);
    const total = v2.layers.reduce((n, l) => n + l.blob.size, 0);
    expect(v2.bytes).toBeLessThan(total / 10);
  });

  it('inspect reads each layer’s group back from the archive alone', async () => {
    const r = await nixlab(['inspect', layout, '--json']);
    expect(r.exitCode).toBe(0);
    const inspected = JSON.parse(r.stdout) as { layers: Layer[]; references: string[] };
    expect(inspected.references).toEqual(['nixlab-demo:v1', 'nixlab-demo:v2']);
    expect(inspected.layers.map((l) => [l.diffId, l.group, l.verified])).toEqual(v1.layers.map((l) => [l.diffId, l.group, true]));
    const numpyPaths = inspected.layers.filter((l) => l.group === 'kernel:py-numpy').flatMap((l) => l.storePaths);
    expect(numpyPaths.some((p) => p.endsWith(`-python3-${CPYTHON.version}-env`))).toBe(true);
    const human = await nixlab(['inspect', layout]);
    expect(human.stdout).toMatch(/ entries {2}kernel:py-data\n/);
  });

  it('leaves a layout skopeo and umoci read, both tags', async () => {
    for (const [tag, packed] of [['v1', v1], ['v2', v2]] as const) {
      const { stdout } = await execa('skopeo', ['inspect', `oci:${layout}:${tag}`]);
      expect(JSON.parse(stdout).Digest).toBe(packed.manifest.digest);
      await execa('umoci', ['unpack', '--image', `${layout}:${tag}`, join(work, `bundle-${tag}`)]);
    }
    const yaml = await execa('sh', ['-c', `ls ${join(work, 'bundle-v2', 'rootfs', 'nix', 'store')} | grep -c yaml`], { reject: false });
    expect(Number(yaml.stdout)).toBeGreaterThan(0);
  }, 600_000); // umoci unpacks both images: minutes on a loaded machine
});
