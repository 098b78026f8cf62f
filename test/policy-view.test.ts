/**
 * `policy-view=resolved` on GET /api/2/policies/{id} (Ditto 3.9 "Effective policy view"), over HTTP
 * and the WebSocket: the own entries, the entries of declared imports as
 * `imported-<importedPolicyId>-<label>` (transitive ones nested), the entries of the namespace root
 * policy as `nsimported-<rootPolicyId>-<label>`; no ETag, conditional headers ignored, `fields`
 * honoured, sub-resources unaffected, 400 `policies:view.invalid` for other values.
 *
 * And the security rule that is stricter than Ditto (CVE-2026-129916): a merged entry shows only what
 * the caller may READ of it in the policy it originates from (and in every policy on the way),
 * intersected with what the caller may READ at the merged label in the policy being read.
 *
 * Cast: ditto owns every policy and is the operator of the root policy; alice reads the importing
 * policy and the source policy, there without the subjects of IMPLICIT; bob reads only the
 * importing policy; carol reads the importing policy and the intermediate policy `main`, not the
 * template `main` imports.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are arbitrary JSON that tests inspect freely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from '../packages/cli/src/cli-runner.testkit.js';
import { startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient } from './support/ws-client.js';

const OWNER = 'ditto:ditto';
const ALICE = 'alice:alice-pw';
const BOB = 'bob:bob-pw';
const CAROL = 'carol:carol-pw';

const ROOT = 'ops:pv-root';
const TEMPLATE = 'org.egiz.pv:template';
const SOURCE = 'org.egiz.pv:source';
const MAIN = 'org.egiz.pv:main';
const IMPORTING = 'org.egiz.pv:importing';

const rw = { grant: ['READ', 'WRITE'], revoke: [] };
const read = { grant: ['READ'], revoke: [] };
const revokeRead = { grant: [], revoke: ['READ'] };
const admin = {
  subjects: { 'nginx:ditto': { type: 'admin' } },
  resources: { 'policy:/': rw },
  importable: 'never',
};
const sub = (...ids: string[]) => Object.fromEntries(ids.map((id) => [id, { type: 'test' }]));

const imported = (policyId: string, label: string) => `imported-${policyId}-${label}`;
const L = {
  implicit: imported(SOURCE, 'IMPLICIT'),
  listed: imported(SOURCE, 'EXPLICIT_LISTED'),
  unlisted: imported(SOURCE, 'EXPLICIT_UNLISTED'),
  never: imported(SOURCE, 'NEVER'),
  mainRole: imported(MAIN, 'MAIN_ROLE'),
  templateBase: imported(MAIN, imported(TEMPLATE, 'BASE')),
  rootTenant: `nsimported-${ROOT}-TENANT`,
  rootExplicit: `nsimported-${ROOT}-EXPLICIT`,
};

const POLICIES: Record<string, unknown> = {
  [ROOT]: {
    entries: {
      operator: admin,
      TENANT: { subjects: sub('nginx:tenant-admin'), resources: { 'thing:/': rw } },
      EXPLICIT: {
        subjects: sub('nginx:root-explicit'),
        resources: { 'thing:/': read },
        importable: 'explicit',
      },
    },
  },
  [TEMPLATE]: {
    entries: {
      ADMIN: admin,
      BASE: { subjects: sub('nginx:base-user'), resources: { 'thing:/features': read } },
    },
  },
  [SOURCE]: {
    entries: {
      ADMIN: admin,
      IMPLICIT: { subjects: sub('nginx:svc-implicit'), resources: { 'thing:/': read } },
      EXPLICIT_LISTED: {
        subjects: sub('nginx:svc-listed'),
        resources: { 'thing:/attributes': read },
        importable: 'explicit',
      },
      EXPLICIT_UNLISTED: {
        subjects: sub('nginx:svc-unlisted'),
        resources: { 'thing:/attributes': read },
        importable: 'explicit',
      },
      NEVER: { subjects: sub('nginx:svc-never'), resources: { 'thing:/': read }, importable: 'never' },
      READERS: {
        subjects: sub('nginx:alice'),
        resources: { 'policy:/': read, 'policy:/entries/IMPLICIT/subjects': revokeRead },
        importable: 'never',
      },
    },
  },
  [MAIN]: {
    imports: { [TEMPLATE]: {} },
    entries: {
      ADMIN: admin,
      CAROL: { subjects: sub('nginx:carol'), resources: { 'policy:/': read }, importable: 'never' },
      MAIN_ROLE: { subjects: sub('nginx:main-user'), resources: { 'thing:/attributes': read } },
    },
  },
  [IMPORTING]: {
    imports: {
      [SOURCE]: { entries: ['EXPLICIT_LISTED', 'NEVER'] },
      [MAIN]: { transitiveImports: [TEMPLATE] },
    },
    entries: {
      OWNER: {
        subjects: sub('nginx:ditto'),
        resources: { 'policy:/': rw, 'thing:/': rw },
      },
      READERS: { subjects: sub('nginx:alice', 'nginx:bob', 'nginx:carol'), resources: { 'policy:/': read } },
      ALICE_LIMIT: {
        subjects: sub('nginx:alice'),
        resources: { [`policy:/entries/${L.listed}/resources`]: revokeRead, 'policy:/imports': revokeRead },
      },
    },
  },
};

let s: TestServer;

beforeAll(async () => {
  s = await startServer({
    EGIZ_USERS: 'ditto:ditto,alice:alice-pw,bob:bob-pw,carol:carol-pw',
    EGIZ_NAMESPACE_ROOT_POLICIES: `org.egiz.pv|org.egiz.pv.*=${ROOT}`,
  });
  for (const [id, json] of Object.entries(POLICIES)) {
    const res = await s.request(`/api/2/policies/${id}`, { method: 'PUT', json });
    expect(res.status, `${id}: ${await res.clone().text()}`).toBe(201);
  }
});
afterAll(async () => {
  await s.close();
});

async function get(
  path: string,
  auth = OWNER,
  headers: Record<string, string> = {},
): Promise<{ status: number; etag: string | null; body: Record<string, any> }> {
  const res = await s.request(path, { auth, headers });
  const text = await res.text();
  return {
    status: res.status,
    etag: res.headers.get('etag'),
    body: text === '' ? {} : (JSON.parse(text) as Record<string, any>),
  };
}

const resolved = (auth = OWNER) => get(`/api/2/policies/${IMPORTING}?policy-view=resolved`, auth);
const labels = (body: Record<string, any>) => Object.keys(body.entries as object).sort();

describe('the resolved view', () => {
  it('merges implicit imports, listed explicit ones, never no never, and the namespace root', async () => {
    const r = await resolved();
    expect(r.status).toBe(200);
    expect(labels(r.body)).toEqual(
      [
        'OWNER',
        'READERS',
        'ALICE_LIMIT',
        L.implicit,
        L.listed,
        L.mainRole,
        L.templateBase,
        L.rootTenant,
      ].sort(),
    );
    for (const absent of [
      L.unlisted,
      L.never,
      L.rootExplicit,
      imported(SOURCE, 'ADMIN'),
      imported(MAIN, 'ADMIN'),
    ])
      expect(r.body.entries).not.toHaveProperty([absent]);
    expect(r.body.entries[L.implicit]).toEqual(
      (POLICIES[SOURCE] as { entries: Record<string, unknown> }).entries.IMPLICIT,
    );
    expect(r.body.entries[L.rootTenant]).toEqual({
      subjects: sub('nginx:tenant-admin'),
      resources: { 'thing:/': rw },
    });
    // The imports block is the stored one, and so is the policyId.
    expect(r.body.policyId).toBe(IMPORTING);
    expect(r.body.imports).toEqual((POLICIES[IMPORTING] as { imports: unknown }).imports);
  });

  it('nests the labels of transitive imports', async () => {
    const r = await resolved();
    expect(r.body.entries[L.templateBase]).toEqual({
      subjects: sub('nginx:base-user'),
      resources: { 'thing:/features': read },
    });
    expect(L.templateBase).toBe('imported-org.egiz.pv:main-imported-org.egiz.pv:template-BASE');
  });

  it('is the default only when asked for: original (default) shows the stored entries with an ETag', async () => {
    const original = await get(`/api/2/policies/${IMPORTING}`);
    expect(labels(original.body)).toEqual(['ALICE_LIMIT', 'OWNER', 'READERS']);
    expect(original.etag).toBe('"rev:1"');
    const explicit = await get(`/api/2/policies/${IMPORTING}?policy-view=original`);
    expect(explicit.body).toEqual(original.body);
    expect(explicit.etag).toBe('"rev:1"');
  });

  it('is taken from the header as well as from the query parameter (which wins), case-insensitive', async () => {
    const viaHeader = await get(`/api/2/policies/${IMPORTING}`, OWNER, { 'policy-view': 'resolved' });
    expect(viaHeader.body).toEqual((await resolved()).body);
    const mixed = await get(`/api/2/policies/${IMPORTING}?policy-view=%20Resolved%20`);
    expect(mixed.body).toEqual(viaHeader.body);
    const queryWins = await get(`/api/2/policies/${IMPORTING}?policy-view=original`, OWNER, {
      'policy-view': 'resolved',
    });
    expect(labels(queryWins.body)).toEqual(['ALICE_LIMIT', 'OWNER', 'READERS']);
  });

  it('has no ETag and ignores If-None-Match and If-Match', async () => {
    const r = await resolved();
    expect(r.etag).toBeNull();
    const notModified = await get(`/api/2/policies/${IMPORTING}`, OWNER, { 'if-none-match': '"rev:1"' });
    expect(notModified.status).toBe(304);
    const ignored = await get(`/api/2/policies/${IMPORTING}?policy-view=resolved`, OWNER, {
      'if-none-match': '"rev:1"',
    });
    expect(ignored.status).toBe(200);
    expect(ignored.body).toEqual(r.body);
    const wrongMatch = await get(`/api/2/policies/${IMPORTING}?policy-view=resolved`, OWNER, {
      'if-match': '"rev:999"',
    });
    expect(wrongMatch.status).toBe(200);
    expect(wrongMatch.etag).toBeNull();
    expect((await get(`/api/2/policies/${IMPORTING}`, OWNER, { 'if-match': '"rev:999"' })).status).toBe(412);
  });

  it('is read-through: a change of an imported policy shows at once', async () => {
    const put = await s.request(`/api/2/policies/${SOURCE}/entries/IMPLICIT/subjects/nginx:svc-added`, {
      method: 'PUT',
      json: { type: 'added' },
    });
    expect(put.status).toBe(201);
    const r = await resolved();
    expect(Object.keys(r.body.entries[L.implicit].subjects as object).sort()).toEqual([
      'nginx:svc-added',
      'nginx:svc-implicit',
    ]);
    const del = await s.request(`/api/2/policies/${SOURCE}/entries/IMPLICIT/subjects/nginx:svc-added`, {
      method: 'DELETE',
    });
    expect(del.status).toBe(204);
  });

  it('honours fields=, also deep selectors into merged entries', async () => {
    const r = await get(
      `/api/2/policies/${IMPORTING}?policy-view=resolved&fields=policyId,entries/${L.implicit}/subjects,entries/${L.templateBase}`,
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      policyId: IMPORTING,
      entries: {
        [L.implicit]: { subjects: sub('nginx:svc-implicit') },
        [L.templateBase]: {
          subjects: sub('nginx:base-user'),
          resources: { 'thing:/features': read },
        },
      },
    });
    const importsOnly = await get(`/api/2/policies/${IMPORTING}?policy-view=resolved&fields=imports`);
    expect(importsOnly.body).toEqual({ imports: (POLICIES[IMPORTING] as { imports: unknown }).imports });
  });

  it('answers 400 policies:view.invalid with the Ditto error JSON for other values', async () => {
    for (const attempt of [
      { path: `/api/2/policies/${IMPORTING}?policy-view=merged`, headers: {}, value: 'merged' },
      { path: `/api/2/policies/${IMPORTING}`, headers: { 'policy-view': 'effective' }, value: 'effective' },
    ]) {
      const r = await get(attempt.path, OWNER, attempt.headers);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        status: 400,
        error: 'policies:view.invalid',
        message: `The 'policy-view' parameter has an invalid value: '${attempt.value}'. Valid values: 'original', 'resolved'.`,
        description: "Use 'original' (or omit) for the stored policy, or 'resolved' for the merged view.",
      });
    }
  });

  it('leaves sub-resources alone', async () => {
    const entries = await get(`/api/2/policies/${IMPORTING}/entries?policy-view=resolved`);
    expect(entries.status).toBe(200);
    expect(Object.keys(entries.body).sort()).toEqual(['ALICE_LIMIT', 'OWNER', 'READERS']);
    expect(entries.etag).toMatch(/^"hash:/);
    const imports = await get(`/api/2/policies/${IMPORTING}/imports`, OWNER, { 'policy-view': 'resolved' });
    expect(imports.body).toEqual((POLICIES[IMPORTING] as { imports: unknown }).imports);
    // Ditto reads policy-view only for the whole Policy, so elsewhere even a wrong value is ignored.
    expect((await get(`/api/2/policies/${IMPORTING}/entries/OWNER?policy-view=bogus`)).status).toBe(200);
    const missing = await get(`/api/2/policies/${IMPORTING}/entries/${L.implicit}?policy-view=resolved`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('policies:entry.notfound');
  });

  it('is refused together with a historical read', async () => {
    const r = await get(`/api/2/policies/${IMPORTING}?policy-view=resolved`, OWNER, {
      'at-historical-revision': '1',
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('gateway:header.invalid');
  });

  it('still answers 404 to callers who cannot read the policy at all', async () => {
    const r = await get(`/api/2/policies/${SOURCE}?policy-view=resolved`, BOB);
    expect(r.status).toBe(404);
    expect(r.body.error).toBe('policies:policy.notfound');
  });
});

describe('the resolved view shows each caller only what it may read in every source', () => {
  it('a reader of the importing policy who cannot read the sources sees no merged entry', async () => {
    const r = await resolved(BOB);
    expect(r.status).toBe(200);
    expect(labels(r.body)).toEqual(['ALICE_LIMIT', 'OWNER', 'READERS']);
    const text = JSON.stringify(r.body);
    for (const leak of ['svc-', 'main-user', 'base-user', 'tenant-admin']) expect(text).not.toContain(leak);
  });

  it('partial READ in the source gives the partial entry, cut by the importing policy as well', async () => {
    const r = await resolved(ALICE);
    expect(labels(r.body)).toEqual(['ALICE_LIMIT', 'OWNER', 'READERS', L.implicit, L.listed].sort());
    // The source revokes READ on IMPLICIT's subjects for alice ...
    expect(r.body.entries[L.implicit]).toEqual({ resources: { 'thing:/': read } });
    // ... and the importing policy revokes READ on the resources of the merged EXPLICIT_LISTED.
    expect(r.body.entries[L.listed]).toEqual({ subjects: sub('nginx:svc-listed'), importable: 'explicit' });
    expect(JSON.stringify(r.body)).not.toContain('svc-implicit');
    // The rest of the importing policy is cut as in the original view.
    expect(r.body).not.toHaveProperty('imports');
    expect((await get(`/api/2/policies/${IMPORTING}`, ALICE)).body).not.toHaveProperty('imports');
    // The source itself shows alice the same cut.
    const direct = await get(`/api/2/policies/${SOURCE}/entries/IMPLICIT`, ALICE);
    expect(direct.body).toEqual({ resources: { 'thing:/': read } });
  });

  it('a transitive entry needs READ in the policy it originates from, not only in the intermediate one', async () => {
    // carol may read `main`, where the template's BASE shows as imported-<template>-BASE ...
    const inMain = await get(`/api/2/policies/${MAIN}?policy-view=resolved`, CAROL);
    expect(labels(inMain.body)).toEqual(['ADMIN', 'CAROL', 'MAIN_ROLE']);
    // ... but not the template, so BASE stays hidden in the importing policy as well.
    const r = await resolved(CAROL);
    expect(labels(r.body)).toEqual(['ALICE_LIMIT', 'OWNER', 'READERS', L.mainRole].sort());
    expect(JSON.stringify(r.body)).not.toContain('base-user');
    expect((await get(`/api/2/policies/${TEMPLATE}`, CAROL)).status).toBe(404);
  });

  it('namespace root entries need READ in the root policy', async () => {
    expect((await resolved(OWNER)).body.entries).toHaveProperty([L.rootTenant]);
    for (const who of [ALICE, BOB, CAROL])
      expect((await resolved(who)).body.entries).not.toHaveProperty([L.rootTenant]);
  });

  it('a grant to READ the source gives the entry at once', async () => {
    const grant = await s.request(`/api/2/policies/${TEMPLATE}/entries/CAROL`, {
      method: 'PUT',
      json: {
        subjects: sub('nginx:carol'),
        resources: { 'policy:/entries/BASE': read },
        importable: 'never',
      },
    });
    expect(grant.status).toBe(201);
    const r = await resolved(CAROL);
    expect(r.body.entries[L.templateBase]).toEqual({
      subjects: sub('nginx:base-user'),
      resources: { 'thing:/features': read },
    });
    const revoke = await s.request(`/api/2/policies/${TEMPLATE}/entries/CAROL`, { method: 'DELETE' });
    expect(revoke.status).toBe(204);
    expect((await resolved(CAROL)).body.entries).not.toHaveProperty([L.templateBase]);
  });
});

describe('the resolved view over the WebSocket', () => {
  const topic = `org.egiz.pv/importing/policies/commands/retrieve`;

  it('takes policy-view from the envelope headers, without an etag', async () => {
    const ws = await WsTestClient.connect(s.url);
    try {
      const r = await ws.request({ topic, path: '/', headers: { 'policy-view': 'resolved' } });
      expect(r).toMatchObject({ topic, path: '/', status: 200 });
      expect(r.headers).not.toHaveProperty('etag');
      expect(Object.keys(r.value.entries as object).sort()).toEqual(labels((await resolved()).body));
      const original = await ws.request({ topic, path: '/' });
      expect(original.headers.etag).toBe('"rev:1"');
      expect(Object.keys(original.value.entries as object).sort()).toEqual([
        'ALICE_LIMIT',
        'OWNER',
        'READERS',
      ]);
      const withFields = await ws.request({
        topic,
        path: '/',
        fields: `entries/${L.templateBase}/subjects`,
        headers: { 'policy-view': 'resolved' },
      });
      expect(withFields.value).toEqual({
        entries: { [L.templateBase]: { subjects: sub('nginx:base-user') } },
      });
      const invalid = await ws.request({ topic, path: '/', headers: { 'policy-view': 'merged' } });
      expect(invalid).toMatchObject({
        topic: 'org.egiz.pv/importing/policies/errors',
        status: 400,
        value: { status: 400, error: 'policies:view.invalid' },
      });
      const entries = await ws.request({
        topic,
        path: '/entries',
        headers: { 'policy-view': 'resolved' },
      });
      expect(Object.keys(entries.value as object).sort()).toEqual(['ALICE_LIMIT', 'OWNER', 'READERS']);
    } finally {
      await ws.close();
    }
  });

  it('cuts the view for each caller as over HTTP', async () => {
    for (const [who, expected] of [
      [BOB, (await resolved(BOB)).body],
      [ALICE, (await resolved(ALICE)).body],
      [CAROL, (await resolved(CAROL)).body],
    ] as const) {
      const ws = await WsTestClient.connect(s.url, { auth: who });
      try {
        const r = await ws.request({ topic, path: '/', headers: { 'policy-view': 'resolved' } });
        expect(r.status, who).toBe(200);
        expect(r.value, who).toEqual(expected);
      } finally {
        await ws.close();
      }
    }
  });
});

describe('the resolved view from the command line', () => {
  it('egiz policy get --resolved prints what the API answers the same user', async () => {
    const cli = cliSandbox(s.url, { user: 'alice', password: 'alice-pw' });
    try {
      const r = await cli.run(['policy', 'get', IMPORTING, '--resolved']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual((await resolved(ALICE)).body);
      const plain = await cli.run(['policy', 'get', IMPORTING]);
      expect(Object.keys(JSON.parse(plain.stdout).entries as object).sort()).toEqual([
        'ALICE_LIMIT',
        'OWNER',
        'READERS',
      ]);
    } finally {
      cli.cleanup();
    }
  });
});
