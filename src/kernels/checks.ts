// What kind modules share when they check and normalise kernels: list items, repeats, the
// package a preset always adds.
import { nearest } from '../suggest.js';
import type { FactProblem, NixpkgsFacts, PathSegment, Reporter } from './types.js';

const q = (v: unknown): string => JSON.stringify(v);

/** Items of `list` that are strings, with their indices. */
export function stringItems(list: unknown): [number, string][] {
  return Array.isArray(list) ? list.flatMap((v, i): [number, string][] => (typeof v === 'string' ? [[i, v]] : [])) : [];
}

/** Formats a path as `$.kernels[1].env["BAD NAME"]`: `.key` for identifier-like keys, `["key"]` for others, `[i]` for items. */
export function formatJsonPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Reports the second and later occurrences of equal items (after `key`) as errors or warnings. */
export function checkDuplicates(list: unknown, at: PathSegment[], report: Reporter, level: 'error' | 'warn', what: string, key: (s: string) => string = (s) => s): void {
  const first = new Map<string, number>();
  for (const [i, v] of stringItems(list)) {
    const k = key(v);
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else report[level]([...at, i], { message: `${what} ${q(v)} is listed twice (first at ${formatJsonPath([...at, j])})`, hint: 'remove the duplicate' });
  }
}

/** Repeats in a preset's `packages` are warnings, and so is the package the preset always adds. */
export function checkPackages(kernel: Record<string, unknown>, at: PathSegment[], report: Reporter, always?: { name: string; kernels: string }): void {
  checkDuplicates(kernel.packages, [...at, 'packages'], report, 'warn', 'package');
  if (!always) return;
  for (const [i, p] of stringItems(kernel.packages)) {
    if (p === always.name) report.warn([...at, 'packages', i], { message: `${q(p)} is always included in ${always.kernels}`, hint: 'remove it from packages' });
  }
}

/** A preset's packages, normalised: no repeats (the first kept), without the package the preset always adds. */
export function presetPackages(packages: string[] | undefined, always?: string): string[] {
  return [...new Set(packages ?? [])].filter((p) => p !== always);
}

/**
 * Each name of `written.packages` that the facts' package set `set` lacks, at its index, with
 * the close names there. Nothing when the set's names are unknown (its evaluation failed).
 */
export function missingPackages(written: Record<string, unknown>, facts: NixpkgsFacts, set: string, what: string = set): FactProblem[] {
  return stringItems(written.packages)
    .filter(([, p]) => facts.has(set, p) === false)
    .map(([i, p]) => {
      const names = facts.names(set)!;
      const close = nearest(p, names, 3);
      return {
        at: ['packages', i],
        message: `${facts.label} has no ${what}.${p}`,
        hint: close.length ? `close names there: ${close.map(q).join(', ')}` : `check the name in nixpkgs (${what} has ${names.length} names), or remove it`,
      };
    });
}
