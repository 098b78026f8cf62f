/**
 * @module The state of one Policy as the write path keeps it, its events, and the pure `evolvePolicy`
 * that replays them. Policy paths are kept as segment arrays because labels, subject ids and
 * resource keys (`thing:/attributes`) may themselves contain slashes.
 */
import { deleteAt, setAt } from './json-pointer.js';
import type { JsonObject, JsonValue } from './json.js';

export interface PolicyState {
  readonly id: string;
  readonly revision: number;
  readonly created: string;
  readonly modified: string;
  readonly deleted: boolean;
  /** The Policy JSON including `policyId`; `{}` when deleted. */
  readonly policy: JsonObject;
}

export type PolicyEventAction = 'created' | 'modified' | 'deleted';

export interface PolicyEvent {
  /** Ditto's event type, e.g. `policies.events:subjectCreated`. */
  readonly type: string;
  readonly action: PolicyEventAction;
  readonly policyId: string;
  /** Segments of the changed resource inside the Policy JSON ([] = the whole Policy). */
  readonly pointer: readonly string[];
  /** Display form of the pointer (`/entries/DEFAULT/subjects/nginx:ditto`). */
  readonly path: string;
  readonly value?: JsonValue;
  readonly revision: number;
  readonly timestamp: string;
}

export function policyPath(pointer: readonly string[]): string {
  return pointer.length === 0 ? '/' : '/' + pointer.join('/');
}

export function evolvePolicy(state: PolicyState | undefined, event: PolicyEvent): PolicyState {
  const live = state && !state.deleted ? state.policy : {};
  let policy: JsonObject;
  let deleted = false;
  if (event.action === 'deleted') {
    if (event.pointer.length === 0) {
      policy = {};
      deleted = true;
    } else policy = deleteAt(live, event.pointer);
  } else
    policy =
      event.pointer.length === 0
        ? (event.value as JsonObject)
        : setAt(live, event.pointer, event.value as JsonValue);
  return {
    id: event.policyId,
    revision: event.revision,
    created: !state || state.deleted ? event.timestamp : state.created,
    modified: event.timestamp,
    deleted,
    policy: deleted ? {} : { ...policy, policyId: event.policyId },
  };
}
