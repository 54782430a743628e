// Starts a Jupyter server image on the engine at DOCKER_HOST (unix socket) as `nixlab test` does
// (a fresh JUPYTER_TOKEN, a network of its own, port 8888 published on 127.0.0.1) and times, from T0 (epoch ms, taken
// by the caller before it built and loaded the image), two things at once: the engine reporting
// the container healthy (its HEALTHCHECK, probed every few seconds), and the first answer of a
// kernel (kernelspecs, start the kernel, its websocket, kernel_info_reply). Removes the
// container. Prints one JSON line: {"healthy": s, "answer": s} since T0.
//   node bench/first-answer.mjs IMAGE T0_MS [KERNEL]
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { JupyterServer } from '../dist/src/engine/kernel-client.js';

const [image, t0arg, kernelArg] = process.argv.slice(2);
const t0 = Number(t0arg);
const socketPath = (process.env.DOCKER_HOST ?? '').replace(/^unix:\/\//, '');
if (!image || !Number.isFinite(t0) || !socketPath.startsWith('/')) throw new Error('usage: DOCKER_HOST=unix:///… node bench/first-answer.mjs IMAGE T0_MS [KERNEL]');

/** One request to the engine's API; resolves to the parsed JSON (or null) and the status. */
function engine(method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request({ socketPath, method, path, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode >= 400) return reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        resolve(text ? JSON.parse(text) : null);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const since = () => (Date.now() - t0) / 1000;

const token = randomBytes(16).toString('hex');
// A network of its own, as `nixlab test` makes (the private engines have no default bridge).
const network = `bench-${token.slice(0, 8)}`;
await engine('POST', '/networks/create', { Name: network });
const { Id: id } = await engine('POST', '/containers/create', {
  Image: image,
  Env: [`JUPYTER_TOKEN=${token}`],
  ExposedPorts: { '8888/tcp': {} },
  HostConfig: { NetworkMode: network, PortBindings: { '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
});
try {
  await engine('POST', `/containers/${id}/start`);
  const info = await engine('GET', `/containers/${id}/json`);
  const port = info.NetworkSettings.Ports['8888/tcp'][0].HostPort;
  const healthy = (async () => {
    for (;;) {
      const s = (await engine('GET', `/containers/${id}/json`)).State;
      if (s.Health?.Status === 'healthy') return since();
      if (!s.Running) throw new Error(`the container exited (${s.ExitCode})`);
      await sleep(100);
    }
  })();
  const answer = (async () => {
    const server = new JupyterServer(`http://127.0.0.1:${port}`, token);
    let specs;
    for (;;) {
      specs = await server.kernelspecs().catch(() => null);
      if (specs) break;
      await sleep(50);
    }
    const name = kernelArg && specs[kernelArg] ? kernelArg : Object.keys(specs).sort()[0];
    const channels = await server.channels(await server.startKernel(name));
    await channels.kernelInfo();
    const t = since();
    channels.close?.();
    return t;
  })();
  const [h, a] = await Promise.all([healthy, answer]);
  console.log(JSON.stringify({ healthy: h, answer: a }));
} finally {
  await engine('DELETE', `/containers/${id}?force=true&v=true`).catch(() => undefined);
  await engine('DELETE', `/networks/${network}`).catch(() => undefined);
}
process.exit(0);
