// The Nix AST. `NixExpr` is opaque: only the constructors here build one, so user data can only
// enter Nix code through `str()` (which escapes) or `json()` (JSON text inside an escaped
// string), and code only through the other constructors or the `nix` template tag, which refuses
// plain-string interpolations.

import { InternalError, type PathSegment } from '../errors.js';
import { canonicalJson } from '../json.js';
import { NIX_KEYWORDS as KEYWORDS, unrepresentable } from '../definitions/rules.js';

const brand: unique symbol = Symbol('NixExpr');

/** A Nix expression node. Build with the constructors below; render with `render()`. */
export interface NixExpr {
  readonly [brand]: true;
  readonly node: Node;
  /** Where in the config the expression comes from (see `origin()`); the renderer records its position. */
  readonly origins?: readonly Origin[];
}

/** What part of the config an expression stands for. */
export type OriginRole = 'kernel' | 'argv' | 'package' | 'nix-file' | 'server' | 'logo' | 'nixpkgs' | 'files' | 'start-hook';

/**
 * The config path an expression was emitted for, and what the error translator needs to know
 * about it. Only developer-chosen facts and config values go here: no host paths.
 */
export interface Origin {
  /** JSON path into the config (`['kernels', 0, 'packages', 1]`). */
  readonly at: readonly PathSegment[];
  readonly role: OriginRole;
  /** The kernel's name, for expressions that belong to one kernel. */
  readonly kernel?: string;
  /** role `package`: the package set it is looked up in, as an attribute path of `pkgs` (`python311Packages`; `` for pkgs itself). */
  readonly set?: string;
  /** role `package`: the attribute path inside `set` (`['numpy']`, `['python3Packages', 'bash-kernel']`). */
  readonly attr?: readonly string[];
  /** role `nix-file`: the kernel's `nix` value as the config writes it (relative to the config file). */
  readonly source?: string;
  /** role `nix-file`: the directory of the copy in the generated project (`assets/<kernel>/nix`). */
  readonly asset?: string;
}

/** A piece of a double-quoted string: literal text or an interpolated expression. */
export type StrPart = string | NixExpr;

/** A lambda's formals: `{ a, b ? default, ... }`. */
export interface Formal {
  name: string;
  default?: NixExpr;
}

export type Node =
  | { kind: 'str'; parts: StrPart[] }
  | { kind: 'int'; value: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'path'; value: string }
  | { kind: 'list'; items: NixExpr[] }
  | { kind: 'attrs'; entries: Array<[string, NixExpr]> }
  | { kind: 'var'; name: string }
  | { kind: 'select'; target: NixExpr; path: string[] }
  | { kind: 'apply'; fn: NixExpr; args: NixExpr[] }
  | { kind: 'lambda'; param: string | { formals: Formal[]; ellipsis: boolean }; body: NixExpr }
  | { kind: 'let'; bindings: Array<[string, NixExpr]>; body: NixExpr }
  | { kind: 'comment'; text: string; expr: NixExpr }
  | { kind: 'code'; chunks: string[]; exprs: NixExpr[] };

/**
 * Thrown for data that no Nix string can hold (NUL, lone surrogates) or a malformed name. The
 * validator refuses such data first, so reaching this is a bug in nixlab: an InternalError.
 */
export class NixEmitError extends InternalError {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(`emitting Nix: ${message}`);
  }
}

function mk(node: Node, origins?: readonly Origin[]): NixExpr {
  return Object.freeze(origins?.length ? { [brand]: true as const, node, origins: Object.freeze([...origins]) } : { [brand]: true as const, node });
}

/**
 * Marks `expr` as coming from a config path. It renders exactly as `expr`; the renderer
 * records where (renderMapped), so Nix errors at that position can be traced to the config.
 */
export function origin(o: Origin, expr: NixExpr): NixExpr {
  for (const s of [o.set, o.source, o.asset, o.kernel, ...(o.attr ?? [])]) if (s !== undefined) assertRepresentable(s);
  return mk(expr.node, [...(expr.origins ?? []), Object.freeze({ ...o, at: Object.freeze([...o.at]), ...(o.attr ? { attr: Object.freeze([...o.attr]) } : {}) })]);
}

/**
 * `e` with each direct child replaced by `f(child)` (same node kind, same origins). Used to
 * mark expressions inside a tree someone else built (the kernel kinds' environments).
 */
