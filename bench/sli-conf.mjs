// Writes a configuration for nixpkgs' stream_layered_image.py that describes the same image as
// a nixlab docker-archive: the same store layers (one list of store paths per layer, in order),
// the same image config, and nixlab's system layer as the "customisation layer" (its layer.tar
// and checksum). So the two programs stream the same bytes' worth of image and the loaded images
// run the same way. Used by bench/cold.sh and bench/load.sh.
//   node bench/sli-conf.mjs ARCHIVE.tar OUT_DIR      → OUT_DIR/conf.json, OUT_DIR/custom/
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [archive, out] = process.argv.slice(2);
if (!archive || !out) throw new Error('usage: node bench/sli-conf.mjs ARCHIVE.tar OUT_DIR');
const run = new URL('../bin/run.js', import.meta.url).pathname;
const image = JSON.parse(execFileSync('node', [run, 'inspect', archive, '--json'], { maxBuffer: 64 << 20 }).toString());
const layers = image.layers;
const system = layers.at(-1);
if (system.storePaths.length) throw new Error(`${archive}: the last layer is not nixlab's system layer`);
const custom = join(out, 'custom');
mkdirSync(custom, { recursive: true });
// The system layer's bytes, out of the archive (GNU tar; the layer is small).
const tar = execFileSync('tar', ['-xOf', archive, system.path], { maxBuffer: 256 << 20 });
writeFileSync(join(custom, 'layer.tar'), tar);
writeFileSync(join(custom, 'checksum'), createHash('sha256').update(tar).digest('hex'));
const conf = {
  architecture: image.config.architecture,
  config: image.config.config,
  created: '1970-01-01T00:00:01+00:00',
  mtime: '1970-01-01T00:00:01+00:00',
  uid: 0,
  gid: 0,
  uname: 'root',
  gname: 'root',
  store_dir: '/nix/store',
  from_image: null,
  store_layers: layers.slice(0, -1).map((l) => l.storePaths),
  customisation_layer: custom,
  repo_tag: image.references?.[0] ?? 'bench-sli:latest',
};
writeFileSync(join(out, 'conf.json'), JSON.stringify(conf, null, 2) + '\n');
for (const paths of conf.store_layers) for (const p of paths) if (!existsSync(p)) throw new Error(`${p}: not in the store`);
