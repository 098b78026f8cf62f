/**
 * @module Live messages over the Ditto Protocol (protocol-specification-things-messages): topic
 * `{ns}/{name}/things/live/messages/{subject}`, path `[/features/{id}]/{inbox|outbox}/messages/{subject}`.
 * A message with a status is the response to the message with the same correlation-id. The
 * message resource of a policy (`message:/features/x/inbox/messages/s`) is the same path.
 */
import type { JsonValue } from '../model/json.js';
import { DittoError } from './ditto-error.js';
import type { DittoEnvelope } from './envelope.js';
import type { ProtocolHeaders } from './headers.js';
import { thingIdOfTopic } from './thing-signals.js';
import { formatTopic, topicPartsOf, type Topic } from './topic.js';

export const MAILBOXES = ['inbox', 'outbox'] as const;
export type Mailbox = (typeof MAILBOXES)[number];

/** The subject of claim messages: sending one needs no WRITE permission (basic-messages). */
export const CLAIM_SUBJECT = 'claim';

export interface MessageAddress {
  readonly thingId: string;
  readonly featureId?: string;
  readonly mailbox: Mailbox;
  readonly subject: string;
}

export interface MessageSignal extends MessageAddress {
  readonly kind: 'message';
  readonly path: string;
  readonly value?: JsonValue;
  /** Present on responses. */
  readonly status?: number;
  readonly headers: ProtocolHeaders;
}

// Subjects are URI paths: no spaces or control characters, no empty segments.
// eslint-disable-next-line no-control-regex
const SUBJECT = /^[^\s\x00-\x1f\x7f?#]+$/;

export function validateMessageSubject(subject: string): string {
  if (!SUBJECT.test(subject) || subject.split('/').some((s) => s === ''))
    throw new DittoError('messages:subject.invalid', `The message subject '${subject}' is not valid.`);
  return subject;
}

/** Parses `[/features/{id}]/{inbox|outbox}/messages/{subject}`; undefined when the path is not one. */
export function parseMessagePath(
  path: string,
): { featureId?: string; mailbox: Mailbox; subject: string } | undefined {
  const segs = (path.startsWith('/') ? path.slice(1) : path).split('/');
  let i = 0;
  let featureId: string | undefined;
  if (segs[0] === 'features') {
    featureId = segs[1];
    if (featureId === undefined || featureId === '') return undefined;
    i = 2;
  }
  const mailbox = segs[i];
  if (mailbox !== 'inbox' && mailbox !== 'outbox') return undefined;
  if (segs[i + 1] !== 'messages') return undefined;
  const subject = segs.slice(i + 2).join('/');
  if (subject === '') return undefined;
  return { ...(featureId !== undefined ? { featureId } : {}), mailbox, subject };
}

/** The path (and message:/ resource) of a message address. */
export function messagePath(a: Omit<MessageAddress, 'thingId'>): string {
  const feature = a.featureId !== undefined ? `/features/${a.featureId}` : '';
  return `${feature}/${a.mailbox}/messages/${a.subject}`;
}

export function parseMessage(e: DittoEnvelope, t: Topic): MessageSignal {
  if (t.channel !== 'live')
    throw new DittoError(
      'protocoladapter:unknown.topicpath',
      `Messages use the live channel, not '${t.channel ?? ''}'.`,
    );
  const thingId = thingIdOfTopic(t);
  const parsed = parseMessagePath(e.path);
  if (!parsed)
    throw new DittoError(
      'protocoladapter:unknown.path',
      `The path '${e.path}' of a message must be [/features/<id>]/<inbox|outbox>/messages/<subject>.`,
    );
  const subject = validateMessageSubject(t.action ?? parsed.subject);
  return {
    kind: 'message',
    thingId,
    ...(parsed.featureId !== undefined ? { featureId: parsed.featureId } : {}),
    mailbox: parsed.mailbox,
    subject,
    path: e.path,
    ...(e.value !== undefined ? { value: e.value } : {}),
    ...(e.status !== undefined ? { status: e.status } : {}),
    headers: e.headers,
  };
}

export function messageEnvelope(m: {
  readonly address: MessageAddress;
  readonly value?: JsonValue;
  readonly status?: number;
  readonly headers: ProtocolHeaders;
}): DittoEnvelope {
  const { namespace, name } = topicPartsOf(m.address.thingId);
  return {
    topic: formatTopic({
      namespace,
      name,
      group: 'things',
      channel: 'live',
      criterion: 'messages',
      action: m.address.subject,
    }),
    headers: m.headers,
    path: messagePath(m.address),
    ...(m.value !== undefined ? { value: m.value } : {}),
    ...(m.status !== undefined ? { status: m.status } : {}),
  };
}
