/**
 * @module Things over the Ditto Protocol (protocol-specification-things-*): commands at every path
 * (create / retrieve / modify / merge / delete / migrate) to and from signals, their responses,
 * events (created / modified / merged / deleted) and `things/.../errors`. The path of a thing
 * signal is the JSON pointer of the resource inside the Thing, as in the HTTP API.
 */
import { parseEntityId } from '../model/entity-id.js';
import { parsePointer, setAt, wrapAt } from '../model/json-pointer.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../model/json.js';
import { applyMergePatch } from '../model/merge-patch.js';
import { resolveThingResource, type ThingResource } from '../model/thing-resource.js';
import type { ThingEvent } from '../model/thing-state.js';
import { DittoError, type DittoErrorJson } from './ditto-error.js';
import type { DittoEnvelope } from './envelope.js';
import { withHeaders, type ProtocolHeaders } from './headers.js';
import {
  formatTopic,
  topicEntityId,
  topicPartsOf,
  type CommandAction,
  type EventAction,
  type Topic,
  type TopicChannel,
} from './topic.js';

export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';

export interface ThingCommandSignal {
  readonly kind: 'thing-command';
  readonly channel: TopicChannel;
  readonly action: CommandAction;
  readonly thingId: string;
  readonly path: string;
  readonly resource: ThingResource;
  readonly value?: JsonValue;
  readonly fields?: string;
  readonly headers: ProtocolHeaders;
}

/** `_/_/things/twin/commands/retrieve` with `{"thingIds": [...]}` (RetrieveThings). */
export interface RetrieveThingsSignal {
  readonly kind: 'retrieve-things';
  readonly channel: TopicChannel;
  readonly namespace?: string;
  readonly thingIds: readonly string[];
  readonly fields?: string;
  readonly headers: ProtocolHeaders;
}

/** The answer to a thing command: from Egiz (twin) or from a device (live). */
export interface ThingResponseSignal {
  readonly kind: 'thing-response';
  readonly channel: TopicChannel;
  readonly action: CommandAction;
  readonly thingId: string;
  readonly path: string;
  readonly status: number;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}

export interface ThingEventSignal {
  readonly kind: 'thing-event';
  readonly channel: TopicChannel;
  readonly action: EventAction;
  readonly thingId: string;
  readonly path: string;
  readonly value?: JsonValue;
  readonly revision?: number;
  readonly timestamp?: string;
  readonly extra?: JsonObject;
  readonly headers: ProtocolHeaders;
}

export interface ThingErrorSignal {
  readonly kind: 'thing-error';
  readonly channel: TopicChannel;
  readonly thingId: string;
  readonly status: number;
  readonly error: JsonValue;
  readonly headers: ProtocolHeaders;
}

function unknownPath(path: string, topic: string): DittoError {
  return new DittoError(
    'protocoladapter:unknown.path',
    `The path '${path}' does not address a resource of a Thing for the topic '${topic}'.`,
  );
}

/** The Thing ID of a topic; throws `things:id.invalid`. */
export function thingIdOfTopic(t: Topic): string {
  const id = topicEntityId(t);
  if (!parseEntityId(id)) throw new DittoError('things:id.invalid', `Thing ID '${id}' is not valid!`);
  return id;
}

export function thingResourceOf(path: string, topic: string): ThingResource {
  const pointer = parsePointer(path);
  const resource = pointer ? resolveThingResource(pointer) : undefined;
  if (!resource) throw unknownPath(path, topic);
  return resource;
}

function needsValue(e: DittoEnvelope, what: string): JsonValue {
  if (e.value === undefined)
    throw new DittoError('protocoladapter:unknown.command', `A ${what} command needs a 'value'.`);
  return e.value;
}

/** A `things/<channel>/commands/<action>` envelope without status: a command. */
export function parseThingCommand(e: DittoEnvelope, t: Topic): ThingCommandSignal | RetrieveThingsSignal {
  const channel = t.channel ?? 'twin';
  const action = t.action as CommandAction;
  if (action === 'retrieve' && t.name === '_') {
    const ids = isJsonObject(e.value) ? e.value.thingIds : undefined;
    if (!Array.isArray(ids) || !ids.every((i): i is string => typeof i === 'string'))
      throw new DittoError(
        'protocoladapter:unknown.command',
        'Retrieving several Things needs a value {"thingIds": [...]} and the topic \'<namespace or _>/_/things/twin/commands/retrieve\'.',
      );
    for (const id of ids)
      if (!parseEntityId(id)) throw new DittoError('things:id.invalid', `Thing ID '${id}' is not valid!`);
    return {
      kind: 'retrieve-things',
      channel,
      ...(t.namespace !== '_' ? { namespace: t.namespace } : {}),
      thingIds: ids,
      ...(e.fields !== undefined ? { fields: e.fields } : {}),
      headers: e.headers,
    };
  }
  const thingId = thingIdOfTopic(t);
  const resource = thingResourceOf(e.path, e.topic);
  let value: JsonValue | undefined;
  switch (action) {
    case 'create':
    case 'migrate':
      if (resource.kind !== 'thing') throw unknownPath(e.path, e.topic);
      value = needsValue(e, action);
      break;
    case 'modify':
    case 'merge':
      value = needsValue(e, action);
      break;
    case 'retrieve':
    case 'delete':
      value = undefined;
  }
  return {
    kind: 'thing-command',
    channel,
    action,
    thingId,
    path: e.path,
    resource,
    ...(value !== undefined ? { value } : {}),
    ...(e.fields !== undefined && action === 'retrieve' ? { fields: e.fields } : {}),
    headers: e.headers,
  };
}

