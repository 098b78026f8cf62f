import type { DittoEnvelope, JsonObject, PolicyState } from '@egiz/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckCoordinator } from './ack-coordinator.js';
import { PolicyAnnouncer, type AnnouncementSink } from './policy-announcer.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');

function state(subjects: Record<string, JsonObject>, deleted = false, revision = 1): PolicyState {
  return {
    id: 'ann.u:p',
    revision,
    deleted,
    created: '2030-01-01T00:00:00Z',
    modified: '2030-01-01T00:00:00Z',
    policy: {
      policyId: 'ann.u:p',
      entries: { e: { subjects, resources: { 'thing:/': { grant: ['READ'], revoke: [] } } } },
    },
  };
}

function sink(subjects: string[], namespaces?: string[]): AnnouncementSink & { got: DittoEnvelope[] } {
  const got: DittoEnvelope[] = [];
  return {
    id: `sink-${subjects.join(',')}`,
    got,
    selector: namespaces ? { namespaces: new Set(namespaces) } : {},
    subjects: () => subjects,
    deliver: (e) => {
      got.push(e);
      return true;
    },
  };
}

let acks: AckCoordinator;
let announcer: PolicyAnnouncer;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  acks = new AckCoordinator();
  announcer = new PolicyAnnouncer({
    clock: () => new Date(),
    acks,
    minBackoffMs: 1000,
    maxBackoffMs: 4000,
    gracePeriodMs: 10_000,
  });
});
afterEach(() => {
  announcer.close();
  acks.close();
  vi.useRealTimers();
});

describe('PolicyAnnouncer', () => {
  it('announces beforeExpiry to the sessions of the subject in the namespaces they chose', () => {
    const alice = sink(['s:alice']);
    const elsewhere = sink(['s:alice'], ['other']);
    const bob = sink(['s:bob']);
    for (const s of [alice, elsewhere, bob]) announcer.add(s);
    const expiry = new Date(T0 + 60_000).toISOString();
    announcer.observe(state({ 's:alice': { type: 't', expiry, announcement: { beforeExpiry: '10s' } } }));
    vi.advanceTimersByTime(49_999);
    expect(alice.got).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(alice.got).toHaveLength(1);
    expect(alice.got[0]).toMatchObject({
      topic: 'ann.u/p/policies/announcements/subjectDeletion',
      path: '/',
      value: { deleteAt: expiry, subjectIds: ['s:alice'] },
    });
    expect(elsewhere.got).toEqual([]);
    expect(bob.got).toEqual([]);
    // Published without requested acks counts as acknowledged: no second one when it is removed.
    announcer.observe(state({}, false, 2));
    expect(alice.got).toHaveLength(1);
    expect(announcer.tracked).toBe(0);
  });

  it('treats a subject that stays with other settings as a change, and its removal as a deletion', () => {
    const alice = sink(['s:alice']);
    announcer.add(alice);
    announcer.observe(state({ 's:alice': { type: 't', announcement: { whenDeleted: true } } }));
    announcer.observe(state({ 's:alice': { type: 'u', announcement: { whenDeleted: true } } }, false, 2));
    expect(alice.got).toEqual([]);
    expect(announcer.tracked).toBe(1);
    announcer.observe(state({ 's:bob': { type: 't' } }, false, 3));
    expect(alice.got).toHaveLength(1);
    expect(alice.got[0]?.value).toEqual({ deleteAt: new Date(T0).toISOString(), subjectIds: ['s:alice'] });
  });

  it('republishes an unacknowledged announcement with a growing back-off until the grace period ends', async () => {
    const alice = sink(['s:alice']);
    announcer.add(alice);
    announcer.observe(
      state({
        's:alice': {
          type: 't',
          announcement: { whenDeleted: true, requestedAcks: { labels: ['ann:ack'], timeout: '1s' } },
        },
      }),
    );
    announcer.observe(state({}, true, 2));
    const times = () => alice.got.length;
    expect(times()).toBe(1);
    expect(alice.got[0]?.headers).toMatchObject({ 'requested-acks': ['ann:ack'] });
    // Each attempt waits 1 s for its ack, then backs off 1, 2, 4 s: attempts at 0, 2, 5 and 10 s
    // after the deletion; the next (15 s) would be past the 10 s grace period.
    await vi.advanceTimersByTimeAsync(30_000);
    const attempts = times();
    expect(attempts).toBe(4);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(times()).toBe(attempts);
    const ids = alice.got.map((e) => e.headers['correlation-id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stops once every requested label acknowledged with 2xx', async () => {
    const alice = sink(['s:alice']);
    announcer.add(alice);
    announcer.observe(
      state({
        's:alice': {
          type: 't',
          announcement: { whenDeleted: true, requestedAcks: { labels: ['ann:ack'], timeout: '5s' } },
        },
      }),
    );
    announcer.observe(state({}, true, 2));
    const cid = alice.got[0]?.headers['correlation-id'] as string;
    expect(acks.receive(cid, 'ann:ack', { status: 200 })).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(alice.got).toHaveLength(1);
  });
});
