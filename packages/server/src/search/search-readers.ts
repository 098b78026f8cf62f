/**
 * @module Who may READ which Things, kept beside the Things for the search (`policy_readers`).
 *
 * `searchReadersOf` classifies the subjects of a policy as it applies in a namespace. `SearchReaders`
 * keeps the rows current: it is a Store decorator for the write path that attaches reader rows to a
 * batch before it is committed, so they are written in the same transaction, for
 * - a Thing landing in a (policy, namespace) pair that has no rows yet (pairs seen to have rows are
 *   remembered, so an update of a Thing costs no lookup);
 * - every pair of a Policy the batch writes (creates, changes, deletes): the namespaces of its live
 *   Things and those with rows (`Store.readerPairs`);
 * - every pair of the policies that import a written one, directly or through `transitiveImports`, as
 *   far as the enforcer resolves imports: found in the store's import index (`policy_imports`, written
 *   with each Policy, so every process sees the same), see policy-dependents.ts;
 * - every pair in the namespaces of a namespace root policy that is written or imports a written one
 *   (`Store.readerPairsIn`).
 * The rows are computed by `source` — the enforcer's own resolution of imports and namespace root
 * policies — reading policies as the batch leaves them: its own writes first, the store otherwise
 * (never a cache another process may have made stale). Batches in flight together (SQLite hands the
 * next one over while one is being written) are ordered where they meet: a batch that reads a policy
 * another batch in flight writes waits for that one to commit, and a batch writing a policy that an
 * earlier batch in flight computed rows from waits for it, so that it sees that batch's pairs.
 * Batches of different processes are not ordered this way (ADR 0004, known gaps).
 */
import { namespaceOf, type Enforcer, type JsonObject, type PolicyJson } from '@egiz/core';
import type { CommitResult, Mutation, PolicyReaders, ReaderPair, Store } from '../store/port.js';
import { policyDependents } from './policy-dependents.js';
import { searchDialect } from './sql/dialects.js';
import { readerPairsQuery } from './sql/search-sql.js';

/** A live Policy as a batch leaves it. */
export interface LivePolicy {
  readonly policy: JsonObject;
  readonly revision: number;
}

/** Loads a Policy as the batch being committed leaves it; undefined when missing or deleted. */
export type PolicyLoader = (policyId: string) => Promise<LivePolicy | undefined>;

/**
 * The Enforcer of a policy as it applies to Things of `namespace`, and the id of every subject the
 * (resolved) policy mentions; undefined when nobody may read by it (no such policy). Every policy it
 * needs (the policy, its imports, namespace root policies and theirs) must come from `load`.
 */
export type ReaderSource = (
  policyId: string,
  namespace: string,
  load: PolicyLoader,
) => Promise<{ readonly enforcer: Enforcer; readonly subjects: readonly string[] } | undefined>;

/** A namespace root policy as configured (patterns as in policy entries: `acme`, `acme.*`). */
export interface ReaderNamespaceRoot {
  readonly patterns: readonly string[];
  readonly policyId: string;
}

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
const YIELD_EVERY = 200;
const pairKey = (policyId: string, namespace: string) => `${policyId}\u0000${namespace}`;

/** A batch between SearchReaders.commit and the end of its store commit. */
class Flight {
  /** Policies the batch writes. */
  readonly written: ReadonlySet<string>;
  /** Policies its reader rows were computed from (final once `attached` resolved). */
  readonly read = new Set<string>();
  readonly attached: Promise<void>;
  readonly settled: Promise<void>;
  markAttached!: () => void;
  markSettled!: () => void;

  constructor(written: ReadonlySet<string>) {
    this.written = written;
    this.attached = new Promise((resolve) => (this.markAttached = resolve));
    this.settled = new Promise((resolve) => (this.markSettled = resolve));
  }
}

/** The last state of a Policy in a batch: where it is written and its JSON (undefined = deleted). */
interface BatchPolicy {
  readonly at: number;
  readonly revision: number;
  readonly value: JsonObject | undefined;
}

/** A Store whose commits carry the reader rows their Things and Policies need. */
export class SearchReaders implements Store {
  readonly #store: Store;
  readonly #source: ReaderSource;
  readonly #roots: readonly ReaderNamespaceRoot[];
  /** Pairs whose rows this process wrote (or found current); bounded, forgetting the oldest. */
  readonly #known = new Map<string, true>();
  /** Batches of this process between commit() and the end of their store commit, oldest first. */
  readonly #flights = new Set<Flight>();

