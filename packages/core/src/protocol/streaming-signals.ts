/**
 * @module History streaming over the Ditto Protocol (protocol-specification-streaming-subscription):
 * `subscribeForPersistedEvents`, `request`, `cancel` from the client; `created`, `next`,
 * `complete`, `failed` from Egiz, all on `{ns}/{name}/{things/twin|policies}/streaming/{action}`.
 * Also the search protocol's topics (`_/_/things/twin/search/...`), which are parsed so that they
 * can be answered, not silently ignored.
 */
import { parseEntityId } from '../model/entity-id.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../model/json.js';
import { DittoError } from './ditto-error.js';
import type { DittoEnvelope } from './envelope.js';
import type { ProtocolHeaders } from './headers.js';
import {
  formatTopic,
  topicEntityId,
  topicPartsOf,
  type StreamingAction,
  type Topic,
  type TopicGroup,
} from './topic.js';

export interface PersistedEventsRange {
  readonly fromHistoricalRevision?: number;
  readonly toHistoricalRevision?: number;
  readonly fromHistoricalTimestamp?: string;
  readonly toHistoricalTimestamp?: string;
  readonly filter?: string;
}

export type StreamingSignal =
  | {
      readonly kind: 'streaming';
      readonly action: 'subscribeForPersistedEvents';
      readonly group: TopicGroup;
      readonly entityId: string;
      readonly range: PersistedEventsRange;
      readonly headers: ProtocolHeaders;
    }
  | {
      readonly kind: 'streaming';
      readonly action: 'request';
      readonly group: TopicGroup;
      readonly entityId: string;
      readonly subscriptionId: string;
      readonly demand: number;
      readonly headers: ProtocolHeaders;
    }
  | {
      readonly kind: 'streaming';
      readonly action: 'cancel';
      readonly group: TopicGroup;
      readonly entityId: string;
      readonly subscriptionId: string;
      readonly headers: ProtocolHeaders;
    };

export interface SearchSignal {
  readonly kind: 'search';
  readonly action: string;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}

function bad(message: string): DittoError {
  return new DittoError('protocoladapter:unknown.command', message);
}

function optionalInteger(v: JsonObject, key: string): number | undefined {
  const x = v[key];
  if (x === undefined) return undefined;
  if (typeof x !== 'number' || !Number.isInteger(x)) throw bad(`'${key}' must be an integer.`);
  return x;
}

function optionalTimestamp(v: JsonObject, key: string): string | undefined {
  const x = v[key];
  if (x === undefined) return undefined;
  if (typeof x !== 'string' || Number.isNaN(Date.parse(x)))
    throw bad(`'${key}' must be an ISO-8601 timestamp.`);
  return new Date(Date.parse(x)).toISOString();
}

function subscriptionIdOf(v: JsonValue | undefined): string {
  const id = isJsonObject(v) ? v.subscriptionId : undefined;
  if (typeof id !== 'string' || id === '') throw bad("A streaming command needs a 'subscriptionId'.");
  return id;
}

export function parseStreaming(e: DittoEnvelope, t: Topic): StreamingSignal {
  const entityId = topicEntityId(t);
  if (!parseEntityId(entityId))
    throw new DittoError(
      t.group === 'policies' ? 'policies:id.invalid' : 'things:id.invalid',
      `ID '${entityId}' is not valid!`,
    );
  const action = t.action as StreamingAction;
  const base = { kind: 'streaming' as const, group: t.group, entityId, headers: e.headers };
  switch (action) {
    case 'subscribeForPersistedEvents': {
      const v = e.value === undefined ? {} : e.value;
      if (!isJsonObject(v)) throw bad('The value of subscribeForPersistedEvents must be a JSON object.');
      const filter = v.filter;
      if (filter !== undefined && typeof filter !== 'string') throw bad("'filter' must be an RQL string.");
      const range: PersistedEventsRange = {
        ...(optionalInteger(v, 'fromHistoricalRevision') !== undefined
          ? { fromHistoricalRevision: optionalInteger(v, 'fromHistoricalRevision') as number }
          : {}),
        ...(optionalInteger(v, 'toHistoricalRevision') !== undefined
          ? { toHistoricalRevision: optionalInteger(v, 'toHistoricalRevision') as number }
          : {}),
        ...(optionalTimestamp(v, 'fromHistoricalTimestamp') !== undefined
          ? { fromHistoricalTimestamp: optionalTimestamp(v, 'fromHistoricalTimestamp') as string }
          : {}),
        ...(optionalTimestamp(v, 'toHistoricalTimestamp') !== undefined
          ? { toHistoricalTimestamp: optionalTimestamp(v, 'toHistoricalTimestamp') as string }
          : {}),
        ...(filter !== undefined ? { filter } : {}),
      };
      return { ...base, action, range };
    }
    case 'request': {
      const demand = isJsonObject(e.value) ? e.value.demand : undefined;
      if (typeof demand !== 'number' || !Number.isInteger(demand))
        throw bad("A request needs an integer 'demand'.");
      return { ...base, action, subscriptionId: subscriptionIdOf(e.value), demand };
    }
    case 'cancel':
      return { ...base, action, subscriptionId: subscriptionIdOf(e.value) };
    default:
      throw bad(`'${action}' is sent by Egiz, not by clients.`);
  }
}

export function parseSearch(e: DittoEnvelope, t: Topic): SearchSignal {
  return {
    kind: 'search',
    action: t.action as string,
    ...(e.value !== undefined ? { value: e.value } : {}),
    headers: e.headers,
  };
}

export function streamingEnvelope(s: {
  readonly group: TopicGroup;
  readonly entityId: string;
  readonly action: 'created' | 'next' | 'complete' | 'failed';
  readonly value: JsonObject;
  readonly headers: ProtocolHeaders;
}): DittoEnvelope {
  const { namespace, name } = topicPartsOf(s.entityId);
  return {
    topic: formatTopic({
      namespace,
      name,
      group: s.group,
      ...(s.group === 'things' ? { channel: 'twin' as const } : {}),
      criterion: 'streaming',
      action: s.action,
    }),
    headers: s.headers,
    path: '/',
    value: s.value,
  };
}
