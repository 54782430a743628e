// The runtime contract docker-stacks users expect (their docs/using/common.md), checked under a
// real Docker engine with an image built offline: start hooks run before the server as the
// container's user, and a failing one stops the container with its exit code and message
// (`docker wait`, `docker logs`); JUPYTER_PORT moves the server and the HEALTHCHECK follows it;
// the engine reports the container healthy within the start period; and no token is baked in
// (config, labels, and every file under /etc, the Jupyter config included).
//
// Also docker-stacks' generic image contract (issue 24) and the health probe's reliability
// (issue 23, item 3): their start-notebook.py/.sh and start-singleuser.py/.sh, the probe following
// --ServerApp.base_url, dual-stack listening, a token turned off by argument, a python3 kernel
// and an alias, an arbitrary uid with a name, nbconvert of a python3 notebook, the kernel
// allow-list holding for REST and nbconvert, and at most one live probe under CPU load.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { freePort } from '../../src/engine/test-runtimes.js';
import { HEALTHCHECK_TIMING } from '../../src/runtime/image.js';
import { execa, type ResultPromise } from 'execa';
import { buildImage, configCopy, docker, dockerOk, until } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-e2e-runtime-'));
const TAG = `rt${process.pid}`;
const REF = `nixlab-hooks:${TAG}`;
const LABEL = `nixlab.test=${process.pid}`;
let config: { Cmd: string[]; Env: string[]; Labels: Record<string, string>; Healthcheck: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number } };
const timings: Record<string, number> = {};

beforeAll(async () => {
  const tar = join(work, 'hooks.tar');
  await buildImage(configCopy('test/runtime/fixtures/hooks/nixlab.yaml', work, { tag: TAG }), tar, work);
  expect(await dockerOk(['load', '-i', tar])).toBe(`Loaded image: ${REF}`);
  config = JSON.parse(await dockerOk(['image', 'inspect', '-f', '{{json .Config}}', REF]));
}, 600_000);

afterAll(async () => {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  await docker(['rmi', REF]);
  process.stdout.write(`runtime e2e timings: ${JSON.stringify(timings)}\n`);
});

const run = (args: string[]) => docker(['run', '--label', LABEL, ...args]);

test("the image config has the HEALTHCHECK with nixlab's timing, run by busybox sh (no Python, no curl)", () => {
  const s = 1e9;
  expect(config.Healthcheck).toEqual({
    Test: ['CMD', expect.stringMatching(/^\/nix\/store\/[a-z0-9]{32}-busybox-[^/]+\/bin\/sh$/), '/etc/jupyter/nixlab_healthcheck.sh'],
    Interval: HEALTHCHECK_TIMING.intervalSeconds * s,
    Timeout: HEALTHCHECK_TIMING.timeoutSeconds * s,
    StartPeriod: HEALTHCHECK_TIMING.startPeriodSeconds * s,
    Retries: HEALTHCHECK_TIMING.retries,
  });
});

test('start hooks run in order as the container user (--user 4242:4242), then the command', async () => {
  const r = await run(['--rm', '--user', '4242:4242', REF, config.Cmd[0]!, '/bin/sh', '-c', 'echo "server would start"; cat /tmp/greeted']);
  // The image's /data belongs to its user (1000:100): the start says so in one line, and goes on.
  expect([r.exitCode, r.stderr]).toEqual([0, 'nixlab: /data (owned by 1000:100) is not writable by uid 4242: notebooks cannot be saved; fix: on the host, sudo chown -R 4242:4242 <the directory mounted at /data>, or docker run --user 1000:100']);
  expect(r.stdout).toBe('hook 10 ran as 4242\nhook 20 ran\nserver would start\ngreeted');
});

test('a failing hook stops the container: docker wait gives its exit code, docker logs its message', async () => {
  const id = (await run(['-d', '-e', 'FAIL_HOOK=1', REF])).stdout.trim();
  expect(await dockerOk(['wait', id])).toBe('3');
  const logs = await docker(['logs', id]);
  expect(logs.stdout).toBe('hook 10 ran as 1000');
  expect(logs.stderr).toBe('hook 20 refuses: FAIL_HOOK is set\nnixlab: start hook 02-20-maybe-fail.sh failed with exit code 3');
});

