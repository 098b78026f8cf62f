/**
 * Multi-tenancy: entries scoped by `namespaces`, and operator-configured namespace root policies
 * (EGIZ_NAMESPACE_ROOT_POLICIES), so a subject of tenant A never reads tenant B's twins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
const ALICE = 'alice:alice-pw';
const BOB = 'bob:bob-pw';
const rw = { grant: ['READ', 'WRITE'], revoke: [] };

beforeAll(async () => {
  s = await startServer({
    EGIZ_NAMESPACE_ROOT_POLICIES: 'tenant.a|tenant.a.*=ops:root-a;tenant.b|tenant.b.*=ops:root-b',
  });
  for (const [id, user] of [
    ['ops:root-a', 'nginx:alice'],
    ['ops:root-b', 'nginx:bob'],
  ] as const) {
    const res = await s.request(`/api/2/policies/${id}`, {
      method: 'PUT',
      json: {
        entries: {
          operator: {
            subjects: { 'nginx:ditto': { type: 'op' } },
            resources: { 'policy:/': rw },
            importable: 'never',
          },
          tenant: { subjects: { [user]: { type: 'tenant-admin' } }, resources: { 'thing:/': rw } },
        },
      },
    });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await s.close();
});

describe('namespace root policies', () => {
  it("gives each tenant's subjects access to their namespace only", async () => {
    for (const id of ['tenant.a:pump-1', 'tenant.a.floor2:pump-2', 'tenant.b:pump-1']) {
      expect(
        (await s.request(`/api/2/things/${id}`, { method: 'PUT', json: { attributes: { id } } })).status,
      ).toBe(201);
    }
    expect((await s.request('/api/2/things/tenant.a:pump-1', { auth: ALICE })).status).toBe(200);
    expect((await s.request('/api/2/things/tenant.a.floor2:pump-2', { auth: ALICE })).status).toBe(200);
    expect((await s.request('/api/2/things/tenant.b:pump-1', { auth: ALICE })).status).toBe(404);
    expect((await s.request('/api/2/things/tenant.b:pump-1', { auth: BOB })).status).toBe(200);
    expect((await s.request('/api/2/things/tenant.a:pump-1', { auth: BOB })).status).toBe(404);
    const write = await s.request('/api/2/things/tenant.b:pump-1/attributes/x', {
      method: 'PUT',
      json: 1,
      auth: ALICE,
    });
    expect(write.status).toBe(404);
  });

  it('a change of the root policy applies at once', async () => {
    await s.request('/api/2/things/tenant.a:pump-3', { method: 'PUT', json: {} });
    expect((await s.request('/api/2/things/tenant.a:pump-3', { auth: ALICE })).status).toBe(200);
    const res = await s.request('/api/2/policies/ops:root-a/entries/tenant/subjects/nginx:alice', {
      method: 'DELETE',
    });
    expect(res.status).toBe(204);
    expect((await s.request('/api/2/things/tenant.a:pump-3', { auth: ALICE })).status).toBe(404);
  });
});

describe('entries scoped by namespaces', () => {
  it('an entry with namespaces applies only to things of those namespaces', async () => {
    const policyId = 'shared:scoped';
    const res = await s.request(`/api/2/policies/${policyId}`, {
      method: 'PUT',
      json: {
        entries: {
          owner: { subjects: { 'nginx:ditto': { type: 'o' } }, resources: { 'thing:/': rw, 'policy:/': rw } },
          scoped: {
            subjects: { 'nginx:bob': { type: 'b' } },
            resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
            namespaces: ['zone.x', 'zone.x.*'],
          },
        },
      },
    });
    expect(res.status).toBe(201);
    await s.request('/api/2/things/zone.x:t1', { method: 'PUT', json: { policyId } });
    await s.request('/api/2/things/zone.x.sub:t2', { method: 'PUT', json: { policyId } });
    await s.request('/api/2/things/zone.y:t3', { method: 'PUT', json: { policyId } });
    expect((await s.request('/api/2/things/zone.x:t1', { auth: BOB })).status).toBe(200);
    expect((await s.request('/api/2/things/zone.x.sub:t2', { auth: BOB })).status).toBe(200);
    expect((await s.request('/api/2/things/zone.y:t3', { auth: BOB })).status).toBe(404);
  });
});
