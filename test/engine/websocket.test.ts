// The node-only WebSocket client against an independent server implementation (the `ws`
// package's WebSocketServer, a devDependency): handshake and accept key, text both ways at
// every length encoding, fragmented messages, ping/pong, the closing handshake, and a refused
// upgrade reported with the server's status.
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { WebSocketClient, WebSocketError } from '../../src/engine/websocket.js';

let http: Server;
let wss: WebSocketServer;
let url: string;
const onConnection: Array<(ws: WebSocket, path: string) => void> = [];

beforeAll(async () => {
  http = createServer((_req, res) => res.writeHead(403).end('{"message": "Forbidden"}'));
  wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    if (req.headers.authorization !== 'token s3cret') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n{"message": "Forbidden"}');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection.shift()?.(ws, req.url ?? ''));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `ws://127.0.0.1:${(http.address() as { port: number }).port}`;
});

afterAll(async () => {
  wss.close();
  await new Promise((r) => http.close(r));
});

const auth = { headers: { Authorization: 'token s3cret' } };

it('echoes text of every length encoding (7-bit, 16-bit, 64-bit) and keeps UTF-8 intact', async () => {
  onConnection.push((ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  const client = await WebSocketClient.connect(`${url}/echo?x=1`, auth);
  const got: string[] = [];
  client.onText = (t) => got.push(t);
  const messages = ['hi', 'é✓'.repeat(50), 'x'.repeat(70_000), 'y'.repeat(125), 'z'.repeat(126), 'w'.repeat(65_535), 'v'.repeat(65_536)];
  for (const m of messages) client.sendText(m);
  for (let i = 0; i < 200 && got.length < messages.length; i++) await new Promise((r) => setTimeout(r, 10));
  expect(got).toEqual(messages);
  const closed = new Promise<Error | undefined>((r) => (client.onClose = r));
  client.close();
  expect(await closed).toBeUndefined();
});

it('joins fragmented messages, answers pings, and follows a close the server starts', async () => {
  let pong: Promise<Buffer> | undefined;
  onConnection.push((ws) => {
    ws.send('frag-', { fin: false });
    ws.send('ment-', { fin: false });
    ws.send('ed', { fin: true });
    pong = new Promise((r) => ws.once('pong', r));
    ws.ping('are you there');
    setTimeout(() => ws.close(1000, 'bye'), 100);
  });
  const client = await WebSocketClient.connect(`${url}/frag`, auth);
  const got: string[] = [];
  client.onText = (t) => got.push(t);
  const closed = await new Promise<Error | undefined>((r) => (client.onClose = r));
  expect(closed).toBeUndefined();
  expect(got).toEqual(['frag-ment-ed']);
  expect((await pong!).toString()).toBe('are you there');
});

it('reports a refused upgrade with the status and body', async () => {
  const err = await WebSocketClient.connect(`${url}/nope`).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WebSocketError);
  expect((err as WebSocketError).status).toBe(403);
  expect((err as Error).message).toBe('/nope: the server answered 403 instead of switching to a websocket: {"message": "Forbidden"}');
});

it('refuses wss:// (the Jupyter servers it talks to are on 127.0.0.1)', () => {
  expect(() => WebSocketClient.connect('wss://example.invalid/')).toThrow('only ws:// URLs are supported');
});
