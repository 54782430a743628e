// Builds the fixture store paths of test/image/fixtures/closure.nix with the real nix-build.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const FIXTURE_NIX = fileURLToPath(new URL('./fixtures/closure.nix', import.meta.url));

const built = new Map<string, Promise<string>>();

/**
 * nix-build -A attr (no GC root; store paths of a running test are not collected since
 * nothing here runs the GC). `optimise` hard-links identical files, as `nix-store --optimise`.
 */
export function buildFixture(attr: string, opts: { optimise?: boolean } = {}): Promise<string> {
  const key = `${attr}:${opts.optimise ?? false}`;
  let p = built.get(key);
  if (!p) {
    const args = ['--no-out-link', FIXTURE_NIX, '-A', attr];
    if (opts.optimise) args.push('--option', 'auto-optimise-store', 'true');
    p = execa('nix-build', args).then((r) => r.stdout.trim().split('\n').pop()!);
    built.set(key, p);
  }
  return p;
}