export function mapChildren(e: NixExpr, f: (child: NixExpr) => NixExpr): NixExpr {
  const n = e.node;
  const node: Node = (() => {
    switch (n.kind) {
      case 'str':
        return { kind: 'str', parts: n.parts.map((p) => (typeof p === 'string' ? p : f(p))) };
      case 'list':
        return { kind: 'list', items: n.items.map(f) };
      case 'attrs':
        return { kind: 'attrs', entries: n.entries.map(([k, x]): [string, NixExpr] => [k, f(x)]) };
      case 'select':
        return { kind: 'select', target: f(n.target), path: n.path };
      case 'apply':
        return { kind: 'apply', fn: f(n.fn), args: n.args.map(f) };
      case 'lambda':
        return {
          kind: 'lambda',
          param: typeof n.param === 'string' ? n.param : { formals: n.param.formals.map((x) => (x.default ? { name: x.name, default: f(x.default) } : x)), ellipsis: n.param.ellipsis },
          body: f(n.body),
        };
      case 'let':
        return { kind: 'let', bindings: n.bindings.map(([k, x]): [string, NixExpr] => [k, f(x)]), body: f(n.body) };
      case 'comment':
        return { kind: 'comment', text: n.text, expr: f(n.expr) };
      case 'code':
        return { kind: 'code', chunks: n.chunks, exprs: n.exprs.map(f) };
      default:
        return n;
    }
  })();
  return node === n ? e : mk(node, e.origins);
}

/** True when `x` was built by this module. */
export function isNixExpr(x: unknown): x is NixExpr {
  return typeof x === 'object' && x !== null && (x as { [brand]?: unknown })[brand] === true;
}

/** Nix's reserved words: never bare attribute names or identifiers (the rule set's list). */
export const NIX_KEYWORDS: ReadonlySet<string> = new Set(KEYWORDS);

const IDENT = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** True when `name` can be written bare as an identifier or attribute name. */
export function isBareName(name: string): boolean {
  return IDENT.test(name) && !NIX_KEYWORDS.has(name);
}

/** Checks that `s` can be a Nix string (no NUL, no lone surrogate); throws NixEmitError naming the offset otherwise. */
export function assertRepresentable(s: string): void {
  const bad = unrepresentable(s);
  if (bad) throw new NixEmitError(`string contains ${bad.what} at offset ${bad.offset}, which Nix strings cannot hold`, bad.offset);
}

/** A string literal holding exactly `value`; escaping happens at render time. */
export function str(value: string): NixExpr {
  assertRepresentable(value);
  return mk({ kind: 'str', parts: [value] });
}

/** A string with interpolations: `interp\`${pkg}/bin/python\``-like, literal parts escaped. */
export function strParts(...parts: StrPart[]): NixExpr {
  for (const p of parts) {
    if (typeof p === 'string') assertRepresentable(p);
    else if (!isNixExpr(p)) throw new NixEmitError('strParts takes strings and NixExpr values only');
  }
  return mk({ kind: 'str', parts: parts.filter((p) => p !== '') });
}

/** An integer literal (safe integers or bigint within Nix's 64-bit range). */
export function int(value: number | bigint): NixExpr {
  const v = typeof value === 'bigint' ? value : BigInt(value);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new NixEmitError(`not a safe integer: ${value}`);
  if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new NixEmitError(`integer out of Nix's 64-bit range: ${v}`);
  return mk({ kind: 'int', value: v });
}

export function bool(value: boolean): NixExpr {
  return mk({ kind: 'bool', value });
}

export const nul: NixExpr = mk({ kind: 'null' });

/**
 * A relative path literal (`./nixlab/lib.nix`). Only plain segments are allowed so the literal
 * needs no quoting and never escapes the generated directory.
 */
export function relPath(value: string): NixExpr {
  const segs = value.split('/');
  if (!value.startsWith('./') || segs.slice(1).some((s) => !/^[A-Za-z0-9._+-]+$/.test(s) || s === '.' || s === '..')) {
    throw new NixEmitError(`not a plain relative path: ${JSON.stringify(value)}`);
  }
  return mk({ kind: 'path', value });
}

export function list(items: NixExpr[]): NixExpr {
  return mk({ kind: 'list', items: [...items] });
}

