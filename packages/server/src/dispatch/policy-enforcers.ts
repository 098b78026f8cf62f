/**
 * @module Enforcers for Policies as they apply to an entity: the Policy with its imports resolved
 * (loaded in bounded rounds) and, for Things, the namespace root policy the operator configured,
 * compiled once and cached. A cache entry remembers the revision of every Policy that went into it
 * and is rebuilt as soon as one of them changes or a subject expires, so a policy change takes
 * effect on the very next request.
 *
 * Compiled Enforcers are also shared by content: Policies whose resolved entries are the same (the
 * default policy of every Thing one user created, say) use one Enforcer, compiled once. Sharing is
 * sound while the Enforcer is valid: before `validUntil` no subject of those entries expires, so a
 * compilation now would give the same trees.
 */
import { hash } from 'node:crypto';
import {
  MAX_TRANSITIVE_DEPTH,
  compileEnforcer,
  importedPolicyIds,
  matchesNamespacePattern,
  mergeNamespaceRootPolicy,
  resolveImports,
  type Enforcer,
  type JsonObject,
  type PolicyJson,
} from '@egiz/core';
import { LruCache } from './lru-cache.js';
import type { PolicyRepository } from './policy-repository.js';

export interface NamespaceRootPolicy {
  /** Namespace patterns as in policy entries: `acme` exactly, `acme.*` below it. */
  readonly patterns: readonly string[];
  readonly policyId: string;
}

interface CacheEntry {
  readonly enforcer: Enforcer;
  readonly contributors: readonly (readonly [string, number])[];
}

export interface ImportContext {
  /** Resolves a Policy (the stored one or a candidate) with the imports that were loaded. */
  readonly resolve: (policy: PolicyJson) => PolicyJson;
  /** The imported policies that were found, by id. */
  readonly loaded: ReadonlyMap<string, PolicyJson>;
  readonly contributors: readonly (readonly [string, number])[];
}

/**
 * Loads a live Policy for the resolution: the repository's cache by default; the search's reader rows
 * pass their own (the policies as the batch being committed leaves them).
 */
export type PolicyLoader = (
  id: string,
) => Promise<{ readonly policy: JsonObject; readonly revision: number } | undefined>;

/** A Policy as it applies in a namespace, and the revision of every policy it was made of. */
export interface EffectivePolicy {
  readonly policy: PolicyJson;
  readonly contributors: readonly (readonly [string, number])[];
}

/** A namespace root policy that applies in a namespace, with its own imports loaded. */
export interface LoadedNamespaceRoot {
  readonly policyId: string;
  readonly policy: PolicyJson;
  readonly imports: ImportContext;
  readonly revision: number;
}

/** Distinct compiled Enforcers kept for sharing (distinct resolved entries, per namespace). */
const SHARED_ENFORCERS = 10_000;

export class PolicyEnforcers {
  readonly #repo: PolicyRepository;
  readonly #roots: readonly NamespaceRootPolicy[];
  readonly #clock: () => Date;
  /** By (policy, namespace): a Thing's policy in its namespace, and the policy itself for policy commands. */
  readonly #cache: LruCache<CacheEntry>;
  /** By (namespace, resolved entries). */
  readonly #compiled = new LruCache<Enforcer>(SHARED_ENFORCERS);
  readonly #live: PolicyLoader;

  /** `capacity`: Policies whose Enforcers are kept (default 10,000; two entries each at most). */
  constructor(
    repo: PolicyRepository,
    opts: { namespaceRoots?: readonly NamespaceRootPolicy[]; clock: () => Date; capacity?: number },
  ) {
    this.#repo = repo;
    this.#roots = opts.namespaceRoots ?? [];
    this.#clock = opts.clock;
    this.#cache = new LruCache<CacheEntry>(2 * (opts.capacity ?? 10_000));
    this.#live = (id) => repo.loadLive(id);
  }

