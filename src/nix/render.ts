// Renders the Nix AST to text. The renderer owns layout: 2-space indent, attribute keys sorted,
// trailing newline, nothing machine- or time-dependent. `escapeString` is the one escaping
// function for Nix string literals.
import { isBareName, type NixExpr, type Node, type StrPart } from './ast.js';

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

/** Renders an expression as a file: trailing newline included. */
export function render(expr: NixExpr): string {
  return r(expr.node, 0) + '\n';
}

/** Renders an expression without the trailing newline (for tests and inline use). */
export function renderInline(expr: NixExpr): string {
  return r(expr.node, 0);
}

const pad = (n: number): string => '  '.repeat(n);

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Nodes that never need parentheses as a function argument or select target. */
function isAtom(n: Node): boolean {
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

function atom(n: Node, ind: number): string {
  const s = r(n, ind);
  return isAtom(n) ? s : `(${s})`;
}

/** True for short scalar lists that read better on one line. */
function isShortScalarList(items: NixExpr[]): boolean {
  if (items.length === 0 || items.length > 6) return items.length === 0;
  const simple = items.every((i) => ['str', 'int', 'bool', 'null', 'var', 'select', 'path'].includes(i.node.kind));
  return simple && items.reduce((n, i) => n + r(i.node, 0).length + 1, 0) <= 60;
}

function renderStr(parts: StrPart[], ind: number): string {
  let out = '"';
  for (const p of parts) out += typeof p === 'string' ? escapeString(p) : '${' + r(p.node, ind) + '}';
  return out + '"';
}

function r(n: Node, ind: number): string {
  switch (n.kind) {
    case 'str':
      return renderStr(n.parts, ind);
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
        return n.items.length === 0 ? '[ ]' : `[ ${n.items.map((i) => atom(i.node, ind)).join(' ')} ]`;
      }
      const lines = n.items.map((i) => pad(ind + 1) + atom(i.node, ind + 1));
      return `[\n${lines.join('\n')}\n${pad(ind)}]`;
    }
    case 'attrs': {
      if (n.entries.length === 0) return '{ }';
      const sorted = [...n.entries].sort(([a], [b]) => compareKeys(a, b));
      const lines = sorted.map(([k, x]) => attrBinding(k, x.node, ind + 1));
      return `{\n${lines.join('\n')}\n${pad(ind)}}`;
    }
    case 'select':
      return atom(n.target.node, ind) + n.path.map((p) => '.' + attrName(p)).join('');
    case 'apply':
      return [atom(n.fn.node, ind), ...n.args.map((a) => atom(a.node, ind))].join(' ');
    case 'lambda': {
      if (typeof n.param === 'string') {
        // `ps: [ … ]` stays on one line; a longer body goes below.
        const body = r(n.body.node, ind);
        return body.includes('\n') && !['list', 'attrs'].includes(n.body.node.kind) ? `${n.param}:\n${pad(ind)}${body}` : `${n.param}: ${body}`;
      }
      const head = formals(
        n.param.formals.map((f) => (f.default ? `${f.name} ? ${r(f.default.node, ind + 1)}` : f.name)),
        n.param.ellipsis,
        ind,
      );
      return `${head}\n${pad(ind)}${r(n.body.node, ind)}`;
    }
    case 'let': {
      const lines = n.bindings.map(([k, x]) => binding(k, x.node, ind + 1));
      return `let\n${lines.join('\n')}\n${pad(ind)}in\n${pad(ind)}${r(n.body.node, ind)}`;
    }
    case 'comment':
      return `# ${n.text}\n${pad(ind)}${r(n.expr.node, ind)}`;
    case 'code': {
      // Developer-written chunks are re-indented to the current level; interpolated
      // expressions are already rendered at it.
      const chunk = (c: string): string => c.replace(/\n/g, '\n' + pad(ind));
      let out = chunk(n.chunks[0]!);
      n.exprs.forEach((e, i) => {
        out += atom(e.node, ind) + chunk(n.chunks[i + 1]!);
      });
      return out;
    }
  }
}

function formals(names: string[], ellipsis: boolean, ind: number): string {
  const all = ellipsis ? [...names, '...'] : names;
  if (all.length === 0) return '{ }:';
  const oneLine = `{ ${all.join(', ')} }:`;
  if (oneLine.length <= 80 && !oneLine.includes('\n')) return oneLine;
  return `{\n${all.map((a) => `${pad(ind + 1)}${a},`).join('\n')}\n${pad(ind)}}:`;
}

function binding(key: string, value: Node, ind: number): string {
  if (value.kind === 'comment') {
    return `${pad(ind)}# ${value.text}\n${binding(key, value.expr.node, ind)}`;
  }
  return `${pad(ind)}${attrName(key)} = ${r(value, ind)};`;
}

/** In an attribute set (never `rec` here) `x = x;` and `inherit x;` mean the same; print the latter. */
function attrBinding(key: string, value: Node, ind: number): string {
  if (value.kind === 'var' && value.name === key) return `${pad(ind)}inherit ${key};`;
  return binding(key, value, ind);
}
