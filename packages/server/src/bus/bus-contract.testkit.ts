/**
 * @module The one contract every EventBus adapter must pass (memory/, and later broker adapters).
 * Each adapter's test calls `runBusContract` with a factory for a fresh bus pair: `publisher` is
 * where the write path publishes, `subscriber` where a realtime edge listens. For the in-process
 * bus both are the same instance; a broker adapter passes two instances (two "nodes") so that the
 * suite checks that a subscriber on node A sees what node B published.
 *
 * Delivery may be asynchronous, so assertions wait (bounded) for what must arrive and then wait a
 * little longer to be sure nothing else arrives.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ThingEvent } from '@egiz/core';
import type { BusMessage, EventBus } from './port.js';

export interface BusPair {
  readonly publisher: EventBus;
  readonly subscriber: EventBus;
  /** Closes what the factory opened (the suite closes both buses itself). */
  readonly cleanup?: () => Promise<void>;
}

export type BusFactory = () => Promise<BusPair>;

export interface BusContractOptions {
  /** How long to wait for a message that must arrive (default 2 s). */
  readonly deliveryTimeoutMs?: number;
  /** How long to watch for messages that must NOT arrive (default 50 ms). */
  readonly quietMs?: number;
}

const RUN = Math.random().toString(36).slice(2, 8);
let seq = 0;
const uid = (label: string): string => `bus.contract:${label}-${RUN}-${++seq}`;

function thingMessage(thingId: string, revision: number, extra: Partial<BusMessage> = {}): BusMessage {
  const event: ThingEvent = {
    type: 'things.events:attributeModified',
    action: 'modified',
    thingId,
    path: '/attributes/counter',
    value: revision,
    revision,
    timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, 0, revision)).toISOString(),
  };
  return { kind: 'thing', event, policyId: thingId, ...extra } as BusMessage;
}

function revisionOf(m: BusMessage): number {
  return m.event.revision;
}

function idOf(m: BusMessage): string {
  return m.kind === 'thing' ? m.event.thingId : m.event.policyId;
}

/** A listener that records what it receives, restricted to the ids of one test. */
class Recorder {
  readonly received: BusMessage[] = [];
  constructor(private readonly ids: ReadonlySet<string>) {}
  readonly listener = (m: BusMessage): void => {
    if (this.ids.has(idOf(m))) this.received.push(m);
  };
}

