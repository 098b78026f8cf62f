/**
 * Two Egiz processes on one PostgreSQL, with the NATS event bus (EGIZ_BUS=nats) on the real broker:
 * what one node commits reaches the WebSocket subscribers of the other, in revision order even when
 * both nodes write the same twin, and the other node's caches follow — a GET there shows the new
 * state, and a READ taken away by a policy change on one node is gone on the other at once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, dropSchema } from '../packages/server/src/search/search-stores.testkit.js';
import { startChild, type ChildServer } from './support/child-server.js';
import { basic } from './support/egiz-server.js';
import { SseTestClient } from './support/sse-client.js';
import { WsTestClient, type Frame } from './support/ws-client.js';

const NATS_URL = process.env.EGIZ_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const ALICE = 'alice:alice-pw';
const NS = 'org.egiz.nodes';

describe('two nodes on one PostgreSQL with the NATS event bus', () => {
  const tag = randomBytes(5).toString('hex');
  const schema = `egiz_nodes_${tag}`;
  let a: ChildServer;
  let b: ChildServer;

  beforeAll(async () => {
    const env = {
      EGIZ_STORE: `${PG_URL}?schema=${schema}`,
      EGIZ_USERS: `ditto:ditto,${ALICE}`,
      EGIZ_DEVOPS_PASSWORD: 'devops-pw',
      EGIZ_BUS: 'nats',
      EGIZ_NATS_URL: NATS_URL,
      EGIZ_NATS_SUBJECT: `egiz.test.${tag}`,
    };
    // One after the other: the first creates the schema.
    a = await startChild(env);
    b = await startChild(env);
  }, 40_000);

  afterAll(async () => {
    for (const child of [a, b]) {
      if (!child) continue;
      child.proc.kill('SIGTERM');
      await child.exited;
    }
    await dropSchema(schema);
  });

  const call = async (
    node: ChildServer,
    path: string,
    init: { method?: string; json?: unknown; auth?: string } = {},
  ): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${node.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: basic(init.auth ?? 'ditto:ditto'),
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  /** Creates `<NS>:<name>-<tag>` on node a with attribute n; returns its id. */
  const createOnA = async (name: string, n: number): Promise<string> => {
    const id = `${NS}:${name}-${tag}`;
    expect(
      (await call(a, `/api/2/things/${id}`, { method: 'PUT', json: { attributes: { n } } })).status,
    ).toBe(201);
    return id;
  };
  const isModified = (thingId: string) => (f: Frame) =>
    typeof f === 'object' &&
    f.topic === `${thingId.replace(':', '/')}/things/twin/events/modified` &&
    f.path === '/attributes/n';

  it('reports the bus in the health details', async () => {
    const res = await fetch(`${a.url}/status/health`, {
      headers: { authorization: basic('devops:devops-pw') },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { details: unknown }).details).toMatchObject({
      bus: { kind: 'nats', up: true },
    });
  });

  it("delivers one node's changes to the other node's subscribers, in revision order across writers", async () => {
    const id = await createOnA('shared', 0);
    const onA = await WsTestClient.connect(a.url);
    const onB = await WsTestClient.connect(b.url);
    try {
      await onA.control(`START-SEND-EVENTS?namespaces=${NS}`);
      await onB.control(`START-SEND-EVENTS?namespaces=${NS}`);
      // Alternate the node that writes: each write is answered once committed, so revisions rise.
      for (let n = 1; n <= 10; n++) {
        const node = n % 2 === 0 ? a : b;
        const r = await call(node, `/api/2/things/${id}/attributes/n`, { method: 'PUT', json: n });
        expect(r.status, `write ${n}`).toBe(204);
      }
      for (const ws of [onA, onB]) {
        const values: unknown[] = [];
        const revisions: number[] = [];
        for (let n = 1; n <= 10; n++) {
          const f = await ws.next(isModified(id), 5000, `event ${n}`);
          values.push(f.value);
          revisions.push(f.revision);
        }
        expect(values).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(revisions).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      }
    } finally {
      await onA.close();
      await onB.close();
    }
  });

  it("streams another node's changes over SSE, with the fields the stream asked for", async () => {
    const id = await createOnA('streamed', 1);
    const sse = await SseTestClient.open(`${b.url}/api/2/things?ids=${id}&fields=thingId,attributes`);
    try {
      // Node b registers the stream before it answers with the headers: node a may write now.
      expect(sse.response.status).toBe(200);
      expect((await call(a, `/api/2/things/${id}/attributes/n`, { method: 'PUT', json: 2 })).status).toBe(
        204,
      );
      expect(await sse.json((v) => v.thingId === id)).toEqual({ thingId: id, attributes: { n: 2 } });
    } finally {
      sse.close();
    }
  });

  it("shows another node's write on the next GET, although the Thing was cached", async () => {
    const id = await createOnA('cached', 1);
    const watcher = await WsTestClient.connect(b.url);
    try {
      await watcher.control(`START-SEND-EVENTS?namespaces=${NS}`);
      expect((await call(b, `/api/2/things/${id}/attributes/n`)).body).toBe(1); // now cached on b
      expect((await call(a, `/api/2/things/${id}/attributes/n`, { method: 'PUT', json: 2 })).status).toBe(
        204,
      );
      await watcher.next(isModified(id), 5000, 'the event on b');
      expect(await call(b, `/api/2/things/${id}/attributes/n`)).toEqual({ status: 200, body: 2 });
    } finally {
      await watcher.close();
    }
  });

  it('takes a READ away on the other node as soon as the policy change reaches it', async () => {
    const id = `${NS}:guarded-${tag}`;
    const owner = {
      subjects: { 'nginx:ditto': { type: 'owner' } },
      resources: {
        'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
        'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
      },
    };
    const reader = {
      subjects: { 'nginx:alice': { type: 'reader' } },
      resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
    };
    expect(
      (await call(a, `/api/2/policies/${id}`, { method: 'PUT', json: { entries: { owner, reader } } }))
        .status,
    ).toBe(201);
    expect(
      (await call(a, `/api/2/things/${id}`, { method: 'PUT', json: { policyId: id, attributes: { n: 1 } } }))
        .status,
    ).toBe(201);
    // Node b loads and caches the policy and its enforcer for alice's read.
    expect((await call(b, `/api/2/things/${id}`, { auth: ALICE })).status).toBe(200);
    expect((await call(a, `/api/2/policies/${id}/entries/reader`, { method: 'DELETE' })).status).toBe(204);
    const deadline = Date.now() + 3000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await call(b, `/api/2/things/${id}`, { auth: ALICE })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(404);
  });
  it('routes a message sent to one node to the device on the other, and its reply back', async () => {
    const id = await createOnA('device', 0);
    const device = await WsTestClient.connect(b.url);
    try {
      await device.control('START-SEND-MESSAGES');
      await device.control('START-SEND-LIVE-COMMANDS');
      const topic = `${id.replace(':', '/')}/things/live`;

      const asked = fetch(`${a.url}/api/2/things/${id}/inbox/messages/ask?timeout=5`, {
        method: 'POST',
        headers: {
          authorization: basic('ditto:ditto'),
          'content-type': 'text/plain',
          'correlation-id': `m-${tag}`,
        },
        body: 'are you there?',
      });
      const msg = await device.next((f) => typeof f === 'object' && f.topic === `${topic}/messages/ask`);
      expect(msg).toMatchObject({ value: 'are you there?', headers: { 'correlation-id': `m-${tag}` } });
      device.send({
        topic: msg.topic,
        path: '/outbox/messages/ask',
        headers: { 'correlation-id': `m-${tag}`, 'content-type': 'text/plain' },
        value: 'on node b',
        status: 200,
      });
      const answer = await asked;
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('on node b');

      const retrieved = call(a, `/api/2/things/${id}/attributes/n?channel=live&timeout=5`);
      const cmd = await device.next((f) => typeof f === 'object' && f.topic === `${topic}/commands/retrieve`);
      device.send({
        topic: cmd.topic,
        path: cmd.path,
        headers: { 'correlation-id': cmd.headers['correlation-id'] },
        value: 42,
        status: 200,
      });
      expect(await retrieved).toEqual({ status: 200, body: 42 }); // the device's value, not the twin's 0
    } finally {
      await device.close();
    }
  });

  it('aggregates a custom acknowledgement that a subscriber of the other node issues', async () => {
    const id = await createOnA('acked', 0);
    const label = `nodes:${tag}`;
    const subscriber = await WsTestClient.connect(b.url, { query: `declared-acks=${label}` });
    try {
      await subscriber.control(`START-SEND-EVENTS?namespaces=${NS}`);
      const pending = fetch(
        `${a.url}/api/2/things/${id}/attributes/n?requested-acks=twin-persisted,${label}&timeout=5s`,
        {
          method: 'PUT',
          headers: {
            authorization: basic('ditto:ditto'),
            'content-type': 'application/json',
            'correlation-id': `ack-${tag}`,
          },
          body: '7',
        },
      );
      const event = await subscriber.next(isModified(id), 5000, 'the event on b');
      expect(event.headers).toMatchObject({ 'correlation-id': `ack-${tag}`, 'requested-acks': [label] });
      subscriber.send({
        topic: String(event.topic).replace(/events\/\w+$/, `acks/${label}`),
        headers: { 'correlation-id': `ack-${tag}` },
        path: '/',
        status: 200,
        value: { seen: 'on node b' },
      });
      const res = await pending;
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        'twin-persisted': { status: 204 },
        [label]: { status: 200, payload: { seen: 'on node b' } },
      });
    } finally {
      await subscriber.close();
    }
  });

  it("delivers a device's live events to the other node's sessions, and times out where nobody answers", async () => {
    const id = await createOnA('emitter', 0);
    const app = await WsTestClient.connect(a.url);
    const device = await WsTestClient.connect(b.url);
    try {
      await app.control('START-SEND-LIVE-EVENTS');
      const topic = `${id.replace(':', '/')}/things/live/events/modified`;
      device.send({ topic, path: '/attributes/n', value: 5, headers: { 'correlation-id': `ev-${tag}` } });
      expect(await app.next((f) => typeof f === 'object' && f.topic === topic)).toMatchObject({
        path: '/attributes/n',
        value: 5,
        headers: { 'correlation-id': `ev-${tag}` },
      });
      // No device of either node asked for messages: the sender gets 408 after its timeout.
      const res = await fetch(`${b.url}/api/2/things/${id}/inbox/messages/nobody?timeout=1`, {
        method: 'POST',
        headers: { authorization: basic('ditto:ditto'), 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(408);
    } finally {
      await app.close();
      await device.close();
    }
  });
});

describe('a node whose NATS server cannot be reached', () => {
  it('does not start, and says which broker it could not reach', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'egiz-nats-down-'));
    try {
      const child = startChild({
        EGIZ_DATA_DIR: dataDir,
        EGIZ_BUS: 'nats',
        EGIZ_NATS_URL: 'nats://127.0.0.1:1',
      });
      await expect(child).rejects.toThrow(/exited \(1\)[\s\S]*could not connect to nats:\/\/127\.0\.0\.1:1/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 20_000);
});