function checkKeys(entries: Array<[string, NixExpr]>): Array<[string, NixExpr]> {
  const seen = new Set<string>();
  for (const [k] of entries) {
    assertRepresentable(k);
    if (seen.has(k)) throw new NixEmitError(`duplicate attribute name ${JSON.stringify(k)}`);
    seen.add(k);
  }
  return entries;
}

/** An attribute set; keys are rendered sorted, quoted when not bare names. */
export function attrs(entries: Record<string, NixExpr> | Array<[string, NixExpr]>): NixExpr {
  const list = Array.isArray(entries) ? entries : Object.entries(entries);
  return mk({ kind: 'attrs', entries: checkKeys([...list]) });
}

/** A variable reference; the name must be a bare identifier. */
export function v(name: string): NixExpr {
  if (!isBareName(name)) throw new NixEmitError(`not a Nix identifier: ${JSON.stringify(name)}`);
  return mk({ kind: 'var', name });
}

/** `target.a.b` (attribute names quoted where needed). */
export function select(target: NixExpr, ...path: string[]): NixExpr {
  if (path.length === 0) return target;
  for (const p of path) assertRepresentable(p);
  return mk({ kind: 'select', target, path });
}

/** `fn a b`. */
export function apply(fn: NixExpr, ...args: NixExpr[]): NixExpr {
  return mk({ kind: 'apply', fn, args });
}

/** `x: body`. */
export function lambda(param: string, body: NixExpr): NixExpr {
  if (!isBareName(param)) throw new NixEmitError(`not a Nix identifier: ${JSON.stringify(param)}`);
  return mk({ kind: 'lambda', param, body });
}

/** `{ a, b ? d, ... }: body`. */
export function lambdaSet(formals: Formal[], body: NixExpr, ellipsis = false): NixExpr {
  for (const f of formals) if (!isBareName(f.name)) throw new NixEmitError(`not a Nix identifier: ${JSON.stringify(f.name)}`);
  return mk({ kind: 'lambda', param: { formals: [...formals], ellipsis }, body });
}

/** `let a = …; in body`; bindings keep their order (they may refer to each other). */
export function letIn(bindings: Array<[string, NixExpr]>, body: NixExpr): NixExpr {
  for (const [n] of bindings) if (!isBareName(n)) throw new NixEmitError(`not a Nix identifier: ${JSON.stringify(n)}`);
  return mk({ kind: 'let', bindings: checkKeys([...bindings]), body });
}

/** Puts a `# comment` line (developer-written text, no user data) above an expression. */
export function comment(text: string, expr: NixExpr): NixExpr {
  if (/[\r\n]/.test(text)) throw new NixEmitError('comments are one line');
  return mk({ kind: 'comment', text, expr });
}

/**
 * Raw code written by nixlab's developers: `nix\`builtins.map ${f} ${xs}\``. Interpolations must
 * be NixExpr (rendered in parentheses); a plain string interpolation throws, so user data can
 * never be spliced into code.
 */
export function nix(chunks: TemplateStringsArray, ...exprs: unknown[]): NixExpr {
  exprs.forEach((e, i) => {
    if (!isNixExpr(e)) throw new NixEmitError(`nix\`\` interpolation ${i} is not a NixExpr (use str() for data)`);
  });
  return mk({ kind: 'code', chunks: [...chunks.raw], exprs: exprs as NixExpr[] });
}

/** Plain JSON data (no floats) as a Nix value; objects become attribute sets. */
export type NixData = null | boolean | number | bigint | string | NixData[] | { [k: string]: NixData };

/**
 * JSON-like data as a Nix literal. Floats are refused: Nix 2.8 prints them with 6 significant
 * digits, so they would not survive. Use `json()` to carry arbitrary JSON.
 */
export function data(value: NixData): NixExpr {
  if (value === null) return nul;
  if (typeof value === 'boolean') return bool(value);
  if (typeof value === 'bigint') return int(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new NixEmitError(`floats do not survive Nix evaluation: ${value}`);
    return int(value);
  }
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return list(value.map(data));
  return attrs(Object.entries(value).map(([k, x]) => [k, data(x)] as [string, NixExpr]));
}

/**
 * Arbitrary JSON carried as JSON text in a Nix string. Nix never re-encodes it, so floats keep
 * their digits and keys such as `outPath` or `__toString` (which change what `builtins.toJSON`
 * does with an attribute set) stay plain data. Keys are sorted for deterministic output.
 */
export function json(value: unknown): NixExpr {
  return str(canonicalJson(value));
}
