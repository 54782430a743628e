// Kernel names: the rule a kernel's name meets. Apart from ./rules.ts because its length limit
// depends on the kernel kinds (a kind may name derivations after a kernel, KindSpec.derivationNames),
// and the kind modules import ./rules.ts.
import { kernelKinds } from '../kernels/index.js';
import { NIX_DERIVATION_NAME_MAX, NIX_STORE_NAME_MAX, andList, rule } from './rules.js';

const q = (v: unknown): string => JSON.stringify(v);

/** The kernelspec's derivation name (nix/kernelspec.nix, `runCommand "kernelspec-${name}"`), every kind's. */
export const kernelspecDerivationName = (kernel: string): string => `kernelspec-${kernel}`;

/** Every derivation nixlab names after a kernel: its kernelspec, and those of its kind (KindSpec.derivationNames), in registry order. */
export const KERNEL_DERIVATION_NAMES: ReadonlyArray<(kernel: string) => string> = [kernelspecDerivationName, ...kernelKinds.flatMap((kind) => Object.values(kind.derivationNames ?? {}))];

/**
 * Kernel names a kernel cannot have (compared ignoring case): jupyter_client renames `python` to
 * `python3` before it looks the name up, so a kernel named `python` could never be started.
 * `python3` itself is a first-class name: nixlab's config enforces the allow-list in the name
 * lookup (nix/jupyter_config.py), so it is the declared kernel, never the server's own Python.
 */
export const RESERVED_KERNEL_NAMES = ['python'] as const;
const KERNEL_NAME = /^[A-Za-z0-9._-]+$/;
/**
 * The longest kernel name: every derivation named after a kernel (KERNEL_DERIVATION_NAMES) must
 * fit NIX_DERIVATION_NAME_MAX. 196. (A kernelspec directory name could be 255.)
 */
export const KERNEL_NAME_MAX = NIX_DERIVATION_NAME_MAX - Math.max(...KERNEL_DERIVATION_NAMES.map((name) => name('').length));

function suggestKernelName(v: string): string {
  const s = v.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, KERNEL_NAME_MAX);
  if (s === '' || s === '.' || s === '..') return 'kernel';
  return (RESERVED_KERNEL_NAMES as readonly string[]).includes(s.toLowerCase()) ? 'python3' : s;
}

/** A valid kernel name built from `v` (for hints: `"my kernel"` → `"my-kernel"`). */
export const kernelNameLike = suggestKernelName;

export const kernelName = rule(
  {
    type: 'string',
    description: `Kernelspec directory name: letters, digits, \`.\`, \`_\` and \`-\`, at most ${KERNEL_NAME_MAX} characters (Nix's store path name limit); not \`.\` or \`..\`, and not \`python\` (Jupyter renames it to \`python3\`).`,
    minLength: 1,
    maxLength: KERNEL_NAME_MAX,
    pattern: KERNEL_NAME.source,
    not: { enum: ['.', '..'] },
    // jupyter_client renames `python` to `python3` before looking it up.
    allOf: [{ not: { pattern: '^[Pp][Yy][Tt][Hh][Oo][Nn]$' } }],
  },
  (v: string) => {
    if (v === '') return { message: 'kernel name is empty', hint: 'choose a name such as "py"' };
    if (v === '.' || v === '..') return { message: `${q(v)} cannot be a kernel name: it is a special directory name`, hint: 'choose a name such as "py"' };
    if (v.length > KERNEL_NAME_MAX) {
      return {
        message: `kernel name is too long (${v.length} characters, at most ${KERNEL_NAME_MAX}): Nix store path names have at most ${NIX_STORE_NAME_MAX} characters, and the kernel's derivations are named ${andList(KERNEL_DERIVATION_NAMES.map((name) => q(name('<name>'))))} (.drv files add 4)`,
        hint: `shorten it, e.g. to ${q(suggestKernelName(v))}`,
      };
    }
    if (!KERNEL_NAME.test(v)) return { message: `${q(v)} is not a valid kernel name: only letters, digits, ".", "_" and "-" are allowed`, hint: `rename it, e.g. to ${q(suggestKernelName(v))}` };
    if ((RESERVED_KERNEL_NAMES as readonly string[]).includes(v.toLowerCase())) {
      return { message: `${q(v)} is reserved by Jupyter: it renames "python" to "python3" before starting a kernel`, hint: 'name the kernel "python3" (notebooks and nbconvert ask for it), or e.g. "py313"' };
    }
    return undefined;
  },
);
