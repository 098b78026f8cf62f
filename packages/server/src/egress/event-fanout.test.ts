import { compileEnforcer, type PolicyJson, type ThingEvent } from '@egiz/core';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory/memory-bus.js';
import { EventFanout, type DeliveryTiming, type EventDelivery, type EventSink } from './event-fanout.js';
import { compileSelector } from './stream-selector.js';

const policy = {
  policyId: 'fan.t:p',
  entries: {
    all: {
      subjects: { 's:full': { type: 't' } },
      resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
    },
    part: {
      subjects: { 's:part': { type: 't' } },
      resources: {
        'thing:/': { grant: ['READ'], revoke: [] },
        'thing:/attributes/secret': { grant: [], revoke: ['READ'] },
      },
    },
  },
} as unknown as PolicyJson;

const event: ThingEvent = {
  type: 'things.events:attributesModified',
  action: 'modified',
  thingId: 'fan.t:one',
  path: '/attributes',
  value: { open: 1, secret: 2 },
  revision: 2,
  timestamp: '2026-01-01T00:00:00.000Z',
};

function sink(id: string, subjects: string[], filter?: string): EventSink & { got: EventDelivery[] } {
  const got: EventDelivery[] = [];
  return {
    id,
    got,
    selector: compileSelector(filter !== undefined ? { filter } : {}, () => new Date()),
    // A fresh array per sink, as every session has its own.
    subjects: () => subjects,
    deliver: (d) => got.push(d),
  };
}

/** A started fan-out of `bus` over the test policy, reporting each delivered event (and each drain). */
function startFanout(
  bus: MemoryBus,
  onDelivered: (deliveries: number, timing: DeliveryTiming | undefined) => void,
  onDrained?: () => void,
): EventFanout {
  const enforcer = compileEnforcer(policy);
  const fanout = new EventFanout({
    bus,
    enforcer: () => Promise.resolve(enforcer),
    loadThing: () => Promise.resolve(undefined),
    onError: (e) => {
      throw e;
    },
    onDelivered: (_e, deliveries, timing) => onDelivered(deliveries, timing),
    ...(onDrained ? { onDrained } : {}),
  });
  fanout.start();
  return fanout;
}

async function fanOut(sinks: EventSink[]): Promise<number[]> {
  const bus = new MemoryBus();
  const counts: number[] = [];
  const fanout = startFanout(bus, (n) => counts.push(n));
  for (const s of sinks) fanout.add(s);
  bus.publish([{ kind: 'thing', event, policyId: 'fan.t:p' }]);
  // The fan-out handles the event after the enforcer lookup (a resolved promise).
  for (let i = 0; i < 10 && counts.length === 0; i++) await Promise.resolve();
  fanout.stop();
  return counts;
}

describe('EventFanout', () => {
  it('decides each view once per set of subjects and shares the delivery (and so its frame)', async () => {
    const a1 = sink('a1', ['s:full']);
    const a2 = sink('a2', ['s:full']);
    const p1 = sink('p1', ['s:part']);
    const p2 = sink('p2', ['s:part']);
    const counts = await fanOut([a1, a2, p1, p2]);
    expect(counts).toEqual([4]);
    const [da1] = a1.got;
    const [dp1] = p1.got;
    expect(da1).toMatchObject({ value: { open: 1, secret: 2 }, partial: false });
    expect(dp1).toMatchObject({ value: { open: 1 }, partial: true });
    expect(a2.got[0]).toBe(da1);
    expect(p2.got[0]).toBe(dp1);
    expect(da1).not.toBe(dp1);
  });

  it('applies each filter to the view of its subscriber', async () => {
    const fullSeesSecret = sink('f1', ['s:full'], 'eq(attributes/secret,2)');
    const partMissesSecret = sink('f2', ['s:part'], 'eq(attributes/secret,2)');
    const partSeesOpen = sink('f3', ['s:part'], 'eq(attributes/open,1)');
    const stranger = sink('f4', ['s:nobody']);
    const counts = await fanOut([fullSeesSecret, partMissesSecret, partSeesOpen, stranger]);
    expect(counts).toEqual([2]);
    expect(fullSeesSecret.got).toHaveLength(1);
    expect(partMissesSecret.got).toHaveLength(0);
    expect(partSeesOpen.got[0]).toMatchObject({ value: { open: 1 } });
    expect(stranger.got).toHaveLength(0);
  });

  it('reports each event once with its commit time and when the first and last subscriber got it', async () => {
    const bus = new MemoryBus();
    const reports: { deliveries: number; timing: DeliveryTiming | undefined }[] = [];
    const fanout = startFanout(bus, (deliveries, timing) => reports.push({ deliveries, timing }));
    const sinks = [sink('t1', ['s:full']), sink('t2', ['s:part']), sink('t3', ['s:nobody'])];
    for (const s of sinks) fanout.add(s);
    const committedAt = performance.now();
    bus.publish([
      { kind: 'thing', event, policyId: 'fan.t:p', committedAt },
      // Published without a commit time (e.g. by a test or an adapter without one): no timing.
      { kind: 'thing', event: { ...event, revision: 3 }, policyId: 'fan.t:p' },
    ]);
    for (let i = 0; i < 20 && reports.length < 2; i++) await Promise.resolve();
    fanout.stop();
    expect(reports.map((r) => r.deliveries)).toEqual([2, 2]);
    const timing = reports[0]?.timing;
    expect(timing?.committedAt).toBe(committedAt);
    expect(timing?.firstAt).toBeGreaterThanOrEqual(committedAt);
    expect(timing?.lastAt).toBeGreaterThanOrEqual(timing?.firstAt ?? Infinity);
    expect(timing?.lastAt).toBeLessThanOrEqual(performance.now());
    expect(reports[1]?.timing).toBeUndefined();
    // The event the subscribers got is the domain event: the commit time is not part of it.
    expect(sinks[0]?.got[0]?.event).toBe(event);
    expect(JSON.stringify(sinks[0]?.got[0]?.event)).not.toContain('committedAt');
  });

  it('reports drained once every event of a published batch was handed to its subscribers', async () => {
    const bus = new MemoryBus();
    const log: string[] = [];
    const fanout = startFanout(
      bus,
      () => undefined,
      () => log.push('drained'),
    );
    fanout.add({ ...sink('d1', ['s:full']), deliver: (d) => log.push(`rev ${d.event.revision}`) });
    bus.publish(
      [2, 3, 4].map((revision) => ({ kind: 'thing', event: { ...event, revision }, policyId: 'fan.t:p' })),
    );
    for (let i = 0; i < 30 && !log.includes('drained'); i++) await Promise.resolve();
    expect(log).toEqual(['rev 2', 'rev 3', 'rev 4', 'drained']);
    bus.publish([{ kind: 'thing', event: { ...event, revision: 5 }, policyId: 'fan.t:p' }]);
    for (let i = 0; i < 30 && log.length < 6; i++) await Promise.resolve();
    fanout.stop();
    expect(log.slice(4)).toEqual(['rev 5', 'drained']);
  });
});
