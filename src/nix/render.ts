// Renders the Nix AST to text. The renderer owns layout: 2-space indent, attribute keys sorted,
// trailing newline, nothing machine- or time-dependent. `escapeString` is the one escaping
// function for Nix string literals. Because it owns layout, it is also the one that knows where
// each expression lands: `renderMapped` returns the line/column range of every expression marked
// with `origin()` (the source map from generated Nix back to the config).
import { isBareName, type NixExpr, type Origin, type StrPart } from './ast.js';

/**
 * Escapes literal text for the inside of a double-quoted Nix string. Why each rule:
 * `\` and `"` end or escape; `${` would start an interpolation, so a `$` before `{` is written
 * `\$`; a `$` at the end of a chunk is also escaped because the next chunk may be an
 * interpolation (`$${` is not an interpolation in Nix); newline, CR and tab are written as
 * escapes so the output stays one line per string. `\$` always means `$`, so over-escaping
 * a `$` is harmless. Nothing else needs escaping: Nix takes any other UTF-8 as is.
 */
export function escapeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '$':
        out += i + 1 === s.length || s[i + 1] === '{' ? '\\$' : '$';
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** A complete string literal for `s`. */
export function quoteString(s: string): string {
  return `"${escapeString(s)}"`;
}

/** An attribute name: bare when it is an identifier and not a keyword, else quoted. */
export function attrName(name: string): string {
  return isBareName(name) ? name : quoteString(name);
}

/** A position in rendered text as Nix reports it: 1-based line, 1-based column counted in UTF-8 bytes. */
export interface TextPos {
  line: number;
  column: number;
}

/** Where a marked expression was rendered: from `start` up to (not including) `end`. */
export interface Span {
  origin: Origin;
  /** The marked expression. */
  expr: NixExpr;
  start: TextPos;
  end: TextPos;
}

/** What a mark refers to while rendering. */
interface Marked {
  origin: Origin;
  expr: NixExpr;
}

/** Renders an expression as a file: trailing newline included. */
export function render(expr: NixExpr): string {
  return renderMapped(expr).text;
}

/** Renders an expression without the trailing newline (for tests and inline use). */
export function renderInline(expr: NixExpr): string {
  return stripMarks(r(expr, 0, []));
}

type Marks = Marked[];

/**
 * Renders an expression as a file and returns where each `origin()`-marked expression is in
 * it, in rendering order (an outer expression before the ones inside it).
 */
export function renderMapped(expr: NixExpr): { text: string; spans: Span[] } {
  const marks: Marks = [];
  return locate(r(expr, 0, marks) + '\n', marks);
}

// While rendering, a marked expression is wrapped in marks that say which origin it has: NUL
// never occurs in rendered Nix (strings refuse it: assertRepresentable; comments and code are
// developer text), so the marks cannot be confused with content. They are removed at the end,
// and measured as nothing where layout depends on a length.
const MARK = /\0(?:S(\d+)|E)\0/g;
const stripMarks = (s: string): string => s.replace(MARK, '');
const visibleLength = (s: string): number => stripMarks(s).length;

function locate(marked: string, marks: Marks): { text: string; spans: Span[] } {
  const spans: Span[] = [];
  const open: { mark: Marked; start: TextPos; index: number }[] = [];
  let text = '';
  let line = 1;
  let column = 1;
  const advance = (chunk: string): void => {
    text += chunk;
    const lines = chunk.split('\n');
    if (lines.length > 1) {
      line += lines.length - 1;
      column = 1;
    }
    column += Buffer.byteLength(lines[lines.length - 1]!, 'utf8');
  };
  let last = 0;
  for (const m of marked.matchAll(MARK)) {
    advance(marked.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      open.push({ mark: marks[Number(m[1])]!, start: { line, column }, index: spans.length });
      spans.push(undefined as unknown as Span); // keeps outer spans before inner ones
    } else {
      const o = open.pop()!;
      spans[o.index] = { origin: o.mark.origin, expr: o.mark.expr, start: o.start, end: { line, column } };
    }
  }
  advance(marked.slice(last));
  return { text, spans };
}

const pad = (n: number): string => '  '.repeat(n);

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Nodes that never need parentheses as a function argument or select target. */
function isAtom(e: NixExpr): boolean {
  const n = e.node;
  switch (n.kind) {
    case 'str':
    case 'bool':
    case 'null':
    case 'path':
    case 'list':
    case 'attrs':
    case 'var':
    case 'select':
      return true;
    case 'int':
      return n.value >= 0n;
    default:
      return false;
  }
}

function atom(e: NixExpr, ind: number, o: Marks): string {
  const s = r(e, ind, o);
  return isAtom(e) ? s : `(${s})`;
}

