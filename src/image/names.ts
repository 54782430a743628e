// Rules about the names of files in images, kept apart from the tar writer and the closure query
// so that the config checks (`nixlab validate`, through system-layer.ts) load neither.
import { UserError } from '../errors.js';

/** Compares strings by the byte order of their UTF-8 encodings (what `LC_ALL=C sort` does). */
export function byteOrder(a: string, b: string): number {
  // UTF-16 code-unit order equals UTF-8 byte order except around surrogates (astral characters
  // sort after U+E000–U+FFFF in UTF-8 but before them in UTF-16); only then compare bytes.
  if (!HAS_SURROGATE.test(a) && !HAS_SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
const HAS_SURROGATE = /[\uD800-\uDFFF]/;

/** Throws the UserError for a name that a layer would turn into a whiteout. */
export function assertNotWhiteout(name: string): void {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (base.startsWith('.wh.')) {
    throw new UserError({
      where: `/${name}`,
      message: 'has a name starting with `.wh.`, which image layers treat as a whiteout: it would vanish (or delete other files) when the image is unpacked',
      hint: 'rename the file in the derivation that produces it',
    });
  }
}
