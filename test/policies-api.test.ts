/**
 * End-to-end tests of the Policies API and of policy enforcement on Things, with three users:
 * the owner (ditto), a reader with a revoked attribute (alice) and a stranger (bob).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let n = 0;
const uid = (p = 'p') => `org.egiz.pol:${p}-${++n}`;
const OWNER = 'ditto:ditto';
const ALICE = 'alice:alice-pw';
const BOB = 'bob:bob-pw';

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

function sharedPolicy(policyId: string) {
  return {
    policyId,
    entries: {
      owner: {
        subjects: { 'nginx:ditto': { type: 'owner' } },
        resources: {
          'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
          'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
          'message:/': { grant: ['READ', 'WRITE'], revoke: [] },
        },
      },
      reader: {
        subjects: { 'nginx:alice': { type: 'reader' } },
        resources: {
          'thing:/': { grant: ['READ'], revoke: [] },
          'thing:/attributes/secret': { grant: [], revoke: ['READ'] },
          'thing:/features/lamp/properties': { grant: ['WRITE'], revoke: [] },
        },
      },
    },
  };
}

async function setup(): Promise<{ thingId: string; policyId: string }> {
  const policyId = uid('policy');
  const thingId = uid('thing');
  const p = await s.request(`/api/2/policies/${policyId}`, { method: 'PUT', json: sharedPolicy(policyId) });
  expect(p.status).toBe(201);
  const t = await s.request(`/api/2/things/${thingId}`, {
    method: 'PUT',
    json: {
      policyId,
      attributes: { public: 'hello', secret: 'hunter2', nested: { a: 1 } },
      features: { lamp: { properties: { on: false } }, motor: { properties: { rpm: 0 } } },
    },
  });
  expect(t.status).toBe(201);
  return { thingId, policyId };
}

describe('enforcement on things', () => {
  it('strangers get 404 (never 403) for reads and writes of a thing they cannot see', async () => {
    const { thingId } = await setup();
    for (const [method, path, json] of [
      ['GET', '', undefined],
      ['GET', '/attributes', undefined],
      ['PUT', '/attributes/x', 1],
      ['PATCH', '', { attributes: { x: 1 } }],
      ['DELETE', '', undefined],
    ] as const) {
      const res = await s.request(`/api/2/things/${thingId}${path}`, {
        method,
        auth: BOB,
        ...(json !== undefined ? { json } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await res.json()).error).toBe('things:thing.notfound');
    }
    // the same answer as for a thing that does not exist at all
    const missing = await s.request('/api/2/things/org.egiz.pol:does-not-exist', { auth: BOB });
    expect(missing.status).toBe(404);
  });

  it('a reader sees the partial view: revoked attributes are cut out, also from fields and conditions', async () => {
    const { thingId } = await setup();
    const res = await s.request(`/api/2/things/${thingId}`, { auth: ALICE });
    expect(res.status).toBe(200);
    const thing = await res.json();
    expect(thing.attributes).toEqual({ public: 'hello', nested: { a: 1 } });
    expect(thing.features.lamp).toEqual({ properties: { on: false } });
    const secret = await s.request(`/api/2/things/${thingId}/attributes/secret`, { auth: ALICE });
    expect(secret.status).toBe(404);
    expect((await secret.json()).error).toBe('things:attribute.notfound');
    const fields = await s.request(`/api/2/things/${thingId}?fields=attributes/secret,attributes/public`, {
      auth: ALICE,
    });
    expect(await fields.json()).toEqual({ attributes: { public: 'hello' } });
    const cond = await s.request(
      `/api/2/things/${thingId}?condition=${encodeURIComponent('eq(attributes/secret,"hunter2")')}`,
      { auth: ALICE },
    );
    expect(cond.status).toBe(412);
    const ownerCond = await s.request(
      `/api/2/things/${thingId}?condition=${encodeURIComponent('eq(attributes/secret,"hunter2")')}`,
    );
    expect(ownerCond.status).toBe(200);
  });

  it('READ without WRITE answers 403 with the notmodifiable code and changes nothing', async () => {
    const { thingId } = await setup();
    const put = await s.request(`/api/2/things/${thingId}/attributes/public`, {
      method: 'PUT',
      json: 'changed',
      auth: ALICE,
    });
    expect(put.status).toBe(403);
    expect((await put.json()).error).toBe('things:attribute.notmodifiable');
    const del = await s.request(`/api/2/things/${thingId}`, { method: 'DELETE', auth: ALICE });
    expect(del.status).toBe(403);
    expect((await del.json()).error).toBe('things:thing.notmodifiable');
    const allowed = await s.request(`/api/2/things/${thingId}/features/lamp/properties/on`, {
      method: 'PUT',
      json: true,
      auth: ALICE,
    });
    expect(allowed.status).toBe(204);
    const owner = await (await s.request(`/api/2/things/${thingId}`)).json();
    expect(owner.attributes.public).toBe('hello');
    expect(owner.features.lamp.properties.on).toBe(true);
  });

  it('a merge touching any path the caller may not write is refused as a whole', async () => {
    const { thingId } = await setup();
    const before = (await s.request(`/api/2/things/${thingId}`)).headers.get('etag');
    const res = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      json: { features: { lamp: { properties: { on: true } }, motor: { properties: { rpm: 100 } } } },
      auth: ALICE,
    });
    expect(res.status).toBe(403);
    expect((await s.request(`/api/2/things/${thingId}`)).headers.get('etag')).toBe(before);
    const ok = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      json: { features: { lamp: { properties: { on: true } } } },
      auth: ALICE,
    });
    expect(ok.status).toBe(204);
  });

  it('a policy change takes effect on the very next request', async () => {
    const { thingId, policyId } = await setup();
    expect((await s.request(`/api/2/things/${thingId}`, { auth: BOB })).status).toBe(404);
    const grant = await s.request(`/api/2/policies/${policyId}/entries/bob`, {
      method: 'PUT',
      json: {
        subjects: { 'nginx:bob': { type: 'friend' } },
        resources: { 'thing:/attributes/public': { grant: ['READ'], revoke: [] } },
      },
    });
    expect(grant.status).toBe(201);
    const now = await s.request(`/api/2/things/${thingId}`, { auth: BOB });
    expect(now.status).toBe(200);
    expect(await now.json()).toEqual({ thingId, attributes: { public: 'hello' } });
    expect((await s.request(`/api/2/policies/${policyId}/entries/bob`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await s.request(`/api/2/things/${thingId}`, { auth: BOB })).status).toBe(404);
  });

  it('changing policyId needs the new policy to let the caller write', async () => {
    const { thingId } = await setup();
    const other = uid('other');
    await s.request(`/api/2/policies/${other}`, {
      method: 'PUT',
      auth: BOB,
      json: {
        entries: {
          bob: {
            subjects: { 'nginx:bob': { type: 't' } },
            resources: {
              'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
              'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
            },
          },
        },
      },
    });
    const res = await s.request(`/api/2/things/${thingId}/policyId`, { method: 'PUT', json: other });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('things:policyId.notmodifiable');
    const missing = await s.request(`/api/2/things/${thingId}/policyId`, {
      method: 'PUT',
      json: 'org.egiz.pol:none',
    });
    expect(missing.status).toBe(403);
  });

  it('creating a thing with a foreign policyId is refused', async () => {
    const { policyId } = await setup();
    const res = await s.request(`/api/2/things/${uid('t')}`, {
      method: 'PUT',
      json: { policyId },
      auth: BOB,
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('things:thing.notcreatable');
  });

  it('history reads see only the readable part', async () => {
    const { thingId } = await setup();
    await s.request(`/api/2/things/${thingId}/attributes/secret`, { method: 'PUT', json: 'v2' });
    const past = await s.request(`/api/2/things/${thingId}?at-historical-revision=1`, { auth: ALICE });
    expect(past.status).toBe(200);
    expect((await past.json()).attributes.secret).toBeUndefined();
    const ownerPast = await s.request(`/api/2/things/${thingId}?at-historical-revision=1`);
    expect((await ownerPast.json()).attributes.secret).toBe('hunter2');
  });
});

describe('creating things with policies', () => {
  it('inline _policy with the {{ request:subjectId }} placeholder', async () => {
    const thingId = uid('inline');
    const res = await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      auth: ALICE,
      json: {
        _policy: {
          entries: {
            me: {
              subjects: { '{{ request:subjectId }}': { type: 'creator' } },
              resources: {
                'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
                'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
              },
            },
          },
        },
        attributes: { a: 1 },
      },
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.policyId).toBe(thingId);
    expect(body._policy).toBeUndefined();
    const policy = await (await s.request(`/api/2/policies/${thingId}`, { auth: ALICE })).json();
    expect(Object.keys(policy.entries.me.subjects)).toEqual(['nginx:alice']);
    expect((await s.request(`/api/2/things/${thingId}`, { auth: OWNER })).status).toBe(404);
  });

  it('an inline policy that locks the creator out is refused unless allow-policy-lockout', async () => {
    const inline = {
      entries: {
        other: {
          subjects: { 'nginx:bob': { type: 't' } },
          resources: {
            'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
            'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
          },
        },
      },
    };
    const thingId = uid('lock');
    const res = await s.request(`/api/2/things/${thingId}`, { method: 'PUT', json: { _policy: inline } });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('policies:policy.notcreatable');
    expect((await s.request(`/api/2/policies/${thingId}`)).status).toBe(404);
    const allowed = await s.request(`/api/2/things/${thingId}?allow-policy-lockout=true`, {
      method: 'PUT',
      json: { _policy: inline },
    });
    expect(allowed.status).toBe(201);
  });

  it('_copyPolicyFrom a policy id or a {{ ref:things/<id>/policyId }}', async () => {
    const { thingId, policyId } = await setup();
    const a = uid('copy');
    expect(
      (await s.request(`/api/2/things/${a}`, { method: 'PUT', json: { _copyPolicyFrom: policyId } })).status,
    ).toBe(201);
    const copied = await (await s.request(`/api/2/policies/${a}`)).json();
    expect(copied.entries).toEqual(sharedPolicy(policyId).entries);
    const b = uid('copyref');
    const res = await s.request(`/api/2/things/${b}`, {
      method: 'PUT',
      json: { _copyPolicyFrom: `{{ ref:things/${thingId}/policyId }}` },
    });
    expect(res.status).toBe(201);
    expect((await (await s.request(`/api/2/policies/${b}`)).json()).entries.reader).toBeDefined();
    const stranger = await s.request(`/api/2/things/${uid('x')}`, {
      method: 'PUT',
      auth: BOB,
      json: { _copyPolicyFrom: policyId },
    });
    expect(stranger.status).toBe(404);
  });

  it('deleting a thing keeps its policy', async () => {
    const thingId = uid('keep');
    await s.request(`/api/2/things/${thingId}`, { method: 'PUT', json: {} });
    await s.request(`/api/2/things/${thingId}`, { method: 'DELETE' });
    expect((await s.request(`/api/2/policies/${thingId}`)).status).toBe(200);
  });
});

describe('policies API', () => {
  it('CRUD on policy, entries, subjects, resources with Ditto status codes and ETags', async () => {
    const policyId = uid('crud');
    const created = await s.request(`/api/2/policies/${policyId}`, {
      method: 'PUT',
      json: sharedPolicy(policyId),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"rev:1"');
    expect((await created.json()).policyId).toBe(policyId);
    const p = `/api/2/policies/${policyId}`;
    expect(Object.keys(await (await s.request(`${p}/entries`)).json())).toEqual(['owner', 'reader']);
    expect(await (await s.request(`${p}/entries/reader/subjects`)).json()).toEqual({
      'nginx:alice': { type: 'reader' },
    });
    expect(await (await s.request(`${p}/entries/reader/subjects/nginx:alice`)).json()).toEqual({
      type: 'reader',
    });
    expect(await (await s.request(`${p}/entries/reader/resources/thing:/attributes/secret`)).json()).toEqual({
      grant: [],
      revoke: ['READ'],
    });
    expect(
      await (await s.request(`${p}/entries/reader/resources/${encodeURIComponent('thing:/')}`)).json(),
    ).toEqual({ grant: ['READ'], revoke: [] });

    const addSubject = await s.request(`${p}/entries/reader/subjects/nginx:carol`, {
      method: 'PUT',
      json: { type: 'reader' },
    });
    expect(addSubject.status).toBe(201);
    expect(
      (await s.request(`${p}/entries/reader/subjects/nginx:carol`, { method: 'PUT', json: { type: 'r2' } }))
        .status,
    ).toBe(204);
    expect((await s.request(`${p}/entries/reader/subjects/nginx:carol`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await (await s.request(`${p}/entries/reader/subjects/nginx:carol`)).json()).error).toBe(
      'policies:subject.notfound',
    );

    const addRes = await s.request(`${p}/entries/reader/resources/thing:/features`, {
      method: 'PUT',
      json: { grant: ['READ'], revoke: [] },
    });
    expect(addRes.status).toBe(201);
    expect(
      (await s.request(`${p}/entries/reader/resources/thing:/features`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await (await s.request(`${p}/entries/missing`)).json()).error).toBe('policies:entry.notfound');

    const badPerm = await s.request(`${p}/entries/reader/resources/thing:/x`, {
      method: 'PUT',
      json: { grant: ['FLY'], revoke: [] },
    });
    expect(badPerm.status).toBe(400);
    const badSubject = await s.request(`${p}/entries/reader/subjects/nocolon`, {
      method: 'PUT',
      json: { type: 'x' },
    });
    expect(badSubject.status).toBe(400);

    const etag = (await s.request(p)).headers.get('etag') as string;
    expect((await s.request(p, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect(
      (
        await s.request(p, {
          method: 'PUT',
          json: sharedPolicy(policyId),
          headers: { 'if-match': '"rev:1"' },
        })
      ).status,
    ).toBe(412);
    expect(
      (await s.request(p, { method: 'PUT', json: sharedPolicy(policyId), headers: { 'if-match': etag } }))
        .status,
    ).toBe(204);

    const journal = await s.egiz.store.journal('policy', policyId);
    expect(journal.map((e) => e.type)).toEqual([
      'policies.events:policyCreated',
      'policies.events:subjectCreated',
      'policies.events:subjectModified',
      'policies.events:subjectDeleted',
      'policies.events:resourceCreated',
      'policies.events:resourceDeleted',
      'policies.events:policyModified',
    ]);
    const past = await s.request(`${p}?at-historical-revision=2`);
    expect(Object.keys((await past.json()).entries.reader.subjects)).toEqual(['nginx:alice', 'nginx:carol']);

    expect((await s.request(p, { method: 'DELETE' })).status).toBe(204);
    expect((await s.request(p)).status).toBe(404);
  });

  it('lock-out prevention: no change may leave nobody with WRITE on policy:/', async () => {
    const policyId = uid('lockout');
    await s.request(`/api/2/policies/${policyId}`, { method: 'PUT', json: sharedPolicy(policyId) });
    const p = `/api/2/policies/${policyId}`;
    const res = await s.request(`${p}/entries/owner`, { method: 'DELETE' });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('policies:entry.modificationinvalid');
    const revoke = await s.request(`${p}/entries/owner/resources/policy:/`, {
      method: 'PUT',
      json: { grant: ['READ'], revoke: [] },
      headers: { 'allow-policy-lockout': 'true' },
    });
    expect(revoke.status).toBe(403);
    const replace = await s.request(p, {
      method: 'PUT',
      json: {
        entries: {
          x: {
            subjects: { 'nginx:bob': { type: 't' } },
            resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
          },
        },
      },
    });
    expect(replace.status).toBe(403);
    expect(Object.keys(await (await s.request(`${p}/entries`)).json())).toEqual(['owner', 'reader']);
  });

  it('a new policy must give its creator WRITE on policy:/', async () => {
    const res = await s.request(`/api/2/policies/${uid('nc')}`, {
      method: 'PUT',
      auth: BOB,
      json: {
        entries: {
          a: {
            subjects: { 'nginx:alice': { type: 't' } },
            resources: { 'policy:/': { grant: ['READ', 'WRITE'], revoke: [] } },
          },
        },
      },
    });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('policies:policy.notcreatable');
  });

  it('policy enforcement: strangers get 404, readers without WRITE 403', async () => {
    const policyId = uid('penf');
    await s.request(`/api/2/policies/${policyId}`, {
      method: 'PUT',
      json: {
        entries: {
          owner: sharedPolicy(policyId).entries.owner,
          auditor: {
            subjects: { 'nginx:alice': { type: 'a' } },
            resources: { 'policy:/entries/owner': { grant: ['READ'], revoke: [] } },
          },
        },
      },
    });
    expect((await s.request(`/api/2/policies/${policyId}`, { auth: BOB })).status).toBe(404);
    const partial = await s.request(`/api/2/policies/${policyId}`, { auth: ALICE });
    expect(partial.status).toBe(200);
    expect(Object.keys((await partial.json()).entries)).toEqual(['owner']);
    const write = await s.request(`/api/2/policies/${policyId}/entries/owner`, {
      method: 'PUT',
      auth: ALICE,
      json: sharedPolicy(policyId).entries.owner,
    });
    expect(write.status).toBe(403);
    expect((await write.json()).error).toBe('policies:entry.notmodifiable');
  });

  it('imports: implicit entries apply, explicit only when listed, never never; at most 10', async () => {
    const shared = uid('shared');
    await s.request(`/api/2/policies/${shared}`, {
      method: 'PUT',
      json: {
        entries: {
          admin: { ...sharedPolicy(shared).entries.owner, importable: 'never' },
          readers: {
            subjects: { 'nginx:bob': { type: 't' } },
            resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
            importable: 'implicit',
          },
          writers: {
            subjects: { 'nginx:alice': { type: 't' } },
            resources: { 'thing:/': { grant: ['READ', 'WRITE'], revoke: [] } },
            importable: 'explicit',
          },
        },
      },
    });
    const importing = uid('importing');
    const thingId = uid('imported-thing');
    const res = await s.request(`/api/2/policies/${importing}`, {
      method: 'PUT',
      json: { entries: { owner: sharedPolicy(importing).entries.owner }, imports: { [shared]: {} } },
    });
    expect(res.status).toBe(201);
    await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      json: { policyId: importing, attributes: { a: 1 } },
    });
    expect((await s.request(`/api/2/things/${thingId}`, { auth: BOB })).status).toBe(200);
    expect(
      (await s.request(`/api/2/things/${thingId}/attributes/a`, { method: 'PUT', json: 2, auth: ALICE }))
        .status,
    ).toBe(404);
    const explicit = await s.request(`/api/2/policies/${importing}/imports/${shared}`, {
      method: 'PUT',
      json: { entries: ['writers'] },
    });
    expect(explicit.status).toBe(204);
    expect(
      (await s.request(`/api/2/things/${thingId}/attributes/a`, { method: 'PUT', json: 2, auth: ALICE }))
        .status,
    ).toBe(204);
    const missing = await s.request(`/api/2/policies/${importing}/imports/org.egiz.pol:nope`, {
      method: 'PUT',
      json: {},
    });
    expect(missing.status).toBe(400);
    const tooMany: Record<string, object> = {};
    for (let i = 0; i < 11; i++) tooMany[`org.egiz.pol:imp${i}`] = {};
    const many = await s.request(`/api/2/policies/${importing}/imports`, { method: 'PUT', json: tooMany });
    expect(many.status).toBe(400);
    // a change of the imported policy is seen at once by things of the importing policy
    await s.request(`/api/2/policies/${shared}/entries/readers`, { method: 'DELETE' });
    expect((await s.request(`/api/2/things/${thingId}`, { auth: BOB })).status).toBe(404);
  });

  it('local references apply in a policy without imports too, revokes of the referenced entry included', async () => {
    const policyId = uid('local-refs');
    const thingId = uid('local-refs-thing');
    const res = await s.request(`/api/2/policies/${policyId}`, {
      method: 'PUT',
      json: {
        entries: {
          owner: sharedPolicy(policyId).entries.owner,
          template: {
            subjects: {},
            resources: {
              'thing:/': { grant: ['READ'], revoke: [] },
              'thing:/attributes/secret': { grant: [], revoke: ['READ'] },
            },
          },
          user: {
            references: [{ entry: 'template' }],
            subjects: { 'nginx:alice': { type: 'user' } },
            resources: { 'thing:/attributes': { grant: ['READ'], revoke: [] } },
          },
        },
      },
    });
    expect(res.status).toBe(201);
    await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      json: { policyId, attributes: { public: 1, secret: 2 }, features: { f: { properties: { p: 3 } } } },
    });
    const read = await s.request(`/api/2/things/${thingId}`, { auth: ALICE });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({
      thingId,
      policyId,
      attributes: { public: 1 },
      features: { f: { properties: { p: 3 } } },
    });
  });

  it('a policy over 100 kB answers 413', async () => {
    const policyId = uid('big');
    const big = sharedPolicy(policyId);
    const resources: Record<string, unknown> = {};
    for (let i = 0; i < 2500; i++) resources[`thing:/attributes/a${i}`] = { grant: ['READ'], revoke: [] };
    (big.entries.reader as { resources: Record<string, unknown> }).resources = resources;
    const res = await s.request(`/api/2/policies/${policyId}`, { method: 'PUT', json: big });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe('policies:policy.toolarge');
  });

  it('subjects past their expiry no longer count', async () => {
    const policyId = uid('exp');
    const thingId = uid('exp-thing');
    const soon = new Date(Date.now() + 600).toISOString();
    await s.request(`/api/2/policies/${policyId}`, {
      method: 'PUT',
      json: {
        entries: {
          owner: sharedPolicy(policyId).entries.owner,
          temp: {
            subjects: { 'nginx:bob': { type: 't', expiry: soon } },
            resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
          },
        },
      },
    });
    await s.request(`/api/2/things/${thingId}`, { method: 'PUT', json: { policyId } });
    expect((await s.request(`/api/2/things/${thingId}`, { auth: BOB })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 800));
    expect((await s.request(`/api/2/things/${thingId}`, { auth: BOB })).status).toBe(404);
    // and the subject is removed from the policy (subjectDeleted), not only ignored
    await new Promise((r) => setTimeout(r, 100));
    const entry = await (await s.request(`/api/2/policies/${policyId}/entries/temp/subjects`)).json();
    expect(entry).toEqual({});
    const journal = await s.egiz.store.journal('policy', policyId);
    expect(journal.at(-1)?.type).toBe('policies.events:subjectDeleted');
  });

  it('POST /api/2/checkPermissions', async () => {
    const { thingId, policyId } = await setup();
    const res = await s.request('/api/2/checkPermissions', {
      method: 'POST',
      auth: ALICE,
      json: {
        read: { resource: 'thing:/attributes/public', entityId: thingId, hasPermissions: ['READ'] },
        secret: { resource: 'thing:/attributes/secret', entityId: thingId, hasPermissions: ['READ'] },
        write: { resource: 'thing:/features/lamp/properties', entityId: thingId, hasPermissions: ['WRITE'] },
        policy: { resource: 'policy:/', entityId: policyId, hasPermissions: ['READ'] },
        unknown: { resource: 'thing:/', entityId: 'org.egiz.pol:none', hasPermissions: ['READ'] },
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      read: true,
      secret: false,
      write: true,
      policy: false,
      unknown: false,
    });
    const bad = await s.request('/api/2/checkPermissions', {
      method: 'POST',
      json: { x: { resource: 'nope', entityId: thingId, hasPermissions: ['READ'] } },
    });
    expect(bad.status).toBe(400);
  });
});