  /**
   * Loads the imports `policies` need (transitively, bounded) and returns a resolver for them.
   * Missing imported policies are left out (resolveImports skips them).
   */
  importsOf(...policies: readonly PolicyJson[]): Promise<ImportContext & { missing: readonly string[] }> {
    return this.importsWith(this.#live, policies);
  }

  /** importsOf, loading through `load`. */
  async importsWith(
    load: PolicyLoader,
    policies: readonly PolicyJson[],
  ): Promise<ImportContext & { missing: readonly string[] }> {
    const loaded = new Map<string, PolicyJson>();
    const tried = new Set<string>();
    const contributors: [string, number][] = [];
    const missing: string[] = [];
    for (let round = 0; round <= MAX_TRANSITIVE_DEPTH; round++) {
      const wanted = policies
        .flatMap((p) => importedPolicyIds(p, loaded))
        .filter((id) => !loaded.has(id) && !tried.has(id));
      if (wanted.length === 0) break;
      for (const id of new Set(wanted)) {
        tried.add(id);
        const p = await load(id);
        if (p) {
          loaded.set(id, p.policy as unknown as PolicyJson);
          contributors.push([id, p.revision]);
        } else missing.push(id);
      }
    }
    return {
      // Also without imports: local `references` must be merged before the policy is enforced.
      resolve: (policy) => resolveImports(policy, loaded),
      loaded,
      contributors,
      missing,
    };
  }

  /** The namespace root policies configured for `namespace` that exist, in configuration order. */
  async namespaceRoots(namespace: string, load: PolicyLoader = this.#live): Promise<LoadedNamespaceRoot[]> {
    const out: LoadedNamespaceRoot[] = [];
    for (const root of this.#roots) {
      if (!root.patterns.some((p) => matchesNamespacePattern(p, namespace))) continue;
      const rootPolicy = await load(root.policyId);
      if (!rootPolicy) continue;
      const policy = rootPolicy.policy as unknown as PolicyJson;
      out.push({
        policyId: root.policyId,
        policy,
        imports: await this.importsWith(load, [policy]),
        revision: rootPolicy.revision,
      });
    }
    return out;
  }

  /**
   * A Policy as the enforcer compiles it: its imports resolved and, for Things of `namespace`, the
   * namespace root policies merged in. Throws PolicyImportError for an import chain Ditto refuses.
   */
  async effectivePolicy(
    base: { readonly id: string; readonly policy: JsonObject; readonly revision: number },
    namespace: string | undefined,
    load: PolicyLoader = this.#live,
  ): Promise<EffectivePolicy> {
    let policy = base.policy as unknown as PolicyJson;
    const contributors: (readonly [string, number])[] = [[base.id, base.revision]];
    const imports = await this.importsWith(load, [policy]);
    policy = imports.resolve(policy);
    contributors.push(...imports.contributors);
    if (namespace !== undefined)
      for (const root of await this.namespaceRoots(namespace, load)) {
        policy = mergeNamespaceRootPolicy(policy, root.policyId, root.imports.resolve(root.policy));
        contributors.push([root.policyId, root.revision], ...root.imports.contributors);
      }
    return { policy, contributors };
  }

  /**
   * The cached Enforcer when it is known to be current from cached Policies alone (the common case
   * of a request): no promise, no store. Undefined means "ask enforcer()", never "no policy".
   */
  cached(policyId: string, namespace: string | undefined): Enforcer | undefined {
    const entry = this.#cache.get(`${policyId}\u0000${namespace ?? '\u0000'}`);
    if (entry === undefined) return undefined;
    const validUntil = entry.enforcer.validUntil;
    if (validUntil && validUntil <= this.#clock()) return undefined;
    for (const [id, revision] of entry.contributors) {
      const current = this.#repo.peek(id);
      if (!current || current.deleted || current.revision !== revision) return undefined;
    }
    return entry.enforcer;
  }

  /** The Enforcer of a Policy as it applies in `namespace` (undefined namespace: policy commands). */
  async enforcer(policyId: string, namespace: string | undefined): Promise<Enforcer | undefined> {
    const key = `${policyId}\u0000${namespace ?? '\u0000'}`;
    const cached = this.#cache.get(key);
    const now = this.#clock();
    if (cached && (await this.#fresh(cached, now))) return cached.enforcer;
    const base = await this.#repo.loadLive(policyId);
    if (!base) {
      this.#cache.delete(key);
      return undefined;
    }
    const { policy, contributors } = await this.effectivePolicy(
      { id: policyId, policy: base.policy, revision: base.revision },
      namespace,
    );
    const enforcer = this.compile(policy, namespace, now);
    this.#cache.set(key, { enforcer, contributors });
    return enforcer;
  }

  /**
   * The Enforcer of a resolved Policy (see effectivePolicy) in `namespace`, shared with every other
   * Policy whose resolved entries are the same there.
   */
  compile(policy: PolicyJson, namespace: string | undefined, now: Date = this.#clock()): Enforcer {
    // A digest, so that the keys of large policies do not hold their text.
    const scope = namespace === undefined ? '-' : `+${namespace}`;
    const key = hash('sha256', `${scope}\u0000${JSON.stringify(policy.entries)}`, 'base64');
    const shared = this.#compiled.get(key);
    if (shared !== undefined && !(shared.validUntil && shared.validUntil <= now)) return shared;
    const enforcer = compileEnforcer(policy, { ...(namespace !== undefined ? { namespace } : {}), now });
    this.#compiled.set(key, enforcer);
    return enforcer;
  }

  async #fresh(entry: CacheEntry, now: Date): Promise<boolean> {
    if (entry.enforcer.validUntil && entry.enforcer.validUntil <= now) return false;
    for (const [id, revision] of entry.contributors) {
      const current = await this.#repo.load(id);
      if (!current || current.deleted || current.revision !== revision) return false;
    }
    return true;
  }
}
