/**
 * @module First-start seeding of the example world (EGIZ_SEED_EXAMPLES=true): the examples policy
 * and twins are created through the normal services (so they are journalled, indexed and enforced
 * like any other write), owned by the first configured user. Idempotent: skipped when the world exists.
 */
import { EXAMPLES_POLICY_ID, examplesPolicy, exampleThings, type JsonObject } from '@egiz/core';
import type { AuthContext } from '../dispatch/auth-context.js';
import type { PolicyService } from '../dispatch/policy-service.js';
import type { ThingService } from '../dispatch/thing-service.js';

export async function seedExamples(
  deps: { things: ThingService; policies: PolicyService },
  owner: AuthContext,
): Promise<{ seeded: boolean; things: number }> {
  const existing = await deps.things.load((exampleThings()[0] as JsonObject).thingId as string);
  if (existing && !existing.deleted) return { seeded: false, things: 0 };
  await deps.policies.execute(
    {
      type: 'modify',
      policyId: EXAMPLES_POLICY_ID,
      resource: { kind: 'policy', pointer: [] },
      value: examplesPolicy(owner.primary),
      options: {},
    },
    owner,
  );
  const things = exampleThings();
  await Promise.all(
    things.map((thing) =>
      deps.things.execute(
        {
          type: 'modify',
          thingId: thing.thingId as string,
          resource: { kind: 'thing', pointer: [] },
          value: thing,
          options: {},
        },
        owner,
      ),
    ),
  );
  return { seeded: true, things: things.length };
}
