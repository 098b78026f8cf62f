/**
 * @module The policy a Thing gets when it is created with neither policyId nor `_policy`:
 * id = thingId, one entry DEFAULT giving the creator READ and WRITE on thing:/, policy:/, message:/.
 */
import type { JsonObject } from '@egiz/core';

export function defaultPolicy(policyId: string, subject: string): JsonObject {
  const rw = { grant: ['READ', 'WRITE'], revoke: [] };
  return {
    policyId,
    entries: {
      DEFAULT: {
        subjects: { [subject]: { type: 'generated' } },
        resources: { 'thing:/': rw, 'policy:/': rw, 'message:/': rw },
      },
    },
  };
}
