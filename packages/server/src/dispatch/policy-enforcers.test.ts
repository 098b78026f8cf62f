/**
 * PolicyEnforcers on a real (in-memory) SQLite store: Policies with the same entries share one
 * compiled Enforcer, and sharing never outlives what the entries say (a change of one Policy, a
 * subject that expires, another namespace).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '@egiz/core';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { PolicyEnforcers } from './policy-enforcers.js';
import { PolicyRepository } from './policy-repository.js';

const T0 = '2030-01-01T00:00:00.000Z';
const entries = (subject: string, expiry?: string) => ({
  DEFAULT: {
    subjects: { [subject]: { type: 'test', ...(expiry ? { expiry } : {}) } },
    resources: { 'thing:/': { grant: ['READ', 'WRITE'], revoke: [] } },
  },
});

describe('PolicyEnforcers', () => {
  const store = new SqliteStore({ path: ':memory:' });
  let now = new Date(T0);
  const revisions = new Map<string, number>();

  async function putPolicy(id: string, value: JsonObject): Promise<void> {
    const revision = (revisions.get(id) ?? 0) + 1;
    revisions.set(id, revision);
    const result = await store.commit([
      {
        next: { kind: 'policy', id, revision, deleted: false, created: T0, modified: T0, value },
        expectedRevision: revision - 1,
        events: [],
      },
    ]);
    expect(result.conflicts).toStrictEqual([]);
  }

  beforeAll(async () => {
    await store.open();
  });
  afterAll(async () => {
    await store.close();
  });

  const fresh = () => new PolicyEnforcers(new PolicyRepository(store), { clock: () => now });

  it('compiles Policies with the same entries once, per namespace', async () => {
    await putPolicy('ns:a', { policyId: 'ns:a', entries: entries('u:alice') });
    await putPolicy('ns:b', { policyId: 'ns:b', entries: entries('u:alice') });
    await putPolicy('ns:c', { policyId: 'ns:c', entries: entries('u:bob') });
    const enforcers = fresh();
    const a = await enforcers.enforcer('ns:a', 'ns');
    const b = await enforcers.enforcer('ns:b', 'ns');
    const c = await enforcers.enforcer('ns:c', 'ns');
    expect(a).toBeDefined();
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(c?.hasUnrestricted('thing', '/', ['u:alice'], ['READ'])).toBe(false);
    // Policy commands (no namespace) and another namespace are compiled apart.
    expect(await enforcers.enforcer('ns:a', undefined)).not.toBe(a);
    expect(await enforcers.enforcer('ns:a', 'other')).not.toBe(a);
  });

  it('a changed Policy gets its own Enforcer; the unchanged one keeps the shared one', async () => {
    const enforcers = fresh();
    const before = await enforcers.enforcer('ns:a', 'ns');
    await putPolicy('ns:b', { policyId: 'ns:b', entries: entries('u:carol') });
    const b = await enforcers.enforcer('ns:b', 'ns');
    expect(b).not.toBe(before);
    expect(b?.hasUnrestricted('thing', '/', ['u:alice'], ['READ'])).toBe(false);
    expect(b?.hasUnrestricted('thing', '/', ['u:carol'], ['READ'])).toBe(true);
    expect(await enforcers.enforcer('ns:a', 'ns')).toBe(before);
  });

  it('does not share an Enforcer past the expiry of one of its subjects', async () => {
    const expiry = '2030-01-01T00:01:00.000Z';
    await putPolicy('ns:x', { policyId: 'ns:x', entries: entries('u:dave', expiry) });
    await putPolicy('ns:y', { policyId: 'ns:y', entries: entries('u:dave', expiry) });
    const enforcers = fresh();
    const x = await enforcers.enforcer('ns:x', 'ns');
    expect(x?.hasUnrestricted('thing', '/', ['u:dave'], ['READ'])).toBe(true);
    expect(await enforcers.enforcer('ns:y', 'ns')).toBe(x);
    now = new Date('2030-01-01T00:02:00.000Z');
    const y = await enforcers.enforcer('ns:y', 'ns');
    expect(y).not.toBe(x);
    expect(y?.hasUnrestricted('thing', '/', ['u:dave'], ['READ'])).toBe(false);
  });
});