export function parseThingResponse(e: DittoEnvelope, t: Topic): ThingResponseSignal {
  return {
    kind: 'thing-response',
    channel: t.channel ?? 'twin',
    action: t.action as CommandAction,
    thingId: thingIdOfTopic(t),
    path: e.path,
    status: e.status as number,
    ...(e.value !== undefined ? { value: e.value } : {}),
    headers: e.headers,
  };
}

export function parseThingEvent(e: DittoEnvelope, t: Topic): ThingEventSignal {
  thingResourceOf(e.path, e.topic);
  return {
    kind: 'thing-event',
    channel: t.channel ?? 'twin',
    action: t.action as EventAction,
    thingId: thingIdOfTopic(t),
    path: e.path,
    ...(e.value !== undefined ? { value: e.value } : {}),
    ...(e.revision !== undefined ? { revision: e.revision } : {}),
    ...(e.timestamp !== undefined ? { timestamp: e.timestamp } : {}),
    ...(e.extra !== undefined ? { extra: e.extra } : {}),
    headers: e.headers,
  };
}

export function parseThingError(e: DittoEnvelope, t: Topic): ThingErrorSignal {
  const status =
    e.status ?? (isJsonObject(e.value) && typeof e.value.status === 'number' ? e.value.status : 500);
  return {
    kind: 'thing-error',
    channel: t.channel ?? 'twin',
    thingId: topicEntityId(t),
    status,
    error: e.value ?? null,
    headers: e.headers,
  };
}

function thingTopic(
  thingId: string | undefined,
  channel: TopicChannel,
  criterion: Topic['criterion'],
  action?: string,
): string {
  const { namespace, name } = topicPartsOf(thingId);
  return formatTopic({
    namespace,
    name,
    group: 'things',
    channel,
    criterion,
    ...(action !== undefined ? { action } : {}),
  });
}

/** The response envelope of a thing command (same topic and path as the command). */
export function thingResponseEnvelope(r: {
  readonly thingId: string;
  readonly channel?: TopicChannel;
  readonly action: CommandAction;
  readonly path: string;
  readonly status: number;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}): DittoEnvelope {
  return {
    topic: thingTopic(r.thingId, r.channel ?? 'twin', 'commands', r.action),
    headers: r.headers,
    path: r.path,
    ...(r.value !== undefined ? { value: r.value } : {}),
    status: r.status,
  };
}

/** The answer to RetrieveThings: the topic keeps the namespace (or `_`) and uses `_` as name. */
export function retrieveThingsResponseEnvelope(r: {
  readonly namespace?: string;
  readonly things: readonly JsonValue[];
  readonly headers: ProtocolHeaders;
}): DittoEnvelope {
  return {
    topic: formatTopic({
      namespace: r.namespace ?? '_',
      name: '_',
      group: 'things',
      channel: 'twin',
      criterion: 'commands',
      action: 'retrieve',
    }),
    headers: r.headers,
    path: '/',
    value: [...r.things],
    status: 200,
  };
}

/** A thing event as subscribers receive it; `value` may be replaced by the subscriber's view of it. */
export function thingEventEnvelope(
  event: ThingEvent,
  opts: {
    readonly channel?: TopicChannel;
    readonly headers?: ProtocolHeaders;
    readonly extra?: JsonObject;
    /** The value to send instead of the event's (a partial view); `null` stays a value. */
    readonly value?: JsonValue;
  } = {},
): DittoEnvelope {
  const value = opts.value !== undefined ? opts.value : event.value;
  const headers =
    event.action === 'merged'
      ? withHeaders(opts.headers ?? {}, { 'content-type': MERGE_PATCH_CONTENT_TYPE })
      : (opts.headers ?? {});
  return {
    topic: thingTopic(event.thingId, opts.channel ?? 'twin', 'events', event.action),
    headers,
    path: event.path,
    ...(value !== undefined && event.action !== 'deleted' ? { value } : {}),
    ...(opts.extra !== undefined ? { extra: opts.extra } : {}),
    revision: event.revision,
    timestamp: event.timestamp,
  };
}

/** `things/<channel>/errors`: the error JSON as value and its status (entity unknown: `_/_`). */
export function thingErrorEnvelope(r: {
  readonly thingId?: string;
  readonly channel?: TopicChannel;
  readonly error: DittoErrorJson;
  readonly headers: ProtocolHeaders;
  readonly path?: string;
}): DittoEnvelope {
  return {
    topic: thingTopic(r.thingId, r.channel ?? 'twin', 'errors'),
    headers: r.headers,
    path: r.path ?? '/',
    value: r.error as unknown as JsonObject,
    status: r.error.status,
  };
}

function withoutNulls(value: JsonValue): JsonValue {
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}

/**
 * The event as a partial Thing: what changed placed at its path, with `thingId`, `_revision` and
 * `_modified`. Change-notification filters see this (plus any enrichment), not the whole Thing:
 * Ditto applies filters to the modified data unless unchanged data is added with extraFields.
 */
export function eventAsThing(event: ThingEvent): JsonObject {
  const pointer = parsePointer(event.path) ?? [];
  let thing: JsonObject = {};
  if (event.action !== 'deleted' && event.value !== undefined) {
    if (event.action === 'merged') {
      const merged = applyMergePatch({}, wrapAt(pointer, withoutNulls(event.value)));
      thing = isJsonObject(merged) ? merged : {};
    } else if (pointer.length === 0) thing = isJsonObject(event.value) ? { ...event.value } : {};
    else thing = setAt({}, pointer, event.value);
  }
  return { ...thing, thingId: event.thingId, _revision: event.revision, _modified: event.timestamp };
}
