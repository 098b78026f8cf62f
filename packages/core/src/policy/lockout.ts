/**
 * @module Lock-out protection: a policy must keep someone able to change it.
 */

import { compileEnforcer } from './enforcer.js';
import { parseResourceKey } from './path.js';
import type { CompileOptions } from './tree.js';
import type { PolicyJson } from './types.js';

/**
 * Ditto's PoliciesValidator: some subject WITHOUT an expiry is granted WRITE exactly on
 * `policy:/` by some entry, and no entry revokes WRITE on `policy:/` for that subject id.
 * Revokes deeper down (e.g. on `policy:/entries/admin`) do not matter, and expiring subjects
 * never count because they will disappear. Entry `namespaces` are not looked at. Ditto skips
 * this check for policies with imports (the writer may come from an import); callers should
 * do the same, so this function answers for the policy's own entries only.
 */
export function hasPolicyWriter(policy: PolicyJson): boolean {
  const granted = new Set<string>();
  const revoked = new Set<string>();
  for (const entry of Object.values(policy.entries)) {
    let grants = false;
    let revokes = false;
    for (const [key, permissions] of Object.entries(entry.resources ?? {})) {
      const parsed = parseResourceKey(key);
      if ('error' in parsed || parsed.type !== 'policy' || parsed.segments.length !== 0) continue;
      grants ||= permissions.grant.includes('WRITE');
      revokes ||= permissions.revoke.includes('WRITE');
    }
    for (const [id, subject] of Object.entries(entry.subjects ?? {})) {
      if (grants && subject.expiry === undefined) granted.add(id);
      if (revokes) revoked.add(id);
    }
  }
  for (const id of granted) if (!revoked.has(id)) return true;
  return false;
}

/**
 * Ditto's CreatePolicy rule: the creating `subjects` hold unrestricted WRITE on `policy:/` in
 * the new policy (evaluated with the full tree semantics, so a revoke below `policy:/`
 * fails it), unless the request carries `allow-policy-lockout: true`. Pass the resolved
 * policy if it has imports.
 */
export function grantsPolicyWrite(
  policy: PolicyJson,
  subjects: readonly string[],
  opts: CompileOptions = {},
): boolean {
  return compileEnforcer(policy, opts).hasUnrestricted('policy', '/', subjects, ['WRITE']);
}
