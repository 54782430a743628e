// Golden files: real files under test/nix/golden/, compared byte for byte. NIXLAB_UPDATE_GOLDEN=1
// writes them from what the test made (review the diff); without it a missing one fails, naming
// the file and how to create it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The golden text of `name` (below test/nix/golden/), written from `text` under NIXLAB_UPDATE_GOLDEN=1. */
export function golden(name: string, text: string): string {
  const file = join('test/nix/golden', name);
  if (process.env.NIXLAB_UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  } else if (!existsSync(file)) throw new Error(`golden file ${file} is missing; create it with NIXLAB_UPDATE_GOLDEN=1 and review it`);
  return readFileSync(file, 'utf8');
}
