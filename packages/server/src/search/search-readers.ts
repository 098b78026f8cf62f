/**
 * @module Who may READ which Things, kept beside the Things for the search (`policy_readers`).
 *
 * `searchReadersOf` classifies the subjects of a policy as it applies in a namespace. `SearchReaders`
 * keeps the rows current: it is a Store decorator for the write path that attaches reader rows to a
 * batch before it is committed, in the same transaction, whenever a Thing lands in a (policy,
 * namespace) pair that has no rows yet, or a Policy changes (then for every namespace it governs).
 * Pairs seen to have rows are remembered, so an update of a Thing costs no lookup. Imported and
 * namespace root policies count through `source`; a change of an imported or root policy alone does
 * not refresh the rows of the policies that use it yet (ADR 0004).
 */
import { namespaceOf, type Enforcer, type JsonObject, type PolicyJson } from '@egiz/core';
import type { CommitResult, Mutation, PolicyReaders, Store } from '../store/port.js';
import { searchDialect } from './sql/dialects.js';
import { readerPairsQuery } from './sql/search-sql.js';

/**
 * The Enforcer of a policy as it applies to Things of `namespace`, and the id of every subject the
 * (resolved) policy mentions. `candidate` is the policy's JSON when the same batch writes it.
 */
export type ReaderSource = (
  policyId: string,
  namespace: string,
  candidate: JsonObject | undefined,
) => Promise<{ readonly enforcer: Enforcer; readonly subjects: readonly string[] } | undefined>;

/** Every subject id in a policy's entries. */
export function policySubjectIds(policy: PolicyJson): string[] {
  const out = new Set<string>();
  for (const entry of Object.values(policy.entries ?? {}))
    for (const subject of Object.keys(entry.subjects ?? {})) out.add(subject);
  return [...out];
}

/**
 * Reader rows of a policy in a namespace. A subject revokes when pooling it with an unrestricted
 * reader takes the unrestricted READ away (a revoke anywhere on thing:/ does that).
 */
export function searchReadersOf(
  enforcer: Enforcer,
  policyId: string,
  namespace: string,
  subjects: Iterable<string>,
): PolicyReaders {
  const { unrestricted, partial } = enforcer.subjectsWith('thing', '/', 'READ');
  const full = [...unrestricted];
  const probe = full[0];
  const revoked: string[] = [];
  if (probe !== undefined)
    for (const s of new Set(subjects))
      if (!unrestricted.has(s) && !enforcer.hasUnrestricted('thing', '/', [probe, s], ['READ']))
        revoked.push(s);
  return { policyId, namespace, full, partial: [...partial], revoked };
}

const KNOWN_PAIRS = 100_000;
const PAIRS_PER_QUERY = 500;
const pairKey = (policyId: string, namespace: string) => `${policyId}\u0000${namespace}`;

/** A Store whose commits carry the reader rows their Things and Policies need. */
export class SearchReaders implements Store {
  readonly #store: Store;
  readonly #source: ReaderSource;
  /** Pairs whose rows this process wrote (or found current); bounded, forgetting the oldest. */
  readonly #known = new Map<string, true>();

  constructor(store: Store, source: ReaderSource) {
    this.#store = store;
    this.#source = source;
  }

  get dialect() {
    return this.#store.dialect;
  }
  open() {
    return this.#store.open();
  }
  close() {
    return this.#store.close();
  }
  ping() {
    return this.#store.ping();
  }
  get(...args: Parameters<Store['get']>) {
    return this.#store.get(...args);
  }
  getMany(...args: Parameters<Store['getMany']>) {
    return this.#store.getMany(...args);
  }
  journal(...args: Parameters<Store['journal']>) {
    return this.#store.journal(...args);
  }
  count(...args: Parameters<Store['count']>) {
    return this.#store.count(...args);
  }
  listIds(...args: Parameters<Store['listIds']>) {
    return this.#store.listIds(...args);
  }
  search(...args: Parameters<Store['search']>) {
    return this.#store.search(...args);
  }
  readerNamespaces(policyId: string) {
    return this.#store.readerNamespaces(policyId);
  }
  secret(name: string) {
    return this.#store.secret(name);
  }

