/**
 * @module Baseline for the WebSocket scenarios: a raw `ws` server (the same ws Egiz depends on),
 * behind a bare node:http server. It is the ceiling for message round trips and deliveries on this
 * machine, driven by the same generators as Egiz's /ws/2:
 *   - every text message is sent straight back (WebSocket modify: answers matched by correlation-id);
 *   - "START-SEND-EVENTS" is acknowledged with "START-SEND-EVENTS:ACK" and subscribes the session;
 *   - PUT /api/2/things/:id/features/:f/properties/:p broadcasts a Ditto-shaped `modified` event with
 *     the body as value to every subscriber, then answers 204 (event fan-out);
 *   - GET /ready answers 200.
 *
 * Env: BASELINE_PORT (0 = any). Prints "baseline listens on http://127.0.0.1:<port>".
 */
import process from 'node:process';
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { loadWs } from '../lib/server-deps.js';

const { WebSocketServer } = loadWs();
const PROPERTY = /^\/api\/2\/things\/([^/:]+):([^/]+)\/features\/([^/]+)\/properties\/([^?]+)$/;
const subscribers = new Set();
let revision = 0;

const server = http.createServer((req, res) => {
  if (req.url === '/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP"}');
    return;
  }
  const m = req.method === 'PUT' ? PROPERTY.exec(req.url ?? '') : null;
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    revision += 1;
    const [, namespace, name, feature, prop] = m;
    const event = JSON.stringify({
      topic: `${namespace}/${name}/things/twin/events/modified`,
      headers: { 'content-type': 'application/json' },
      path: `/features/${feature}/properties/${prop}`,
      value: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      revision,
    });
    for (const ws of subscribers) ws.send(event);
    res.writeHead(204).end();
  });
});

const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (!isBinary && data.length === 17 && data.toString() === 'START-SEND-EVENTS') {
      subscribers.add(ws);
      ws.send('START-SEND-EVENTS:ACK');
      return;
    }
    ws.send(data, { binary: isBinary });
  });
  ws.on('close', () => subscribers.delete(ws));
});

const stop = () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

server.listen(Number(process.env.BASELINE_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`baseline listens on http://127.0.0.1:${port}\n`);
});
