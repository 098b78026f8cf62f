/**
 * @module The store port: durable current state plus an append-only journal of events, for Things
 * and Policies, written together in one transaction per batch (group commit). Adapters: sqlite/
 * (embedded default) and postgres/. Both pass the same contract suite (store-contract.testkit.ts).
 */
import type { JsonObject, JsonValue } from '@egiz/core';

export const ENTITY_KINDS = ['thing', 'policy'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** The stored current state of one entity (a deleted entity keeps its row and revision). */
export interface EntityRecord {
  readonly kind: EntityKind;
  readonly id: string;
  readonly revision: number;
  readonly deleted: boolean;
  readonly created: string;
  readonly modified: string;
  /** The entity JSON (Thing or Policy); `{}` when deleted. */
  readonly value: JsonObject;
  readonly metadata?: JsonObject;
}

/** One journal entry: a persisted event. */
export interface JournalEntry {
  readonly kind: EntityKind;
  readonly id: string;
  readonly revision: number;
  readonly timestamp: string;
  readonly type: string;
  /** The event JSON as the domain produced it. */
  readonly payload: JsonValue;
}

/**
 * Who may READ Things governed by a Policy in one namespace (policy entries can be scoped by
 * namespace, so the answer is per pair). The search filters on these rows; each entry replaces all
 * rows of its pair. Subjects are classified each on its own, as `Enforcer.subjectsWith` does.
 */
export interface PolicyReaders {
  readonly policyId: string;
  readonly namespace: string;
  /** Subjects with unrestricted READ on `thing:/`. */
  readonly full: readonly string[];
  /** Subjects with READ on part of the Thing only. */
  readonly partial: readonly string[];
  /**
   * Subjects that revoke READ somewhere on `thing:/`: a caller holding one of them (next to a full
   * reader) only gets the partial view, because revokes win over grants for pooled subjects.
   */
  readonly revoked?: readonly string[];
}

/** A (policy, namespace) pair: the unit the search's reader rows are kept for. */
export interface ReaderPair {
  readonly policyId: string;
  readonly namespace: string;
}

/**
 * One row of the store's import index (`policy_imports`), derived from every live Policy it writes:
 * `importer` imports `imported`, and `via` is '' for the import itself or one id its declaration
 * lists in `transitiveImports` (search/policy-dependents.ts follows these rows backwards).
 */
export interface PolicyImportLink {
  readonly importer: string;
  readonly imported: string;
  readonly via: string;
}

/** One entity's change in a batch. `expectedRevision` is the revision the change was decided on (0 = new row). */
export interface Mutation {
  readonly next: EntityRecord;
  readonly expectedRevision: number;
  readonly events: readonly JournalEntry[];
  /**
   * The record stored at `expectedRevision`, when the caller has it at hand (a Thing's current
   * state). Adapters diff it against `next` to update the search index without reading it back.
   * Must be exactly what is stored at that revision; adapters read it themselves when absent.
   */
  readonly previous?: EntityRecord;
  /** Replaces the search's reader rows of each (policyId, namespace) pair, if the mutation applies. */
  readonly readers?: readonly PolicyReaders[];
}

export interface CommitResult {
  /** Indexes (into the committed array) of mutations refused because the stored revision moved on. */
  readonly conflicts: readonly number[];
  /**
   * When the batch became durable, as `performance.now()` of the calling thread, if the adapter
   * knows it before its promise settles (a writer thread whose reply may wait for the event loop);
   * otherwise the caller takes the moment the promise resolved.
   */
  readonly durableAt?: number;
}

/**
 * A read-only query over the search index in the store's SQL dialect (compiled by search/sql).
 * Parameter n (1-based) is `@pn` in SQLite and `$n` in PostgreSQL.
 */
export interface SearchQuery {
  readonly sql: string;
  readonly params: readonly (string | number | null)[];
}

/** Columns of a `things` row as search queries select them (`SELECT t.* ...` shaped by search/sql). */
export type SearchRow = Readonly<Record<string, unknown>>;

export interface JournalQuery {
  readonly fromRevision?: number;
  readonly toRevision?: number;
  /** Inclusive upper bound on the event timestamp (ISO-8601). */
  readonly toTimestamp?: string;
  readonly limit?: number;
}

export interface Store {
  /** `sqlite` or `postgres`: for diagnostics and dialect-specific code in search. */
  readonly dialect: 'sqlite' | 'postgres';
  /** Creates tables if needed. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Whether the store answers right now (readiness). */
  ping(): Promise<boolean>;
  get(kind: EntityKind, id: string): Promise<EntityRecord | undefined>;
  /** Records of the ids that exist (deleted ones included), each once, in no particular order. */
  getMany(kind: EntityKind, ids: readonly string[]): Promise<EntityRecord[]>;
  /**
   * Writes all mutations in ONE transaction. A mutation whose expectedRevision no longer matches is
   * skipped and reported as a conflict; all others are durable when the promise resolves. Several
   * mutations of one entity apply in batch order. If the batch fails (e.g. a journal entry that
   * already exists), nothing of it is written and the promise rejects. The rows of the import index
   * of a written Policy (policyImportLinks) are replaced in the same transaction.
   */
  commit(mutations: readonly Mutation[]): Promise<CommitResult>;
  journal(kind: EntityKind, id: string, query?: JournalQuery): Promise<JournalEntry[]>;
  /** Number of entities of a kind that are not deleted. */
  count(kind: EntityKind): Promise<number>;
  /** Ids of non-deleted entities after `after` in id order (for export and maintenance). */
  listIds(kind: EntityKind, after: string | undefined, limit: number): Promise<string[]>;
  /**
   * Runs a search query (see search/sql). The index it reads (`thing_fields`, `search_paths`,
   * `policy_readers` and the search columns of `things`) is written in the same transaction as the
   * Things, so a query sees every acknowledged write.
   */
  search(query: SearchQuery): Promise<SearchRow[]>;
  /**
   * The pairs whose reader rows must be recomputed when one of these Policies changes: those of the
   * live Things they govern and those that have rows; each once, in no particular order.
   */
  readerPairs(policyIds: readonly string[]): Promise<ReaderPair[]>;
  /**
   * The same for every Policy in the namespaces matching one of `patterns` (`acme` exactly, `acme.*`
   * below it, as namespace root policies are configured): the pairs of the live Things there (a range
   * of the Thing ids per pattern) and the pairs with rows there (this part reads all reader rows).
   */
  readerPairsIn(patterns: readonly string[]): Promise<ReaderPair[]>;
  /** The rows of the import index with one of the given (imported, via) keys, each once. */
  policyImportLinks(keys: readonly Omit<PolicyImportLink, 'importer'>[]): Promise<PolicyImportLink[]>;
  /**
   * A number that changes whenever a commit of this process rewrites reader rows (and so possibly
   * reader sets), read synchronously: what a reader probe found stays true while it is unchanged.
   * Only a store that no other process writes to offers it (the embedded one); others leave it out.
   */
  readersVersion?(): number;
  /** A random secret kept in the store under `name`, created on first use (the same for every node). */
  secret(name: string): Promise<Uint8Array>;
}
