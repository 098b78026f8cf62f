/**
 * @module The reader source of the search (search/search-readers.ts): who may READ the Things of a
 * policy in a namespace, from the same resolution the enforcer compiles (imports, namespace root
 * policies), with every policy loaded as the batch being committed leaves it.
 */
import { PolicyImportError, type PolicyJson } from '@egiz/core';
import { policySubjectIds, type ReaderSource } from '../search/search-readers.js';
import type { PolicyEnforcers } from './policy-enforcers.js';

export function policyReaderSource(enforcers: PolicyEnforcers, clock: () => Date): ReaderSource {
  return async (policyId, namespace, load) => {
    const base = await load(policyId);
    if (base === undefined) return undefined;
    let policy: PolicyJson;
    try {
      ({ policy } = await enforcers.effectivePolicy({ id: policyId, ...base }, namespace, load));
    } catch (e) {
      // An imported policy changed so that the chain is too deep: no enforcer can be built from this
      // policy (requests on its Things fail too), so nobody finds its Things either.
      if (e instanceof PolicyImportError) return undefined;
      throw e;
    }
    return { enforcer: enforcers.compile(policy, namespace, clock()), subjects: policySubjectIds(policy) };
  };
}
