// The renderer owns layout: sorted keys, 2-space indent, trailing newline, valid Nix.
import { apply, attrs, comment, int, lambda, lambdaSet, letIn, list, nix, nul, relPath, select, str, strParts, v, NixEmitError } from '../../src/nix/ast.js';
import { render, renderInline } from '../../src/nix/render.js';
import { evalJson, parseNix } from '../helpers/nix.js';

describe('render', () => {
  it('sorts keys, indents by two spaces and ends with a newline', () => {
    const out = render(attrs({ b: int(2), a: attrs({ z: str('z'), 'y y': list([int(1), int(2)]) }) }));
    expect(out).toBe('{\n  a = {\n    "y y" = [ 1 2 ];\n    z = "z";\n  };\n  b = 2;\n}\n');
  });

  it('writes `inherit x;` for x = x in a plain set', () => {
    expect(renderInline(attrs({ pkgs: v('pkgs'), other: v('pkgs') }))).toBe('{\n  other = pkgs;\n  inherit pkgs;\n}');
  });

  it('parenthesises arguments that need it, including negative integers', async () => {
    const e = apply(v('f'), apply(v('g'), int(1)), int(-3), select(v('a'), 'b', 'in'));
    expect(renderInline(e)).toBe('f (g 1) (-3) a.b."in"');
    expect(await evalJson(`let f = x: y: z: [ x y z ]; g = n: n + 1; a = { b = { "in" = 5; }; }; in ${renderInline(e)}`)).toEqual([2, -3, 5]);
  });

  it('renders lambdas, let and comments as valid Nix', async () => {
    const e = comment(
      'a comment',
      letIn(
        [['x', int(1)]],
        apply(lambdaSet([{ name: 'a' }, { name: 'b', default: int(2) }], list([v('a'), v('b'), v('x')]), true), attrs({ a: int(0), c: nul })),
      ),
    );
    const source = render(e);
    await parseNix(source);
    expect(source.startsWith('# a comment\nlet\n')).toBe(true);
    expect(await evalJson(source)).toEqual([0, 2, 1]);
    expect(renderInline(lambda('ps', list([select(v('ps'), 'numpy')])))).toBe('ps: [ ps.numpy ]');
  });

  it('keeps raw code to developer text with NixExpr holes', async () => {
    const e = nix`if ${v('c')} then ${strParts('a', v('d'))} else ${relPath('./x.nix')}`;
    expect(await evalJson(`let c = true; d = "D"; in ${renderInline(e)}`)).toBe('aD');
    expect(() => nix`${'plain string' as never}`).toThrow(NixEmitError);
  });

  it('refuses path literals that could leave the generated directory', () => {
    expect(() => relPath('../x')).toThrow(NixEmitError);
    expect(() => relPath('./a/../b')).toThrow(NixEmitError);
    expect(() => relPath('/etc/passwd')).toThrow(NixEmitError);
    expect(() => relPath('./a b')).toThrow(NixEmitError);
    expect(renderInline(relPath('./assets/k/logo-64x64.png'))).toBe('./assets/k/logo-64x64.png');
  });

  it('refuses duplicate keys rather than letting one win', () => {
    expect(() => attrs([['a', int(1)], ['a', int(2)]])).toThrow(/duplicate attribute name "a"/);
  });
});