/** True for short scalar lists that read better on one line. */
function isShortScalarList(items: NixExpr[]): boolean {
  if (items.length === 0 || items.length > 6) return items.length === 0;
  const simple = items.every((i) => ['str', 'int', 'bool', 'null', 'var', 'select', 'path'].includes(i.node.kind));
  return simple && items.reduce((n, i) => n + visibleLength(r(i, 0, [])) + 1, 0) <= 60;
}

function renderStr(parts: StrPart[], ind: number, o: Marks): string {
  let out = '"';
  for (const p of parts) out += typeof p === 'string' ? escapeString(p) : '${' + r(p, ind, o) + '}';
  return out + '"';
}

/** Renders `e` at indent level `ind`; marked expressions are wrapped in marks indexing into `o`. */
function r(e: NixExpr, ind: number, o: Marks): string {
  const text = node(e, ind, o);
  if (!e.origins) return text;
  let out = text;
  // The first origin is the innermost mark (origin() appends): it is opened last.
  for (const x of e.origins) {
    out = `\0S${o.length}\0${out}\0E\0`;
    o.push({ origin: x, expr: e });
  }
  return out;
}

function node(e: NixExpr, ind: number, o: Marks): string {
  const n = e.node;
  switch (n.kind) {
    case 'str':
      return renderStr(n.parts, ind, o);
    case 'int':
      return n.value.toString();
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'null':
      return 'null';
    case 'path':
      return n.value;
    case 'var':
      return n.name;
    case 'list': {
      if (isShortScalarList(n.items)) {
        return n.items.length === 0 ? '[ ]' : `[ ${n.items.map((i) => atom(i, ind, o)).join(' ')} ]`;
      }
      const lines = n.items.map((i) => pad(ind + 1) + atom(i, ind + 1, o));
      return `[\n${lines.join('\n')}\n${pad(ind)}]`;
    }
    case 'attrs': {
      if (n.entries.length === 0) return '{ }';
      const sorted = [...n.entries].sort(([a], [b]) => compareKeys(a, b));
      const lines = sorted.map(([k, x]) => attrBinding(k, x, ind + 1, o));
      return `{\n${lines.join('\n')}\n${pad(ind)}}`;
    }
    case 'select':
      return atom(n.target, ind, o) + n.path.map((p) => '.' + attrName(p)).join('');
    case 'apply':
      return [atom(n.fn, ind, o), ...n.args.map((a) => atom(a, ind, o))].join(' ');
    case 'lambda': {
      if (typeof n.param === 'string') {
        // `ps: [ … ]` stays on one line; a longer body goes below.
        const body = r(n.body, ind, o);
        return body.includes('\n') && !['list', 'attrs'].includes(n.body.node.kind) ? `${n.param}:\n${pad(ind)}${body}` : `${n.param}: ${body}`;
      }
      const head = formals(
        n.param.formals.map((f) => (f.default ? `${f.name} ? ${r(f.default, ind + 1, o)}` : f.name)),
        n.param.ellipsis,
        ind,
      );
      return `${head}\n${pad(ind)}${r(n.body, ind, o)}`;
    }
    case 'let': {
      const lines = n.bindings.map(([k, x]) => binding(k, x, ind + 1, o));
      return `let\n${lines.join('\n')}\n${pad(ind)}in\n${pad(ind)}${r(n.body, ind, o)}`;
    }
    case 'comment':
      return `# ${n.text}\n${pad(ind)}${r(n.expr, ind, o)}`;
    case 'code': {
      // Developer-written chunks are re-indented to the current level; interpolated
      // expressions are already rendered at it.
      const chunk = (c: string): string => c.replace(/\n/g, '\n' + pad(ind));
      let out = chunk(n.chunks[0]!);
      n.exprs.forEach((x, i) => {
        out += atom(x, ind, o) + chunk(n.chunks[i + 1]!);
      });
      return out;
    }
  }
}

function formals(names: string[], ellipsis: boolean, ind: number): string {
  const all = ellipsis ? [...names, '...'] : names;
  if (all.length === 0) return '{ }:';
  const oneLine = `{ ${all.join(', ')} }:`;
  if (visibleLength(oneLine) <= 80 && !oneLine.includes('\n')) return oneLine;
  return `{\n${all.map((a) => `${pad(ind + 1)}${a},`).join('\n')}\n${pad(ind)}}:`;
}

function binding(key: string, value: NixExpr, ind: number, o: Marks): string {
  // A comment above a binding goes above its line; the marks stay on the expression.
  if (value.node.kind === 'comment' && !value.origins) {
    return `${pad(ind)}# ${value.node.text}\n${binding(key, value.node.expr, ind, o)}`;
  }
  return `${pad(ind)}${attrName(key)} = ${r(value, ind, o)};`;
}

/** In an attribute set (never `rec` here) `x = x;` and `inherit x;` mean the same; print the latter. */
function attrBinding(key: string, value: NixExpr, ind: number, o: Marks): string {
  if (value.node.kind === 'var' && value.node.name === key && !value.origins) return `${pad(ind)}inherit ${key};`;
  return binding(key, value, ind, o);
}
