// Where the worker threads' compiled modules are. Workers run compiled JavaScript: from dist/
// the module sits beside this one; under ts-jest (which runs src/ as TypeScript) the compiled
// copy in dist/ is used, so `npm test` builds first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InternalError } from '../../errors.js';
import { packageRoot } from '../../paths.js';

/** The file URL of a worker module (`byte-worker`). */
export function workerUrl(name: 'byte-worker'): URL {
  const beside = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = join(packageRoot(), 'dist', 'src', 'image', 'workers', `${name}.js`);
  if (!existsSync(built)) throw new InternalError(`the ${name} module is not built (${built}); run \`npm run build\``);
  return pathToFileURL(built);
}
