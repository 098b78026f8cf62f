/**
 * @module Subject expiry: which subjects of a Policy are due (expiry at or before now), the next due
 * time, and the `subjectDeleted` events that remove them (Ditto deletes expired subjects).
 */
import {
  evolvePolicy,
  isJsonObject,
  policyPath,
  type JsonObject,
  type PolicyEvent,
  type PolicyState,
} from '@egiz/core';

interface SubjectRef {
  readonly label: string;
  readonly subjectId: string;
  readonly expiry: number;
}

function subjectsWithExpiry(policy: JsonObject): SubjectRef[] {
  const out: SubjectRef[] = [];
  const entries = policy.entries;
  if (!isJsonObject(entries)) return out;
  for (const [label, entry] of Object.entries(entries)) {
    if (!isJsonObject(entry) || !isJsonObject(entry.subjects)) continue;
    for (const [subjectId, subject] of Object.entries(entry.subjects)) {
      if (!isJsonObject(subject) || typeof subject.expiry !== 'string') continue;
      const t = Date.parse(subject.expiry);
      if (!Number.isNaN(t)) out.push({ label, subjectId, expiry: t });
    }
  }
  return out;
}

/** Epoch millis of the earliest subject expiry, or undefined. */
export function nextExpiry(policy: JsonObject): number | undefined {
  let min: number | undefined;
  for (const s of subjectsWithExpiry(policy)) if (min === undefined || s.expiry < min) min = s.expiry;
  return min;
}

/** The events removing every subject due at `now`, and the state after them. */
export function removeExpiredSubjects(
  state: PolicyState,
  now: Date,
): { events: PolicyEvent[]; next: PolicyState } {
  let next = state;
  const events: PolicyEvent[] = [];
  for (const s of subjectsWithExpiry(state.policy)) {
    if (s.expiry > now.getTime()) continue;
    const pointer = ['entries', s.label, 'subjects', s.subjectId];
    const e: PolicyEvent = {
      type: 'policies.events:subjectDeleted',
      action: 'deleted',
      policyId: state.id,
      pointer,
      path: policyPath(pointer),
      revision: next.revision + 1,
      timestamp: now.toISOString(),
    };
    events.push(e);
    next = evolvePolicy(next, e);
  }
  return { events, next };
}