export function runBusContract(name: string, factory: BusFactory, options: BusContractOptions = {}): void {
  const timeout = options.deliveryTimeoutMs ?? 2000;
  const quiet = options.quietMs ?? 50;

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`bus contract: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const settle = () => new Promise((r) => setTimeout(r, quiet));

  describe(`EventBus contract: ${name}`, () => {
    let pair: BusPair;
    const unsubscribes: (() => void)[] = [];
    const subscribe = (bus: EventBus, listener: (m: BusMessage) => void) => {
      const off = bus.subscribe(listener);
      unsubscribes.push(off);
      return off;
    };

    beforeEach(async () => {
      pair = await factory();
    });
    afterEach(async () => {
      for (const off of unsubscribes.splice(0)) off();
      await pair.publisher.close();
      if (pair.subscriber !== pair.publisher) await pair.subscriber.close();
      await pair.cleanup?.();
    });

    it('delivers published thing and policy messages with every field intact', async () => {
      const thingId = uid('intact');
      const policyId = uid('intact-policy');
      const rec = new Recorder(new Set([thingId, policyId]));
      subscribe(pair.subscriber, rec.listener);
      const thing = thingMessage(thingId, 1, {
        origin: 'session-1',
        headers: { 'correlation-id': 'c-1', 'requested-acks': '["my:ack"]' },
      });
      const policy: BusMessage = {
        kind: 'policy',
        event: {
          type: 'policies.events:policyModified',
          policyId,
          revision: 3,
          timestamp: '2024-01-01T00:00:00.000Z',
          policy: { policyId, entries: {} },
        },
      };
      pair.publisher.publish([thing, policy]);
      await until(() => rec.received.length === 2, 'two messages');
      expect(rec.received).toEqual([thing, policy]);
    });

    it('delivers nothing that was not published, and nothing published before subscribing', async () => {
      const early = uid('early');
      const late = uid('late');
      pair.publisher.publish([thingMessage(early, 1)]);
      await settle();
      const rec = new Recorder(new Set([early, late]));
      subscribe(pair.subscriber, rec.listener);
      pair.publisher.publish([]);
      await settle();
      expect(rec.received).toEqual([]);
      pair.publisher.publish([thingMessage(late, 1)]);
      await until(() => rec.received.length === 1, 'the late message');
      await settle();
      expect(rec.received.map(idOf)).toEqual([late]);
    });

    it('keeps the revision order of each twin, across publish calls and within one batch', async () => {
      const twins = [uid('order-a'), uid('order-b'), uid('order-c')];
      const rec = new Recorder(new Set(twins));
      subscribe(pair.subscriber, rec.listener);
      const perTwin = 40;
      // Interleaved twins, alternating single publishes and batches.
      for (let r = 1; r <= perTwin; r += 2) {
        pair.publisher.publish(twins.map((t) => thingMessage(t, r)));
        for (const t of twins) pair.publisher.publish([thingMessage(t, r + 1)]);
      }
      await until(() => rec.received.length === twins.length * perTwin, 'every message');
      for (const t of twins) {
        const revisions = rec.received.filter((m) => idOf(m) === t).map(revisionOf);
        expect(revisions).toEqual(Array.from({ length: perTwin }, (_, i) => i + 1));
      }
    });

    it('fans out to several subscribers, each receiving every message once', async () => {
      const id = uid('fanout');
      const recorders = [0, 1, 2].map(() => new Recorder(new Set([id])));
      for (const r of recorders) subscribe(pair.subscriber, r.listener);
      pair.publisher.publish([thingMessage(id, 1), thingMessage(id, 2)]);
      await until(() => recorders.every((r) => r.received.length === 2), 'every subscriber');
      await settle();
      for (const r of recorders) expect(r.received.map(revisionOf)).toEqual([1, 2]);
    });

    it('stops delivering to a subscriber that unsubscribed, and only to that one', async () => {
      const id = uid('unsub');
      const stays = new Recorder(new Set([id]));
      const leaves = new Recorder(new Set([id]));
      subscribe(pair.subscriber, stays.listener);
      const off = subscribe(pair.subscriber, leaves.listener);
      pair.publisher.publish([thingMessage(id, 1)]);
      await until(() => stays.received.length === 1 && leaves.received.length === 1, 'the first message');
      off();
      off(); // unsubscribing twice is harmless
      pair.publisher.publish([thingMessage(id, 2)]);
      await until(() => stays.received.length === 2, 'the second message');
      await settle();
      expect(leaves.received.map(revisionOf)).toEqual([1]);
      expect(stays.received.map(revisionOf)).toEqual([1, 2]);
    });

    it('keeps delivering to everyone when a subscriber throws', async () => {
      const id = uid('throws');
      const before = new Recorder(new Set([id]));
      const after = new Recorder(new Set([id]));
      let thrown = 0;
      subscribe(pair.subscriber, before.listener);
      subscribe(pair.subscriber, (m) => {
        if (idOf(m) !== id) return;
        thrown++;
        throw new Error('subscriber failure');
      });
      subscribe(pair.subscriber, after.listener);
      expect(() => pair.publisher.publish([thingMessage(id, 1), thingMessage(id, 2)])).not.toThrow();
      pair.publisher.publish([thingMessage(id, 3)]);
      await until(() => before.received.length === 3 && after.received.length === 3, 'all messages');
      expect(after.received.map(revisionOf)).toEqual([1, 2, 3]);
      expect(thrown).toBe(3);
    });

    it('closes idempotently and delivers nothing afterwards', async () => {
      const id = uid('closed');
      const rec = new Recorder(new Set([id]));
      subscribe(pair.subscriber, rec.listener);
      await pair.subscriber.close();
      await pair.subscriber.close();
      try {
        pair.publisher.publish([thingMessage(id, 1)]);
      } catch {
        // A closed publisher may refuse; it must not deliver.
      }
      await settle();
      expect(rec.received).toEqual([]);
    });
  });
}
