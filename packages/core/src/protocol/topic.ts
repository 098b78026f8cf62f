/**
 * @module Ditto Protocol topics: `{namespace}/{name}/{group}/{channel}/{criterion}[/{action}]`
 * (protocol-specification-topic). Policies and connections have no channel segment. For messages,
 * acknowledgements and announcements everything after the criterion is the subject or label and
 * may itself contain slashes.
 */
import { DittoError } from './ditto-error.js';

export const TOPIC_GROUPS = ['things', 'policies'] as const;
export type TopicGroup = (typeof TOPIC_GROUPS)[number];

export const TOPIC_CHANNELS = ['twin', 'live'] as const;
export type TopicChannel = (typeof TOPIC_CHANNELS)[number];

export const TOPIC_CRITERIA = [
  'commands',
  'events',
  'search',
  'messages',
  'errors',
  'acks',
  'announcements',
  'streaming',
] as const;
export type TopicCriterion = (typeof TOPIC_CRITERIA)[number];

export const COMMAND_ACTIONS = ['create', 'retrieve', 'modify', 'merge', 'delete', 'migrate'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

export const EVENT_ACTIONS = ['created', 'modified', 'merged', 'deleted', 'migrated'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export const SEARCH_ACTIONS = [
  'subscribe',
  'request',
  'cancel',
  'created',
  'next',
  'complete',
  'failed',
] as const;
export const STREAMING_ACTIONS = [
  'subscribeForPersistedEvents',
  'request',
  'cancel',
  'created',
  'next',
  'complete',
  'failed',
] as const;
export type StreamingAction = (typeof STREAMING_ACTIONS)[number];

export interface Topic {
  readonly namespace: string;
  readonly name: string;
  readonly group: TopicGroup;
  /** Undefined for policies (no channel segment). */
  readonly channel?: TopicChannel;
  readonly criterion: TopicCriterion;
  /**
   * The command/event/search/streaming action, or the message subject, acknowledgement label or
   * announcement name; undefined for errors and aggregated acks.
   */
  readonly action?: string;
}

/** The placeholder Ditto writes for a namespace or name that is not known (`_/_/things/...`). */
export const TOPIC_PLACEHOLDER = '_';

function includes<T extends string>(list: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (list as readonly string[]).includes(value);
}

function unknownTopic(text: string, why: string): DittoError {
  return new DittoError(
    'protocoladapter:unknown.topicpath',
    `The topic path '${text}' is not valid: ${why}.`,
  );
}

/** Parses a topic; throws `protocoladapter:unknown.topicpath` with the reason. */
export function parseTopic(text: string): Topic {
  const parts = text.split('/');
  const [namespace, name, group] = parts;
  if (namespace === undefined || name === undefined || name === '')
    throw unknownTopic(text, 'it has no namespace and name');
  if (!includes(TOPIC_GROUPS, group)) throw unknownTopic(text, `the group '${group ?? ''}' is unknown`);
  let i = 3;
  let channel: TopicChannel | undefined;
  if (group === 'things') {
    const c = parts[i++];
    if (!includes(TOPIC_CHANNELS, c)) throw unknownTopic(text, `the channel '${c ?? ''}' is unknown`);
    channel = c;
  }
  const criterion = parts[i++];
  if (!includes(TOPIC_CRITERIA, criterion))
    throw unknownTopic(text, `the criterion '${criterion ?? ''}' is unknown`);
  const rest = parts.slice(i);
  const base = { namespace, name, group, ...(channel ? { channel } : {}), criterion };
  switch (criterion) {
    case 'commands':
    case 'events': {
      const actions: readonly string[] = criterion === 'commands' ? COMMAND_ACTIONS : EVENT_ACTIONS;
      if (rest.length !== 1 || !actions.includes(rest[0] as string))
        throw unknownTopic(text, `the ${criterion} action '${rest.join('/')}' is unknown`);
      return { ...base, action: rest[0] as string };
    }
    case 'search':
    case 'streaming': {
      const actions: readonly string[] = criterion === 'search' ? SEARCH_ACTIONS : STREAMING_ACTIONS;
      if (rest.length !== 1 || !actions.includes(rest[0] as string))
        throw unknownTopic(text, `the ${criterion} action '${rest.join('/')}' is unknown`);
      return { ...base, action: rest[0] as string };
    }
    case 'errors':
      if (rest.length > 0) throw unknownTopic(text, 'errors have no action');
      return base;
    case 'messages':
    case 'announcements': {
      const subject = rest.join('/');
      if (subject === '') throw unknownTopic(text, `${criterion} need a subject`);
      return { ...base, action: subject };
    }
    case 'acks': {
      const label = rest.join('/');
      return label === '' ? base : { ...base, action: label };
    }
  }
}

export function formatTopic(t: Topic): string {
  const parts = [t.namespace, t.name, t.group];
  if (t.group === 'things') parts.push(t.channel ?? 'twin');
  parts.push(t.criterion);
  if (t.action !== undefined) parts.push(t.action);
  return parts.join('/');
}

/** `namespace:name` of the entity a topic addresses. */
export function topicEntityId(t: Pick<Topic, 'namespace' | 'name'>): string {
  return `${t.namespace}:${t.name}`;
}

/** Splits an entity id into the namespace and name segments of a topic. */
export function topicPartsOf(entityId: string | undefined): { namespace: string; name: string } {
  if (entityId === undefined) return { namespace: TOPIC_PLACEHOLDER, name: TOPIC_PLACEHOLDER };
  const colon = entityId.indexOf(':');
  if (colon < 0) return { namespace: TOPIC_PLACEHOLDER, name: entityId || TOPIC_PLACEHOLDER };
  return { namespace: entityId.slice(0, colon), name: entityId.slice(colon + 1) || TOPIC_PLACEHOLDER };
}
