// Every failure reaches the user typed: a bug nobody anticipated is an InternalError (exit 70)
// that says it is a bug and how to report it, never a bare stack trace with exit 1.
import { InternalError, REPORT_BUG, ToolError, UserError, asNixlabError } from '../src/errors.js';

describe('errors', () => {
  it('an InternalError says it is a bug in nixlab and how to report it', () => {
    const e = new InternalError('layer planner returned /nix/store/x twice');
    expect(e.exitCode).toBe(70);
    expect(e.message).toBe('nixlab bug: layer planner returned /nix/store/x twice');
    expect(e.suggestions).toEqual([REPORT_BUG]);
    expect(REPORT_BUG).toMatch(/DEBUG=1/);
  });

  it('asNixlabError keeps nixlab errors as they are', () => {
    const user = new UserError({ where: 'nixlab.yaml:$.kernels', message: 'must not be empty', hint: 'declare a kernel' });
    const tool = new ToolError('nix-build x', 1, ['boom'], 'building');
    expect(asNixlabError(user)).toBe(user);
    expect(asNixlabError(tool)).toBe(tool);
  });

  it('asNixlabError turns a plain Error (an unanticipated invariant) into an InternalError with its stack', () => {
    const plain = new Error('the image root manifest has no "env" link');
    const e = asNixlabError(plain);
    expect(e).toBeInstanceOf(InternalError);
    expect(e.exitCode).toBe(70);
    expect(e.message).toContain('the image root manifest has no "env" link');
    expect(e.stack).toBe(plain.stack);
    expect(asNixlabError('a string').message).toBe('nixlab bug: a string');
  });
});
