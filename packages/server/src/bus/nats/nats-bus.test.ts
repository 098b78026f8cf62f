/**
 * @module The NATS event bus against the real broker on 127.0.0.1:4222 (started by .ci/run): the
 * bus contract with publisher and subscriber on two connections (two "nodes"), then what only a
 * broker bus has to do — leave the local clock reading behind, keep revision order when two nodes
 * publish one twin's revisions out of order, drop what is not a bus message, fail clearly when the
 * broker cannot be reached.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ThingEvent } from '@egiz/core';
import { runBusContract } from '../bus-contract.testkit.js';
import type { BusMessage } from '../port.js';
import { NatsBus, type DropReason } from './nats-bus.js';

const URL = process.env.EGIZ_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const subject = () => `egiz.test.${randomBytes(6).toString('hex')}`;

runBusContract(
  'nats',
  async () => {
    const s = subject();
    const publisher = new NatsBus({ url: URL, subject: s });
    const subscriber = new NatsBus({ url: URL, subject: s });
    await Promise.all([publisher.open(), subscriber.open()]);
    return { publisher, subscriber };
  },
  // Messages cross a broker: what must not arrive is watched for longer than in one process.
  { quietMs: 250 },
);

function thing(thingId: string, revision: number, committedAt?: number): BusMessage {
  const event: ThingEvent = {
    type: 'things.events:attributeModified',
    action: 'modified',
    thingId,
    path: '/attributes/n',
    value: revision,
    revision,
    timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, revision)).toISOString(),
  };
  return { kind: 'thing', event, policyId: thingId, ...(committedAt !== undefined ? { committedAt } : {}) };
}

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('NatsBus', () => {
  const opened: NatsBus[] = [];
  const node = async (s: string, extra: { onDropped?: (r: DropReason) => void; holdMs?: number } = {}) => {
    const bus = new NatsBus({ url: URL, subject: s, ...extra });
    await bus.open();
    opened.push(bus);
    return bus;
  };
  afterEach(async () => {
    for (const bus of opened.splice(0)) await bus.close();
  });

  it('gives local subscribers the commit time and other nodes the message without it', async () => {
    const s = subject();
    const a = await node(s);
    const b = await node(s);
    expect(a.connected()).toBe(true);
    const local: BusMessage[] = [];
    const remote: BusMessage[] = [];
    a.subscribe((m) => local.push(m));
    b.subscribe((m) => remote.push(m));
    const sent = thing('org.egiz:clock', 1, 1234.5);
    a.publish([sent]);
    expect(local).toEqual([sent]); // synchronously, before any broker round trip
    await until(() => remote.length === 1, 'the remote copy');
    const { committedAt: _dropped, ...withoutClock } = sent as Extract<BusMessage, { kind: 'thing' }>;
    expect(remote).toEqual([withoutClock]);
    // No echo: the publishing node did not get its own message a second time from the broker.
    await new Promise((r) => setTimeout(r, 100));
    expect(local).toHaveLength(1);
  });

  it('keeps revision order when two nodes publish one twin out of order', async () => {
    const s = subject();
    const a = await node(s);
    const b = await node(s);
    // A long hold, so that a slow machine cannot turn the wait for revision 2 into a given-up gap.
    const c = await node(s, { holdMs: 10_000 });
    const seen: number[] = [];
    c.subscribe((m) => {
      if (m.kind === 'thing' && m.event.thingId === 'org.egiz:shared') seen.push(m.event.revision);
    });
    a.publish([thing('org.egiz:shared', 1)]);
    await until(() => seen.length === 1, 'revision 1');
    const markers: string[] = [];
    c.subscribe((m) => {
      if (m.kind === 'thing' && m.event.thingId === 'org.egiz:marker') markers.push(m.event.thingId);
    });
    // Node b commits revision 3 after node a committed 2, but b's message reaches the broker first.
    b.publish([thing('org.egiz:shared', 3), thing('org.egiz:marker', 1)]);
    // b's marker came after its revision 3: once c has the marker, c has held revision 3.
    await until(() => markers.length === 1, "b's marker");
    expect(seen).toEqual([1]); // 3 waits for 2
    a.publish([thing('org.egiz:shared', 2)]);
    await until(() => seen.length === 3, 'revisions 2 and 3');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('drops what is not a bus message, counts it, and keeps delivering', async () => {
    const s = subject();
    const drops: DropReason[] = [];
    const b = await node(s, { onDropped: (r) => drops.push(r) });
    const a = await node(s);
    const got: BusMessage[] = [];
    b.subscribe((m) => got.push(m));
    const raw = await connect({ servers: URL });
    try {
      raw.publish(`${s}.things.org`, 'not json');
      raw.publish(`${s}.things.org`, JSON.stringify({ kind: 'thing', event: { thingId: 'x' } }));
      raw.publish(
        `${s}.things.org`,
        JSON.stringify({ ...thing('org.egiz:clock', 1), committedAt: 5 }), // a clock reading never travels
      );
      await raw.flush();
    } finally {
      await raw.close();
    }
    a.publish([thing('org.egiz:after', 1)]);
    await until(() => got.length === 1, 'the valid message');
    expect(got.map((m) => (m.kind === 'thing' ? m.event.thingId : ''))).toEqual(['org.egiz:after']);
    expect(drops).toEqual(['malformed', 'malformed', 'malformed']);
  });

  it('relays live signals to the other nodes only, and a reply or an ack to the node it is for only', async () => {
    const s = subject();
    const drops: DropReason[] = [];
    const a = await node(s);
    const b = await node(s, { onDropped: (r) => drops.push(r) });
    const c = await node(s);
    const signals: Record<string, unknown[]> = { a: [], b: [], c: [] };
    const replies: Record<string, unknown[]> = { a: [], b: [], c: [] };
    for (const [name, bus] of Object.entries({ a, b, c })) {
      bus.relay.onSignal((sig) => signals[name]?.push(sig));
      bus.relay.onReply((cid, request, reply) => replies[name]?.push([cid, request, reply]));
    }
    const signal = {
      kind: 'message' as const,
      node: a.relay.node,
      body: { correlationId: 'c-1', timeoutMs: 1000 },
    };
    a.relay.broadcast(signal);
    await until(() => signals.b?.length === 1 && signals.c?.length === 1, 'the signal on b and c');
    expect(signals.b).toEqual([signal]);
    b.relay.reply(a.relay.node, 'c-1', 'r-1', { status: 200, headers: {} });
    await until(() => replies.a?.length === 1, 'the reply on a');
    expect(replies.a).toEqual([['c-1', 'r-1', { status: 200, headers: {} }]]);
    const acks: Record<string, unknown[]> = { a: [], b: [], c: [] };
    for (const [name, bus] of Object.entries({ a, b, c }))
      bus.relay.onAck((cid, label, result) => acks[name]?.push([cid, label, result]));
    c.relay.ack(a.relay.node, 'c-1', 'my:ack', { status: 200 });
    await until(() => acks.a?.length === 1, 'the ack on a');
    expect(acks.a).toEqual([['c-1', 'my:ack', { status: 200 }]]);
    const raw = await connect({ servers: URL });
    try {
      raw.publish(`${s}.live.signals`, JSON.stringify({ kind: 'teleport', node: 'x', body: {} }));
      raw.publish(`${s}.live.replies.${b.relay.node}`, 'not json');
      await raw.flush();
    } finally {
      await raw.close();
    }
    await until(() => drops.length === 2, 'two dropped live payloads');
    await new Promise((r) => setTimeout(r, 50));
    expect(signals.a).toEqual([]); // the sender does not get its own signal
    expect(replies.b).toEqual([]);
    expect(replies.c).toEqual([]);
    expect([acks.b, acks.c]).toEqual([[], []]);
    expect(drops).toEqual(['malformed', 'malformed']);
  });

  it('opens once however often it is asked, and a close during the opening closes what it opened', async () => {
    const s = subject();
    const bus = new NatsBus({ url: URL, subject: s });
    expect(bus.connected()).toBe(false);
    const opening = bus.open();
    expect(bus.open()).toBe(opening);
    const got: BusMessage[] = [];
    bus.subscribe((m) => got.push(m));
    await bus.close();
    await opening;
    expect(bus.connected()).toBe(false);
    const other = await node(s);
    other.publish([thing('org.egiz:after-close', 1)]);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
  });

  it('refuses to open, with the address in the message, when no broker answers', async () => {
    const bus = new NatsBus({ url: 'nats://127.0.0.1:1', subject: subject(), connectTimeoutMs: 2000 });
    await expect(bus.open()).rejects.toThrow(/NATS event bus could not connect to nats:\/\/127\.0\.0\.1:1/);
  });
});
