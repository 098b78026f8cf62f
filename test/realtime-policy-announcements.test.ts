/**
 * Policy announcements (basic-policy "Subject deletion announcements") over /ws/2 with real
 * WebSocket clients: `subjectDeletion` before a subject expires (`beforeExpiry`) and when it is
 * deleted (`whenDeleted`), only to sessions that subscribed with START-SEND-POLICY-ANNOUNCEMENTS and
 * are authenticated with the subject, and republished until acknowledged when `requestedAcks` asks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient, type Frame } from './support/ws-client.js';

let s: TestServer;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const isAnnouncement = (policyId: string) => (f: Frame) =>
  typeof f === 'object' && f.topic === `${policyId.replace(':', '/')}/policies/announcements/subjectDeletion`;

function policy(extraSubject: Record<string, unknown>): Record<string, unknown> {
  return {
    entries: {
      owner: {
        subjects: { 'nginx:ditto': { type: 'basic' } },
        resources: {
          'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
          'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
        },
      },
      temp: {
        subjects: { 'nginx:alice': { type: 'basic', ...extraSubject } },
        resources: { 'thing:/attributes': { grant: ['READ'], revoke: [] } },
      },
    },
  };
}

async function putPolicy(id: string, body: Record<string, unknown>): Promise<void> {
  const res = await s.request(`/api/2/policies/${id}`, { method: 'PUT', json: body });
  expect([201, 204]).toContain(res.status);
}

async function subscriber(user: string, opts: { query?: string; start?: string } = {}) {
  const ws = await WsTestClient.connect(s.url, {
    auth: user,
    ...(opts.query !== undefined ? { query: opts.query } : {}),
  });
  await ws.control(opts.start ?? 'START-SEND-POLICY-ANNOUNCEMENTS');
  return ws;
}

describe('policy announcements over the WebSocket', () => {
  it('announces a subject beforeExpiry to its own session only, and not again when it is removed', async () => {
    const alice = await subscriber('alice:alice-pw');
    const bob = await subscriber('bob:bob-pw');
    const other = await subscriber('alice:alice-pw', {
      start: 'START-SEND-POLICY-ANNOUNCEMENTS?namespaces=somewhere.else',
    });
    const expiry = new Date(Date.now() + 3000).toISOString();
    await putPolicy(
      'ann.t:expiring',
      policy({ expiry, announcement: { beforeExpiry: '2s', whenDeleted: true } }),
    );

    const announced = await alice.next(
      isAnnouncement('ann.t:expiring'),
      5000,
      'the beforeExpiry announcement',
    );
    expect(announced).toMatchObject({ path: '/', value: { subjectIds: ['nginx:alice'] } });
    expect(Date.parse(announced.value.deleteAt)).toBe(Date.parse(expiry));
    expect(typeof announced.headers['correlation-id']).toBe('string');
    // Announced ahead of the expiry, not at it.
    expect(Date.now()).toBeLessThan(Date.parse(expiry));

    // After the expiry the subject is removed; the announcement counted as delivered (no acks were
    // requested), so whenDeleted does not announce it a second time.
    const later = await alice.collect(isAnnouncement('ann.t:expiring'), 3000);
    expect(later).toEqual([]);
    const res = await s.request('/api/2/policies/ann.t:expiring/entries/temp/subjects');
    expect(await res.json()).toEqual({});
    expect(bob.frames.filter(isAnnouncement('ann.t:expiring'))).toEqual([]);
    expect(other.frames.filter(isAnnouncement('ann.t:expiring'))).toEqual([]);
    await Promise.all([alice.close(), bob.close(), other.close()]);
  });

  it('announces whenDeleted when a change removes the subject, not when it only changes it', async () => {
    const alice = await subscriber('alice:alice-pw');
    const quiet = await subscriber('alice:alice-pw', { start: 'START-SEND-EVENTS' });
    await putPolicy('ann.t:deleted', policy({ announcement: { whenDeleted: true } }));

    // The same subject id with other settings: a change, not a deletion.
    const changed = await s.request('/api/2/policies/ann.t:deleted/entries/temp/subjects/nginx:alice', {
      method: 'PUT',
      json: { type: 'changed', announcement: { whenDeleted: true } },
    });
    expect(changed.status).toBe(204);
    expect(await alice.collect(isAnnouncement('ann.t:deleted'), 500)).toEqual([]);

    const before = Date.now();
    const del = await s.request('/api/2/policies/ann.t:deleted/entries/temp/subjects/nginx:alice', {
      method: 'DELETE',
    });
    expect(del.status).toBe(204);
    const announced = await alice.next(isAnnouncement('ann.t:deleted'), 3000, 'the whenDeleted announcement');
    expect(announced.value.subjectIds).toEqual(['nginx:alice']);
    const deleteAt = Date.parse(announced.value.deleteAt);
    expect(deleteAt).toBeGreaterThanOrEqual(before - 1000);
    expect(deleteAt).toBeLessThanOrEqual(Date.now() + 1000);
    // Not subscribed to announcements: nothing.
    expect(quiet.frames.filter(isAnnouncement('ann.t:deleted'))).toEqual([]);
    await Promise.all([alice.close(), quiet.close()]);
  });

  it('announces the deletion of a whole policy', async () => {
    const alice = await subscriber('alice:alice-pw');
    await putPolicy('ann.t:gone', policy({ announcement: { whenDeleted: true } }));
    const del = await s.request('/api/2/policies/ann.t:gone', { method: 'DELETE' });
    expect(del.status).toBe(204);
    const announced = await alice.next(isAnnouncement('ann.t:gone'), 3000);
    expect(announced.value.subjectIds).toEqual(['nginx:alice']);
    await alice.close();
  });

  it('republishes until the requested acknowledgement comes, then stops', async () => {
    const alice = await subscriber('alice:alice-pw', { query: 'declared-acks=ann:alice-ack' });
    await putPolicy(
      'ann.t:acked',
      policy({
        announcement: { whenDeleted: true, requestedAcks: { labels: ['ann:alice-ack'], timeout: '1s' } },
      }),
    );
    await s.request('/api/2/policies/ann.t:acked/entries/temp/subjects/nginx:alice', { method: 'DELETE' });

    const first = await alice.next(isAnnouncement('ann.t:acked'), 3000, 'the first announcement');
    expect(first.headers).toMatchObject({ 'requested-acks': ['ann:alice-ack'] });
    // Not acknowledged: after the ack timeout and a back-off it comes again, with a new correlation-id.
    const second = await alice.next(
      (f) => isAnnouncement('ann.t:acked')(f) && f !== first,
      6000,
      'the republished announcement',
    );
    expect(second.headers['correlation-id']).not.toBe(first.headers['correlation-id']);
    expect(second.value).toEqual(first.value);
    alice.send({
      topic: 'ann.t/acked/things/twin/acks/ann:alice-ack',
      headers: { 'correlation-id': second.headers['correlation-id'] },
      path: '/',
      status: 200,
    });
    // Acknowledged: no further announcement (the next attempt would have come within ~3 s).
    const more = await alice.collect(
      (f) => isAnnouncement('ann.t:acked')(f) && f !== first && f !== second,
      4000,
    );
    expect(more).toEqual([]);
    // The ack was taken, not refused as undeclared or unknown.
    expect(alice.frames.filter((f) => typeof f === 'object' && String(f.topic).endsWith('/errors'))).toEqual(
      [],
    );
    await alice.close();
  });
});