test('JUPYTER_PORT moves the server; the engine reports it healthy within the start period; regressions "the allow-list leaks" (REST, nbconvert, the native python3) and "no kernel is named python3"', async () => {
  const port = await freePort();
  const id = (await run(['-d', '--network', 'host', '-e', `JUPYTER_PORT=${port}`, '-e', 'NIXLAB_IP=127.0.0.1', '-e', 'JUPYTER_TOKEN=secret', REF])).stdout.trim();
  const server = new JupyterServer(`http://127.0.0.1:${port}`, 'secret');
  timings.serverUpMs = await server.waitUntilUp(120_000);
  expect((await server.request('/api/status')).status).toBe(200);
  const health = await until('healthy', (HEALTHCHECK_TIMING.startPeriodSeconds + 10) * 1000, async () => {
    const state = JSON.parse(await dockerOk(['inspect', '-f', '{{json .State}}', id])) as { StartedAt: string; Health: { Status: string; Log: { End: string; ExitCode: number }[] } };
    return state.Health.Status === 'healthy' ? state : undefined;
  });
  const firstOk = health.Health.Log.find((e) => e.ExitCode === 0)!;
  timings.healthyAfterMs = Date.parse(firstOk.End) - Date.parse(health.StartedAt);
  expect(timings.healthyAfterMs).toBeLessThan(HEALTHCHECK_TIMING.startPeriodSeconds * 1000);
  // The probe itself, as the engine runs it: exit 0 now; and, without the server's runtime file,
  // on a port nobody listens on, 1.
  expect((await docker(['exec', id, ...config.Healthcheck.Test.slice(1)])).exitCode).toBe(0);
  const wrong = await docker(['exec', '-e', 'JUPYTER_RUNTIME_DIR=/nonexistent', '-e', `JUPYTER_PORT=${await freePort()}`, id, ...config.Healthcheck.Test.slice(1)]);
  expect(wrong.exitCode).toBe(1);
  expect(wrong.stderr).toMatch(/^wget: can't connect to remote host \(127\.0\.0\.1\): Connection refused$/);

  // Kernels (issue 24, "the allow-list leaks" and "no kernel is named python3"): python3 is the
  // declared kernel, in its own environment (Python 3.11, not the server's 3.13); `py`, its
  // alias, starts the same; an undeclared name is refused with 404 over REST.
  expect(Object.keys(await server.kernelspecs())).toEqual(['python3']);
  for (const name of ['python3', 'py']) {
    const kernel = await server.startKernel(name, 120_000);
    const channels = await server.channels(kernel, 120_000);
    const r = await channels.execute('import sys; print(sys.executable, sys.version_info[:2])', 120_000);
    channels.close();
    expect([name, r.stdout]).toEqual([name, expect.stringMatching(/^\/nix\/store\/[a-z0-9]{32}-python3-3\.11\.[0-9]+-env\/bin\/python3(\.11)? \(3, 11\)\n$/)]);
    expect(await server.deleteKernel(kernel)).toBe(204);
  }
  // (`python` is not among them: jupyter_client renames it to python3, the declared kernel.)
  for (const name of ['ghost', 'python2']) {
    const r = await server.request('/api/kernels', { method: 'POST', body: { name } });
    expect([name, r.status]).toEqual([name, 404]);
  }

  // nbconvert --execute: a python3 notebook runs in the declared kernel; one asking for an
  // undeclared kernel fails, saying so; and with the declared kernelspecs out of reach
  // (JUPYTER_PATH elsewhere), python3 is refused rather than run by the server's own Python
  // (jupyter_client's "native kernel" fallback).
  const notebook = (kernel: string) =>
    JSON.stringify({ cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['import sys; print(sys.executable)'] }], metadata: { kernelspec: { display_name: kernel, language: 'python', name: kernel } }, nbformat: 4, nbformat_minor: 5 });
  for (const k of ['python3', 'ghost']) {
    writeFileSync(join(work, `${k}.ipynb`), notebook(k));
    await dockerOk(['cp', join(work, `${k}.ipynb`), `${id}:/tmp/${k}.ipynb`]);
  }
  const nbconvert = (file: string, env: string[] = []) => docker(['exec', ...env.flatMap((e) => ['-e', e]), id, 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--stdout', file]);
  const ok = await nbconvert('/tmp/python3.ipynb');
  expect(ok.exitCode).toBe(0);
  expect(ok.stdout).toMatch(/-python3-3\.11\.[0-9]+-env\/bin\/python3/);
  const ghost = await nbconvert('/tmp/ghost.ipynb');
  expect(ghost.exitCode).not.toBe(0);
  expect(ghost.stderr).toContain("nixlab: kernel 'ghost' is not declared in this environment (declared: python3, py (alias of python3))");
  const native = await nbconvert('/tmp/python3.ipynb', ['JUPYTER_PATH=/nonexistent']);
  expect(native.exitCode).not.toBe(0);
  expect(native.stderr).toContain("nixlab: kernel 'python3' is declared, but its kernelspec is in none of JUPYTER_PATH's kernels directories");
  expect(native.stdout).not.toMatch(/python3\.13/);

  // papermill (in every image; not a Jupyter application, so its bin/papermill loads the
  // allow-list itself: nix/papermill.py): a python3 notebook runs in the declared kernel and its
  // output cell is in the notebook papermill writes; one asking for an undeclared kernel fails,
  // naming it; with the kernelspecs out of reach python3 is refused, never the server's Python.
  const papermill = (file: string, env: string[] = []) => docker(['exec', ...env.flatMap((e) => ['-e', e]), id, 'papermill', file, '/tmp/out.ipynb']);
  const pmOk = await papermill('/tmp/python3.ipynb');
  expect([pmOk.exitCode, pmOk.stderr]).toEqual([0, expect.stringContaining('Executing notebook with kernel: python3')]);
  const out = JSON.parse(await dockerOk(['exec', id, 'cat', '/tmp/out.ipynb'])) as { cells: { outputs: { output_type: string; text?: string[] }[] }[] };
  expect(out.cells[0]!.outputs).toEqual([{ name: 'stdout', output_type: 'stream', text: [expect.stringMatching(/^\/nix\/store\/[a-z0-9]{32}-python3-3\.11\.[0-9]+-env\/bin\/python3(\.11)?\n$/)] }]);
  const pmGhost = await papermill('/tmp/ghost.ipynb');
  expect(pmGhost.exitCode).not.toBe(0);
  expect(pmGhost.stderr).toContain("nixlab.UndeclaredKernel: nixlab: kernel 'ghost' is not declared in this environment (declared: python3, py (alias of python3))");
  const pmNative = await papermill('/tmp/python3.ipynb', ['JUPYTER_PATH=/nonexistent']);
  expect(pmNative.exitCode).not.toBe(0);
  expect(pmNative.stderr).toContain("nixlab: kernel 'python3' is declared, but its kernelspec is in none of JUPYTER_PATH's kernels directories");
  await dockerOk(['stop', id]);
  expect(await dockerOk(['inspect', '-f', '{{.State.ExitCode}}', id])).toBe('0');
}, 420_000);

test('no token is baked in: not in Env or labels, and no file under /etc sets one', async () => {
  expect(config.Env.filter((e) => /TOKEN/i.test(e))).toEqual([]);
  expect(Object.entries(config.Labels).filter(([k, v]) => /token/i.test(k) || /token/i.test(v))).toEqual([]);
  // Every file under /etc (following /etc/jupyter into the store), read in the container.
  const script = [
    'import os, re',
    String.raw`pat = re.compile(r"(\btoken\s*=\s*['\"][^'\"]+|\"token\"\s*:\s*\"[^\"]+\"|JUPYTER_TOKEN=)")`,
    'n = 0',
    'for root, dirs, files in os.walk("/etc", followlinks=True):',
    '    for f in files:',
    '        p = os.path.join(root, f)',
    '        try: text = open(p, errors="replace").read()',
    '        except OSError: continue',
    '        n += 1',
    '        for m in pat.finditer(text): print("FOUND", p, m.group(0))',
    'print("files", n)',
  ].join('\n');
  const r = await run(['--rm', '--entrypoint', 'python3', REF, '-c', script]);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toMatch(/^files \d+$/);
  expect(Number(r.stdout.split(' ')[1])).toBeGreaterThan(5);
});

test('regressions "the health check ignores a base URL given on the command line", "an arbitrary uid has no name", "the server listens on IPv4 only", "nothing warns at start" (unwritable volume): start-notebook.py --ServerApp.base_url=/x, token off by argument, --user 4242:4242', async () => {
  const port = await freePort();
  const id = (await run(['-d', '--network', 'host', '--user', '4242:4242', '-e', `JUPYTER_PORT=${port}`, REF, 'start-notebook.py', '--ServerApp.base_url=/x', '--IdentityProvider.token='])).stdout.trim();
  // GET /x/api over IPv4 and IPv6 (the loopback of each): no token needed, none set.
  for (const host of ['127.0.0.1', '[::1]']) {
    const server = new JupyterServer(`http://${host}:${port}/x`, '');
    timings[`x up on ${host} ms`] = await server.waitUntilUp(180_000);
    expect((await server.request('/api/kernelspecs', { auth: false })).status).toBe(200);
  }
  // The probe found the base URL in the server's runtime file (nothing in the env names /x).
  await until('healthy', 60_000, async () => ((await dockerOk(['inspect', '-f', '{{.State.Health.Status}}', id])) === 'healthy' ? true : undefined), 500);
  // (That the uid has a name in what the server starts: the test after the next.)
  const logs = await docker(['logs', id]);
  expect(logs.stderr.split('\n').filter((l) => l.startsWith('nixlab:'))).toEqual([
    'nixlab: /data (owned by 1000:100) is not writable by uid 4242: notebooks cannot be saved; fix: on the host, sudo chown -R 4242:4242 <the directory mounted at /data>, or docker run --user 1000:100',
  ]);
  await dockerOk(['rm', '-f', id]);
}, 300_000);

test('regression "start-notebook.py … do not exist here: tini exits 127": start-notebook.sh and start-singleuser.py are on PATH; NOTEBOOK_ARGS and CLI args reach the command; --user 1010 gets a name', async () => {
  // The entry points exec the image's start (hooks, the uid's name), then the server with
  // NOTEBOOK_ARGS (split as a shell splits words) and then the command line's arguments: the
  // server refuses the option given twice, naming both values in that order.
  const r = await run(['--rm', '--user', '1010', '-e', 'DOCKER_STACKS_JUPYTER_CMD=nonesuch', REF, 'start-notebook.sh', '--x']);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain('nixlab: start-notebook.sh: this image has no jupyter-nonesuch (DOCKER_STACKS_JUPYTER_CMD=nonesuch); its server is server');
  const args = await run(['--rm', '--user', '1010', '-e', "NOTEBOOK_ARGS='--ServerApp.root_dir=/no such dir'", REF, 'start-notebook.sh', '--ServerApp.root_dir=/cli-dir']);
  expect(args.exitCode).not.toBe(0);
  expect(args.stderr).toContain("ServerApp.root_dir=['/no such dir', '/cli-dir']");
  expect(args.stdout).toContain('hook 10 ran as 1010');
  const single = await run(['--rm', REF, 'start-singleuser.py']);
  expect([single.exitCode, single.stderr]).toEqual([2, expect.stringContaining('nixlab: start-singleuser.py: this image has no JupyterHub single-user server')]);
  for (const [cmd, expected] of [['id', 'uid=1010(jovyan) gid=0(root) groups=0(root)'], ['whoami', 'jovyan']]) {
    const named = await run(['--rm', '--user', '1010', REF, 'nixlab-start', cmd]);
    expect([cmd, named.exitCode, named.stdout.split('\n').at(-1)]).toEqual([cmd, 0, expected]);
  }
}, 120_000);

test('regression "an arbitrary uid has no name", with /etc/passwd read-only: as --user 4242:4242 and --user 1010, a kernel the server starts sees the name (getpwuid, id, whoami) and git commits as it with no user.name', async () => {
  // The offline set's git (Debian's, on the store glibc), its closure mounted at its store paths:
  // the image has no git of its own on PATH. Its author name comes from getpwuid (the passwd
  // entry's name); without one git finds none and refuses to commit.
  const git = (await execa('nix-build', ['--no-out-link', 'offline', '-A', 'gitMinimal'])).stdout.trim();
  const closure = (await execa('nix-store', ['-qR', git])).stdout.split('\n').filter(Boolean);
  const mounts = closure.flatMap((p) => ['-v', `${p}:${p}:ro`]);
  const commit = `cd "$(mktemp -d)" && ${git}/bin/git init -q && echo x > f && ${git}/bin/git add f && ${git}/bin/git -c user.email=someone@example.org commit -qm m && ${git}/bin/git log -1 --format='%an <%ae>'`;
  const code = [
    'import getpass, os, pwd, subprocess',
    'run = lambda *a: subprocess.run(a, capture_output=True, text=True).stdout',
    'print(getpass.getuser(), pwd.getpwuid(os.getuid()).pw_dir)',
    `print(run("id") + run("whoami") + run("ls", "-l", "/etc/passwd", "/etc/group") + run("sh", "-c", ${JSON.stringify(commit)}), end="")`,
  ].join('\n');
  for (const [user, ids] of [['4242:4242', 'uid=4242(jovyan) gid=4242(jovyan) groups=4242(jovyan)'], ['1010', 'uid=1010(jovyan) gid=0(root) groups=0(root)']]) {
    const port = await freePort();
    const id = (await run(['-d', '--network', 'host', '--user', user, '-e', `JUPYTER_PORT=${port}`, '-e', 'NIXLAB_IP=127.0.0.1', '-e', 'JUPYTER_TOKEN=secret', ...mounts, REF])).stdout.trim();
    const server = new JupyterServer(`http://127.0.0.1:${port}`, 'secret');
    await server.waitUntilUp(120_000);
    const kernel = await server.startKernel('python3', 120_000);
    const channels = await server.channels(kernel, 120_000);
    const who = await channels.execute(code, 120_000);
    channels.close();
    expect([user, who.status, who.errors, who.stdout.replace(/ +/g, ' ').split('\n')]).toEqual([
      user,
      'ok',
      [],
      [
        'jovyan /home/jovyan',
        ids,
        'jovyan',
        expect.stringMatching(/^-rw-r--r-- 1 root root \d+ Jan 1 1970 \/etc\/group$/),
        expect.stringMatching(/^-rw-r--r-- 1 root root \d+ Jan 1 1970 \/etc\/passwd$/),
        'jovyan <someone@example.org>',
        '',
      ],
    ]);
    // docker exec does not run the start (no nss_wrapper): there the same uid has no name, and
    // git refuses to commit.
    const bare = await docker(['exec', id, 'sh', '-c', commit]);
    expect([user, bare.exitCode, bare.stderr]).toEqual([user, 128, expect.stringContaining("fatal: unable to auto-detect name (got 'Unknown')")]);
    await dockerOk(['rm', '-f', id]);
  }
}, 600_000);

// Issue 23, item 3 ("Health checks pile up under CPU contention"): with every core busy (stress)
// and Docker probing every 500 ms with a 200 ms timeout, far more often than the image's own
// timing, the container never holds more than one live probe (one making a request: wget), a
// probe that finds it running exits at once (a few probe processes at most, where the Python
// probe piled up 25-60), and the server still comes up.
// Run as root (--user 0:0): the server starts with --allow-root and says so in one line.
test('regressions "health checks pile up under CPU contention" and "running as root is not recommended": at most one live probe under stress and against a stalled server, and the server comes up as root', async () => {
  const port = await freePort();
  const stress: ResultPromise[] = [execa('stress', ['--cpu', '8', '--timeout', '600'], { reject: false })];
  try {
    const id = (
      await run(['-d', '--network', 'host', '--user', '0:0', '--health-interval', '500ms', '--health-timeout', '200ms', '-e', `JUPYTER_PORT=${port}`, '-e', 'JUPYTER_TOKEN=secret', REF])
    ).stdout.trim();
    const server = new JupyterServer(`http://127.0.0.1:${port}`, 'secret');
    let most = 0;
    let mostProcesses = 0;
    let samples = 0;
    // Counted in the container's /proc: requests are wget processes; probe processes run the
    // probe script and have a parent that does not (its own $(…) subshells run the same script).
    // `[c]`: the pattern does not match this counter's own command line.
    const script = [
      'for d in /proc/[0-9]*; do',
      '  [ "$(cat $d/comm 2>/dev/null)" = wget ] && echo request',
      '  grep -q "nixlab_health[c]heck" $d/cmdline 2>/dev/null || continue',
      '  pp=$(sed -n "s/^PPid:[[:space:]]*//p" $d/status 2>/dev/null)',
      '  grep -q "nixlab_health[c]heck" /proc/$pp/cmdline 2>/dev/null || echo probe',
      'done',
    ].join('\n');
    const count = async () => {
      const r = await docker(['exec', id, '/bin/sh', '-c', script]);
      if (r.exitCode === 0) {
        samples++;
        const lines = r.stdout.split('\n');
        most = Math.max(most, lines.filter((l) => l === 'request').length);
        mostProcesses = Math.max(mostProcesses, lines.filter((l) => l === 'probe').length);
      }
    };
    const up = server.waitUntilUp(600_000);
    let done = false;
    void up.finally(() => (done = true)).catch(() => undefined);
    while (!done) await count();
    timings['up under stress ms'] = await up;
    for (let i = 0; i < 10; i++) await count();
    timings['probe samples'] = samples;
    timings['most live probes'] = most;
    timings['most probe processes'] = mostProcesses;
    expect(samples).toBeGreaterThan(5);
    expect(most).toBeLessThanOrEqual(1);
    expect(mostProcesses).toBeLessThanOrEqual(3);

    // A server that accepts connections but never answers (stopped with SIGSTOP): every probe
    // hangs until its own deadline, Docker gives up on each after 200 ms and starts another every
    // 500 ms. Without the lock they would pile up; with it, one request is in flight at a time,
    // and the others exit at once.
    const serverPid = "sed -n 's/^ *\"pid\": *\\([0-9]*\\).*/\\1/p' /tmp/jupyter/runtime/jpserver-*.json";
    await dockerOk(['exec', id, '/bin/sh', '-c', `kill -STOP $(${serverPid})`]);
    most = 0;
    mostProcesses = 0;
    samples = 0;
    const stalledUntil = Date.now() + 20_000;
    while (Date.now() < stalledUntil) await count();
    timings['stalled: samples'] = samples;
    timings['stalled: most live probes'] = most;
    timings['stalled: most probe processes'] = mostProcesses;
    expect(samples).toBeGreaterThan(3);
    expect(most).toBe(1);
    expect(mostProcesses).toBeLessThanOrEqual(3);
    expect(await dockerOk(['inspect', '-f', '{{.State.Health.Status}}', id])).toBe('unhealthy');
    await dockerOk(['exec', id, '/bin/sh', '-c', `kill -CONT $(${serverPid})`]);
    await until('healthy again', 120_000, async () => ((await dockerOk(['inspect', '-f', '{{.State.Health.Status}}', id])) === 'healthy' ? true : undefined), 500);
    const logs = await docker(['logs', id]);
    expect(logs.stderr).toContain('nixlab: running as root (uid 0): the server runs with --allow-root');
    await dockerOk(['rm', '-f', id]);
  } finally {
    for (const s of stress) s.kill('SIGKILL');
  }
}, 700_000);
