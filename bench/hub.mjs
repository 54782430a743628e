// Times a hub deployment made by `nixlab hub` (bench/hub.sh runs it in the deployment
// directory, with NIXLAB_HUB_PORT and NIXLAB_HUB_API_TOKEN set): `docker-compose up -d` until
// the first user's kernel answers, then a second user's spawn (POST .../server until ready).
// Prints one JSON line.
import { execFileSync } from 'node:child_process';
import { JupyterServer } from '../dist/src/engine/kernel-client.js';

const [dir] = process.argv.slice(2);
const port = process.env.NIXLAB_HUB_PORT;
const token = process.env.NIXLAB_HUB_API_TOKEN;
const base = `http://127.0.0.1:${port}`;
const api = async (path, method = 'GET') => {
  const r = await fetch(`${base}/hub/api${path}`, { method, headers: { Authorization: `token ${token}` }, signal: AbortSignal.timeout(20000) });
  const t = await r.text();
  return { status: r.status, body: t ? JSON.parse(t) : null };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(f) {
  for (;;) {
    if (await f().catch(() => false)) return;
    await sleep(100);
  }
}
async function spawn(user) {
  await api(`/users/${user}`, 'POST');
  await api(`/users/${user}/server`, 'POST');
  await until(async () => (await api(`/users/${user}`)).body.servers['']?.ready === true);
}
// AbortSignal.timeout's timer does not keep node running; this does, until the end.
const keep = setInterval(() => {}, 1000);
const t0 = Date.now();
execFileSync('docker-compose', ['up', '-d'], { cwd: dir, stdio: 'ignore' });
await until(async () => (await fetch(`${base}/hub/api`, { signal: AbortSignal.timeout(5000) })).status === 200);
const hubUp = Date.now() - t0;
await spawn('first');
const server = new JupyterServer(`${base}/user/first`, token);
const name = Object.keys(await server.kernelspecs())[0];
const ch = await server.channels(await server.startKernel(name));
await ch.kernelInfo();
const firstKernel = Date.now() - t0;
ch.close();
const t1 = Date.now();
await spawn('second');
const secondSpawn = Date.now() - t1;
clearInterval(keep);
console.log(JSON.stringify({ hubUpMs: hubUp, firstKernelAnswerMs: firstKernel, secondSpawnMs: secondSpawn }));
