/**
 * @module LiveRouter between nodes, over an in-memory relay (the NATS relay itself is tested against
 * the real broker in bus/nats; end to end in test/multi-node-nats.test.ts). What matters here is the
 * router's bookkeeping: a reply goes back only to the very request it answers, even when clients on
 * different nodes chose the same correlation-id.
 */
import { describe, expect, it } from 'vitest';
import { compileEnforcer, type DittoEnvelope, type JsonObject, type ThingState } from '@egiz/core';
import type { LiveRelay, RelayedLive } from '../bus/port.js';
import { LiveRouter, type LiveSink } from './live-router.js';
import { compileSelector } from './stream-selector.js';

class Hub {
  readonly relays: MemoryRelay[] = [];
  relay(): MemoryRelay {
    const r = new MemoryRelay(this, `${this.relays.length}`.padStart(32, '0'));
    this.relays.push(r);
    return r;
  }
}

class MemoryRelay implements LiveRelay {
  readonly signals = new Set<(s: RelayedLive) => void>();
  readonly replies = new Set<(cid: string, request: string, reply: JsonObject) => void>();
  constructor(
    private readonly hub: Hub,
    readonly node: string,
  ) {}
  broadcast(signal: RelayedLive): void {
    const copy = JSON.parse(JSON.stringify(signal)) as RelayedLive;
    for (const r of this.hub.relays) if (r !== this) for (const h of r.signals) queueMicrotask(() => h(copy));
  }
  onSignal(handler: (s: RelayedLive) => void): () => void {
    this.signals.add(handler);
    return () => this.signals.delete(handler);
  }
  reply(node: string, cid: string, request: string, reply: JsonObject): void {
    const target = this.hub.relays.find((r) => r.node === node);
    for (const h of target?.replies ?? [])
      queueMicrotask(() => h(cid, request, JSON.parse(JSON.stringify(reply))));
  }
  onReply(handler: (cid: string, request: string, reply: JsonObject) => void): () => void {
    this.replies.add(handler);
    return () => this.replies.delete(handler);
  }
}

const policy = {
  policyId: 'ns:p',
  entries: {
    all: {
      subjects: { 'nginx:u': { type: 'user' } },
      resources: {
        'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
        'message:/': { grant: ['READ', 'WRITE'], revoke: [] },
      },
    },
  },
};
const enforcer = compileEnforcer(policy);
const state = (thingId: string): ThingState => ({
  thingId,
  revision: 1,
  created: '2026-01-01T00:00:00Z',
  modified: '2026-01-01T00:00:00Z',
  deleted: false,
  thing: { thingId, policyId: 'ns:p', attributes: { secret: `secret of ${thingId}` } },
});
const router = (relay: MemoryRelay) =>
  new LiveRouter({ loadThing: (id) => Promise.resolve(state(id)), enforcer: () => enforcer, relay });
const auth = { subjects: ['nginx:u'], primary: 'nginx:u' };

/** A device session: records the live commands it gets. */
function device(r: LiveRouter, id: string): DittoEnvelope[] {
  const got: DittoEnvelope[] = [];
  const sink: LiveSink = {
    id,
    stream: 'LIVE_COMMANDS',
    selector: compileSelector({}, () => new Date()),
    subjects: () => ['nginx:u'],
    deliver: (e) => got.push(e) > 0,
  };
  r.add(sink);
  return got;
}

const retrieve = (thingId: string, correlationId: string, timeoutMs = 2000) => ({
  thingId,
  action: 'retrieve' as const,
  path: '/attributes/secret',
  resource: { kind: 'thing' as const, pointer: ['attributes', 'secret'] },
  headers: {},
  correlationId,
  auth,
  timeoutMs,
});

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
};

describe('LiveRouter over a relay', () => {
  it('sends a reply only to the request it answers when clients on two nodes chose one correlation-id', async () => {
    const hub = new Hub();
    const [a, b, c] = [router(hub.relay()), router(hub.relay()), router(hub.relay())];
    const gateway = device(b, 'gateway');
    // Two users on two nodes pick the same correlation-id for different Things.
    const fromA = a.sendCommand(retrieve('ns:t1', '1'));
    const fromC = c.sendCommand(retrieve('ns:t2', '1', 300));
    await until(() => gateway.length >= 1);
    await new Promise((r) => setTimeout(r, 20));
    // Only the first request reached the device: the second could not be told apart from it.
    expect(gateway.map((e) => e.topic)).toEqual(['ns/t1/things/live/commands/retrieve']);
    expect(b.respond('gateway', '1', { status: 200, value: 'secret of ns:t1', headers: {} })).toBe(true);
    expect(await fromA).toMatchObject({ status: 200, value: 'secret of ns:t1' });
    expect(await fromC).toBeUndefined(); // timed out: 408 for its sender, never the other Thing's data
    for (const r of [a, b, c]) r.close();
  });

  it('takes a reply from another node only for the very request it answers, not for one with the same correlation-id', async () => {
    const hub = new Hub();
    const relays = [hub.relay(), hub.relay(), hub.relay()];
    const [a, b] = [router(relays[0] as MemoryRelay), router(relays[1] as MemoryRelay)];
    const gateway = device(b, 'gateway');
    const pending = a.sendCommand(retrieve('ns:t1', 'again', 2000));
    await until(() => gateway.length === 1);
    // A late reply to an earlier request with this correlation-id (it carries that request's id).
    relays[2]?.reply(relays[0]?.node ?? '', 'again', 'an-earlier-request', {
      status: 200,
      value: 'stale',
      headers: {},
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(b.respond('gateway', 'again', { status: 200, value: 'fresh', headers: {} })).toBe(true);
    expect(await pending).toMatchObject({ value: 'fresh' });
    a.close();
    b.close();
  });
});