  constructor(
    store: Store,
    source: ReaderSource,
    opts: { namespaceRoots?: readonly ReaderNamespaceRoot[] } = {},
  ) {
    this.#store = store;
    this.#source = source;
    this.#roots = opts.namespaceRoots ?? [];
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
  readerPairs(...args: Parameters<Store['readerPairs']>) {
    return this.#store.readerPairs(...args);
  }
  readerPairsIn(...args: Parameters<Store['readerPairsIn']>) {
    return this.#store.readerPairsIn(...args);
  }
  policyImportLinks(...args: Parameters<Store['policyImportLinks']>) {
    return this.#store.policyImportLinks(...args);
  }
  secret(name: string) {
    return this.#store.secret(name);
  }

  async commit(mutations: readonly Mutation[]): Promise<CommitResult> {
    const written = new Set(mutations.flatMap((m) => (m.next.kind === 'policy' ? [m.next.id] : [])));
    const earlier = [...this.#flights];
    const flight = new Flight(written);
    this.#flights.add(flight);
    try {
      let enriched: Mutation[];
      try {
        // A policy written here that an earlier batch computed rows from: that batch's pairs (and
        // its import rows) must be in the store before this one looks for the pairs to refresh.
        for (const other of earlier) {
          await other.attached;
          if ([...written].some((id) => other.read.has(id) || other.written.has(id))) await other.settled;
        }
        enriched = await this.#attach(mutations, flight, earlier);
      } finally {
        flight.markAttached();
      }
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
    } finally {
      this.#flights.delete(flight);
      flight.markSettled();
    }
  }

  #remember(key: string): void {
    this.#known.delete(key);
    this.#known.set(key, true);
    if (this.#known.size > KNOWN_PAIRS) {
      const oldest = this.#known.keys().next();
      if (!oldest.done) this.#known.delete(oldest.value);
    }
  }

  async #pairsWithRows(pairs: readonly ReaderPair[]): Promise<string[]> {
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

  /**
   * Policies as the batch leaves them: its own writes, else the store once the batches in flight
   * before it that write the policy have committed. Each policy is read once per batch.
   */
  #loader(
    policies: ReadonlyMap<string, BatchPolicy>,
    flight: Flight,
    earlier: readonly Flight[],
  ): { load: PolicyLoader; prefetch: (ids: readonly string[]) => Promise<void> } {
    const loaded = new Map<string, Promise<LivePolicy | undefined>>();
    const own = (id: string): LivePolicy | undefined => {
      const p = policies.get(id);
      return p?.value === undefined ? undefined : { policy: p.value, revision: p.revision };
    };
    const committed = async (ids: readonly string[]) => {
      for (const other of earlier) if (ids.some((id) => other.written.has(id))) await other.settled;
    };
    const live = (r: { value: JsonObject; revision: number; deleted: boolean } | undefined) =>
      r === undefined || r.deleted ? undefined : { policy: r.value, revision: r.revision };
    const load: PolicyLoader = (id) => {
      flight.read.add(id);
      let found = loaded.get(id);
      if (found === undefined) {
        found = policies.has(id)
          ? Promise.resolve(own(id))
          : committed([id]).then(async () => live(await this.#store.get('policy', id)));
        loaded.set(id, found);
      }
      return found;
    };
    const prefetch = async (ids: readonly string[]) => {
      const missing = [...new Set(ids)].filter((id) => !policies.has(id) && !loaded.has(id));
      for (const id of missing) flight.read.add(id);
      await committed(missing);
      for (let i = 0; i < missing.length; i += PAIRS_PER_QUERY) {
        const chunk = missing.slice(i, i + PAIRS_PER_QUERY);
        const records = new Map((await this.#store.getMany('policy', chunk)).map((r) => [r.id, r]));
        for (const id of chunk) if (!loaded.has(id)) loaded.set(id, Promise.resolve(live(records.get(id))));
      }
    };
    return { load, prefetch };
  }

  async #attach(
    mutations: readonly Mutation[],
    flight: Flight,
    earlier: readonly Flight[],
  ): Promise<Mutation[]> {
    // The last state of each policy the batch writes.
    const policies = new Map<string, BatchPolicy>();
    mutations.forEach((m, at) => {
      const { next } = m;
      if (next.kind === 'policy')
        policies.set(next.id, { at, revision: next.revision, value: next.deleted ? undefined : next.value });
    });
    const wanted = new Map<number, Map<string, ReaderPair>>();
    const want = (at: number, policyId: string, namespace: string) => {
      const pairs = wanted.get(at) ?? new Map<string, ReaderPair>();
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
    if (policies.size > 0) await this.#wantChanged(policies, want);
    if (wanted.size === 0) return [...mutations];

    const { load, prefetch } = this.#loader(policies, flight, earlier);
    await prefetch([...wanted.values()].flatMap((pairs) => [...pairs.values()].map((p) => p.policyId)));
    const out = [...mutations];
    let computed = 0;
    for (const [at, pairs] of wanted) {
      const m = out[at] as Mutation;
      const readers: PolicyReaders[] = [...(m.readers ?? [])];
      for (const { policyId, namespace } of pairs.values()) {
        // A change of a widely used policy recomputes many pairs (~0.1 ms each): let requests in between.
        if (++computed % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
        const source = await this.#source(policyId, namespace, load);
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

  /**
   * The pairs a batch's policy writes change: those of the written policies, of the policies that
   * import them (see policy-dependents.ts) and, for a namespace root policy among them, every pair of
   * its namespaces; each attached to the last write it depends on, so a conflict there drops it too.
   */
  async #wantChanged(
    policies: ReadonlyMap<string, BatchPolicy>,
    want: (at: number, policyId: string, namespace: string) => void,
  ): Promise<void> {
    const changed = new Map([...policies].map(([id, p]) => [id, p.at]));
    const affected = new Map(changed);
    for (const [id, at] of await policyDependents(changed, (keys) => this.#store.policyImportLinks(keys)))
      affected.set(id, Math.max(at, affected.get(id) ?? at));
    const ids = [...affected.keys()];
    for (let i = 0; i < ids.length; i += PAIRS_PER_QUERY)
      for (const { policyId, namespace } of await this.#store.readerPairs(ids.slice(i, i + PAIRS_PER_QUERY)))
        want(affected.get(policyId) as number, policyId, namespace);
    for (const root of this.#roots) {
      const at = affected.get(root.policyId);
      if (at === undefined) continue;
      for (const { policyId, namespace } of await this.#store.readerPairsIn(root.patterns))
        want(at, policyId, namespace);
    }
  }
}
