#!/usr/bin/env node
// Writes a hub config's hub-image Nix project (default.nix with attribute `hubRoot`) into DIR,
// through the library `nixlab hub` uses, without building anything: the hub image of the
// deployment target TARGET (default: the default target), which must build one. For
// scripts/check-real-nixpkgs.mjs. Needs a compiled tree (`npm run build`).
//   write-hub-project.mjs CONFIG_OR_DIR DIR [TARGET]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'dist', 'src');
const { loadConfig, resolveConfigArg } = await import(pathToFileURL(join(dist, 'definitions', 'load.js')).href);
const { writeHubProject } = await import(pathToFileURL(join(dist, 'deploy', 'hub.js')).href);
const { DEFAULT_TARGET, targetOf } = await import(pathToFileURL(join(dist, 'deploy', 'targets', 'index.js')).href);
const [arg, out, targetName = DEFAULT_TARGET] = process.argv.slice(2);
const target = targetOf(targetName);
if (!target?.hubImage) {
  console.error(`write-hub-project: ${targetName} is not a deployment target that builds a hub image`);
  process.exit(2);
}
const file = resolveConfigArg(arg);
const { config } = await loadConfig(file);
await writeHubProject(resolve(out), config, file, target.hubImage);