  async commit(mutations: readonly Mutation[]): Promise<CommitResult> {
    const enriched = await this.#attach(mutations);
    const result = await this.#store.commit(enriched);
    const conflicts = new Set(result.conflicts);
    enriched.forEach((m, i) => {
      if (conflicts.has(i)) return;
      for (const r of m.readers ?? []) {
        const key = pairKey(r.policyId, r.namespace);
        // A pair without readers (a deleted policy) must be looked at again when Things arrive.
        if (r.full.length + r.partial.length === 0) this.#known.delete(key);
        else this.#remember(key);
      }
    });
    return result;
  }

  #remember(key: string): void {
    this.#known.delete(key);
    this.#known.set(key, true);
    if (this.#known.size > KNOWN_PAIRS) {
      const oldest = this.#known.keys().next();
      if (!oldest.done) this.#known.delete(oldest.value);
    }
  }

  async #pairsWithRows(pairs: readonly { policyId: string; namespace: string }[]): Promise<string[]> {
    const out: string[] = [];
    const policyIds = [...new Set(pairs.map((p) => p.policyId))];
    for (let i = 0; i < policyIds.length; i += PAIRS_PER_QUERY) {
      const rows = await this.#store.search(
        readerPairsQuery(searchDialect(this.#store.dialect), policyIds.slice(i, i + PAIRS_PER_QUERY)),
      );
      for (const row of rows) out.push(pairKey(row.policy_id as string, row.namespace as string));
    }
    return out;
  }

  async #attach(mutations: readonly Mutation[]): Promise<Mutation[]> {
    // The last state of each policy the batch writes (undefined = deleted).
    const policies = new Map<string, { at: number; value: JsonObject | undefined }>();
    mutations.forEach((m, at) => {
      if (m.next.kind === 'policy')
        policies.set(m.next.id, { at, value: m.next.deleted ? undefined : m.next.value });
    });
    const wanted = new Map<number, Map<string, { policyId: string; namespace: string }>>();
    const want = (at: number, policyId: string, namespace: string) => {
      const pairs = wanted.get(at) ?? new Map<string, { policyId: string; namespace: string }>();
      pairs.set(pairKey(policyId, namespace), { policyId, namespace });
      wanted.set(at, pairs);
    };
    const unknown = new Map<string, { at: number; policyId: string; namespace: string }>();
    mutations.forEach((m, at) => {
      const { next } = m;
      if (next.kind !== 'thing' || next.deleted || m.readers !== undefined) return;
      const policyId = next.value.policyId;
      if (typeof policyId !== 'string') return;
      const namespace = namespaceOf(next.id);
      const written = policies.get(policyId);
      const key = pairKey(policyId, namespace);
      if (written !== undefined) want(written.at, policyId, namespace);
      else if (!this.#known.has(key) && !unknown.has(key)) unknown.set(key, { at, policyId, namespace });
    });
    // Rows written earlier (by another process, or before a restart) are kept current by policy
    // changes: a pair that has rows needs nothing; only pairs without any are computed.
    for (const key of await this.#pairsWithRows([...unknown.values()])) {
      unknown.delete(key);
      this.#remember(key);
    }
    for (const { at, policyId, namespace } of unknown.values()) want(at, policyId, namespace);
    for (const [policyId, { at }] of policies)
      for (const namespace of await this.#store.readerNamespaces(policyId)) want(at, policyId, namespace);
    if (wanted.size === 0) return [...mutations];
    const out = [...mutations];
    for (const [at, pairs] of wanted) {
      const m = out[at] as Mutation;
      const readers: PolicyReaders[] = [...(m.readers ?? [])];
      for (const { policyId, namespace } of pairs.values()) {
        const written = policies.get(policyId);
        const source =
          written !== undefined && written.value === undefined
            ? undefined
            : await this.#source(policyId, namespace, written?.value);
        readers.push(
          source === undefined
            ? { policyId, namespace, full: [], partial: [] }
            : searchReadersOf(source.enforcer, policyId, namespace, source.subjects),
        );
      }
      out[at] = { ...m, readers };
    }
    return out;
  }
}
