// JSON text with object keys sorted at every level (by UTF-16 code units; arrays keep their
// order), so the same data always gives the same bytes: image configs and manifests, cache
// entries, kernel.json text in generated Nix, and what `--json` prints.

/** `value` as JSON with sorted keys; `indent` as JSON.stringify's (none by default). */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    // What JSON.stringify would write for it (Dates, Buffers…) is what gets sorted.
    const json = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return sortKeys(json.call(value));
    // A prototype-less object, so a `__proto__` key is kept as data rather than swallowed.
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
