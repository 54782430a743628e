// The README's shell blocks as the tests run them: taken from README.md itself, never retyped,
// so a test fails when the README's commands change and nobody checked them.
import { readFileSync } from 'node:fs';

/**
 * The lines of the first ```sh block after the first line of README.md containing `marker`,
 * each without its trailing comment (`  # …`) and surrounding blanks; empty lines dropped.
 */
export function readmeShLines(marker: string): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${JSON.stringify(marker)}`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`README.md has no sh block after ${JSON.stringify(marker)}`);
  return block[1]!
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}
