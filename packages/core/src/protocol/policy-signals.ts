/**
 * @module Policies over the Ditto Protocol (protocol-specification-policies-*): commands on the
 * Policy and its entries, subjects, resources and imports, their responses, `policies/errors` and
 * announcements. Policy topics have no channel. Subject ids and resource keys may contain slashes
 * (`thing:/attributes`), so the path is handed on as raw segments; the server maps them to
 * resources.
 */
import { parseEntityId } from '../model/entity-id.js';
import type { JsonObject, JsonValue } from '../model/json.js';
import { DittoError, type DittoErrorJson } from './ditto-error.js';
import type { DittoEnvelope } from './envelope.js';
import type { ProtocolHeaders } from './headers.js';
import { formatTopic, topicEntityId, topicPartsOf, type Topic } from './topic.js';

export const POLICY_COMMAND_ACTIONS = ['create', 'retrieve', 'modify', 'delete'] as const;
export type PolicyCommandAction = (typeof POLICY_COMMAND_ACTIONS)[number];

export interface PolicyCommandSignal {
  readonly kind: 'policy-command';
  readonly action: PolicyCommandAction;
  readonly policyId: string;
  readonly path: string;
  /** Path segments after the Policy (`[]` for `/`); the last ones may need joining with `/`. */
  readonly segments: readonly string[];
  readonly value?: JsonValue;
  readonly fields?: string;
  readonly headers: ProtocolHeaders;
}

export interface PolicyResponseSignal {
  readonly kind: 'policy-response';
  readonly action: PolicyCommandAction;
  readonly policyId: string;
  readonly path: string;
  readonly status: number;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}

export interface PolicyErrorSignal {
  readonly kind: 'policy-error';
  readonly policyId: string;
  readonly status: number;
  readonly error: JsonValue;
  readonly headers: ProtocolHeaders;
}

export interface PolicyAnnouncementSignal {
  readonly kind: 'policy-announcement';
  readonly policyId: string;
  readonly name: string;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}

export function policyIdOfTopic(t: Topic): string {
  const id = topicEntityId(t);
  if (!parseEntityId(id)) throw new DittoError('policies:id.invalid', `Policy ID '${id}' is not valid!`);
  return id;
}

/** Segments of a policy path: `/entries/L/resources/thing:/a` -> ['entries','L','resources','thing:','a']. */
export function policyPathSegments(path: string): string[] {
  if (path === '' || path === '/') return [];
  return (path.startsWith('/') ? path.slice(1) : path).split('/');
}

export function parsePolicyCommand(e: DittoEnvelope, t: Topic): PolicyCommandSignal {
  const action = t.action as string;
  if (!(POLICY_COMMAND_ACTIONS as readonly string[]).includes(action))
    throw new DittoError(
      'protocoladapter:unknown.command',
      `Policies support the command actions ${POLICY_COMMAND_ACTIONS.join(', ')}, not '${action}'.`,
    );
  const policyId = policyIdOfTopic(t);
  const segments = policyPathSegments(e.path);
  if ((action === 'create' || action === 'modify') && e.value === undefined)
    throw new DittoError('protocoladapter:unknown.command', `A ${action} command needs a 'value'.`);
  if (action === 'create' && segments.length > 0)
    throw new DittoError(
      'protocoladapter:unknown.path',
      `Only a whole Policy (path '/') can be created with 'create'; use 'modify' for '${e.path}'.`,
    );
  return {
    kind: 'policy-command',
    action: action as PolicyCommandAction,
    policyId,
    path: e.path,
    segments,
    ...(e.value !== undefined && action !== 'retrieve' && action !== 'delete' ? { value: e.value } : {}),
    ...(e.fields !== undefined && action === 'retrieve' ? { fields: e.fields } : {}),
    headers: e.headers,
  };
}

export function parsePolicyResponse(e: DittoEnvelope, t: Topic): PolicyResponseSignal {
  return {
    kind: 'policy-response',
    action: t.action as PolicyCommandAction,
    policyId: policyIdOfTopic(t),
    path: e.path,
    status: e.status as number,
    ...(e.value !== undefined ? { value: e.value } : {}),
    headers: e.headers,
  };
}

export function parsePolicyError(e: DittoEnvelope, t: Topic): PolicyErrorSignal {
  return {
    kind: 'policy-error',
    policyId: topicEntityId(t),
    status: e.status ?? 500,
    error: e.value ?? null,
    headers: e.headers,
  };
}

export function parsePolicyAnnouncement(e: DittoEnvelope, t: Topic): PolicyAnnouncementSignal {
  return {
    kind: 'policy-announcement',
    policyId: policyIdOfTopic(t),
    name: t.action as string,
    ...(e.value !== undefined ? { value: e.value } : {}),
    headers: e.headers,
  };
}

function policyTopic(policyId: string | undefined, criterion: Topic['criterion'], action?: string): string {
  const { namespace, name } = topicPartsOf(policyId);
  return formatTopic({ namespace, name, group: 'policies', criterion, ...(action ? { action } : {}) });
}

export function policyResponseEnvelope(r: {
  readonly policyId: string;
  readonly action: PolicyCommandAction;
  readonly path: string;
  readonly status: number;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
}): DittoEnvelope {
  return {
    topic: policyTopic(r.policyId, 'commands', r.action),
    headers: r.headers,
    path: r.path,
    ...(r.value !== undefined ? { value: r.value } : {}),
    status: r.status,
  };
}

export function policyErrorEnvelope(r: {
  readonly policyId?: string;
  readonly error: DittoErrorJson;
  readonly headers: ProtocolHeaders;
  readonly path?: string;
}): DittoEnvelope {
  return {
    topic: policyTopic(r.policyId, 'errors'),
    headers: r.headers,
    path: r.path ?? '/',
    value: r.error as unknown as JsonObject,
    status: r.error.status,
  };
}

export function policyAnnouncementEnvelope(r: {
  readonly policyId: string;
  readonly name: string;
  readonly value: JsonObject;
  readonly headers: ProtocolHeaders;
}): DittoEnvelope {
  return {
    topic: policyTopic(r.policyId, 'announcements', r.name),
    headers: r.headers,
    path: '/',
    value: r.value,
  };
}

/**
 * A journalled Policy event in protocol form (history streaming): topic
 * `{ns}/{name}/policies/events/{created|modified|deleted}`, the changed resource's path, its value,
 * revision and timestamp.
 */
export function policyEventEnvelope(e: {
  readonly policyId: string;
  readonly action: 'created' | 'modified' | 'deleted';
  readonly path: string;
  readonly value?: JsonValue;
  readonly revision: number;
  readonly timestamp: string;
  readonly headers?: ProtocolHeaders;
}): DittoEnvelope {
  return {
    topic: policyTopic(e.policyId, 'events', e.action),
    headers: e.headers ?? {},
    path: e.path,
    ...(e.value !== undefined ? { value: e.value } : {}),
    revision: e.revision,
    timestamp: e.timestamp,
  };
}
