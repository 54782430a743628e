// `node forward.mjs SOCKET HOST PORT`: listens on the unix socket SOCKET and forwards each
// connection to HOST:PORT. Run inside a network namespace (nsenter --net=…), it lets a test in
// the machine's own namespace reach a port that exists only in that namespace, through the
// filesystem, without giving the namespace a route to the outside.
import { createServer, connect } from 'node:net';
import { rmSync } from 'node:fs';

const [socket, host, port] = process.argv.slice(2);
rmSync(socket, { force: true });
const server = createServer((client) => {
  const upstream = connect(Number(port), host);
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
});
server.listen(socket);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
