/**
 * @module The live channel (protocol-twinlive, basic-messages): messages, live commands and live
 * events are routed, never stored. A sender is authorised against the Thing's policy (messages:
 * WRITE on `message:<path>`, except claim messages; live commands: the same READ/WRITE as the twin
 * command; live events: WRITE on the path), delivered to every subscriber of the stream that may
 * READ it (the sender's own session excluded), and the first response with the same correlation-id
 * from one of the receivers completes the request. With a broker bus (`relay`), every signal also
 * goes to the other nodes, which deliver it to their own subscribers (the sender was authorised
 * where it sent) and send the first reply of one of them back to the node that waits for it.
 */
import { randomUUID } from 'node:crypto';
import {
  DittoError,
  forwardableHeaders,
  messageEnvelope,
  namespaceOf,
  parsePointer,
  selectFields,
  thingEventEnvelope,
  formatTopic,
  isJsonObject,
  THING_EVENT_ACTIONS,
  topicPartsOf,
  type CommandAction,
  type DittoEnvelope,
  type Enforcer,
  type JsonObject,
  type JsonValue,
  type MessageAddress,
  type ProtocolHeaders,
  type StreamKind,
  type ThingEvent,
  type ThingResource,
  type ThingState,
} from '@egiz/core';
import type { LiveRelay, RelayedLive } from '../bus/port.js';
import type { AuthContext } from '../dispatch/auth-context.js';
import { authorizeRead, authorizeWrite, thingNotFound } from '../dispatch/thing-enforcement.js';
import { filterTarget } from './event-fanout.js';
import { resolveExtraFields, selectsEntity, type StreamSelector } from './stream-selector.js';

const READ = ['READ'] as const;
const WRITE = ['WRITE'] as const;
/** How long a node keeps a request another node routed here open for its reply, at most. */
const MAX_FORWARD_MS = 600_000;

export type LiveStream = Exclude<StreamKind, 'EVENTS'>;

export interface LiveSink {
  readonly id: string;
  readonly stream: LiveStream;
  readonly selector: StreamSelector;
  subjects(): readonly string[];
  /** SSE on a mailbox: only messages of this address part (undefined fields match anything). */
  readonly mailbox?: Partial<Omit<MessageAddress, 'thingId'>> & { readonly thingId: string };
  /** Hands a frame to the subscriber; false when it could not take it. */
  deliver(envelope: DittoEnvelope, kind: 'message' | 'live'): boolean;
}

export interface LiveReply {
  readonly status: number;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
  /** An error response (`things/live/errors`) instead of a regular one. */
  readonly error?: boolean;
}

export interface LiveRouterDeps {
  readonly loadThing: (thingId: string) => Promise<ThingState | undefined>;
  readonly enforcer: (
    policyId: string,
    namespace: string,
  ) => Enforcer | undefined | Promise<Enforcer | undefined>;
  /** Live routing between nodes (broker bus); undefined when this process is the only node. */
  readonly relay?: LiveRelay;
  /** A signal from another node could not be delivered here (logged, never thrown). */
  readonly onRelayError?: (error: unknown) => void;
}

/** A Thing as a live signal meets it: its current state and the enforcer of its policy. */
interface LiveContext {
  readonly state: ThingState;
  readonly enforcer: Enforcer;
}

/** A request another node routed here: the local subscribers that got it, until one replies. */
interface Forward {
  readonly node: string;
  /** The id the routing node gave the request; its reply carries it back. */
  readonly request: string;
  readonly recipients: ReadonlySet<string>;
  readonly timer: NodeJS.Timeout;
}

interface Pending {
  readonly kind: 'message' | 'command';
  /** The id other nodes get with the request (replies from them must carry it). */
  readonly request: string;
  readonly recipients: ReadonlySet<string>;
  readonly resolve: (reply: LiveReply | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

export interface MessageRequest {
  readonly address: MessageAddress;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
  readonly correlationId: string;
  readonly auth: AuthContext;
  /** The sending session, which does not receive its own message. */
  readonly origin?: string;
  /** 0 = fire and forget. */
  readonly timeoutMs: number;
  /**
   * Told about each subscriber of the stream that does not get the signal (other namespace,
   * filter, no permission): it issues weak acks for the labels it declared.
   */
  readonly declinedBy?: (sinkId: string) => void;
}

export interface LiveCommandRequest {
  readonly thingId: string;
  readonly action: Exclude<CommandAction, 'migrate' | 'create'> | 'create';
  readonly path: string;
  readonly resource: ThingResource;
  readonly value?: JsonValue;
  readonly headers: ProtocolHeaders;
  readonly correlationId: string;
  readonly auth: AuthContext;
  readonly origin?: string;
  readonly timeoutMs: number;
  /** See MessageRequest.declinedBy. */
  readonly declinedBy?: (sinkId: string) => void;
}

export class LiveRouter {
  readonly #deps: LiveRouterDeps;
  readonly #sinks = new Set<LiveSink>();
  readonly #pending = new Map<string, Pending>();
  readonly #forwards = new Map<string, Forward>();
  readonly #unrelay: (() => void)[] = [];

  constructor(deps: LiveRouterDeps) {
    this.#deps = deps;
    const relay = deps.relay;
    if (relay) {
      this.#unrelay.push(
        relay.onSignal((signal) => {
          this.#fromNode(signal).catch((e: unknown) => deps.onRelayError?.(e));
        }),
        relay.onReply((correlationId, request, reply) => this.#replyFromNode(correlationId, request, reply)),
      );
    }
  }

  add(sink: LiveSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  async #context(thingId: string): Promise<LiveContext> {
    const state = await this.#deps.loadThing(thingId);
    const policyId = state && !state.deleted ? state.thing.policyId : undefined;
    const enforcer =
      typeof policyId === 'string' ? await this.#deps.enforcer(policyId, namespaceOf(thingId)) : undefined;
    if (!state || !enforcer) throw thingNotFound(thingId);
    return { state, enforcer };
  }

  /** The readable Thing of a subscriber (for extraFields of live signals). */
  #extra(sink: LiveSink, ctx: LiveContext, featureId: string | undefined): JsonObject | undefined {
    const fields = sink.selector.extraFields;
    if (!fields) return undefined;
    const subjects = sink.subjects();
    const thing = ctx.enforcer.hasUnrestricted('thing', '/', subjects, READ)
      ? ctx.state.thing
      : ((ctx.enforcer.view('thing', subjects, ctx.state.thing) ?? {}) as JsonObject);
    const selected = selectFields(
      { ...thing, thingId: ctx.state.thingId, _revision: ctx.state.revision, _modified: ctx.state.modified },
      resolveExtraFields(fields, featureId),
    );
    return Object.keys(selected).length > 0 ? selected : undefined;
  }

  /**
   * Sends a message; resolves with the first reply, or undefined for fire-and-forget. Throws 404
   * when the Thing is unknown to the sender, 403 when it may not send this message, and the
   * acknowledgement timeout (408) when nobody answers in time.
   */
  async sendMessage(req: MessageRequest): Promise<LiveReply | undefined> {
    const ctx = await this.#context(req.address.thingId);
    const subjects = req.auth.subjects;
    const resource = messageResource(req.address);
    const claim =
      req.address.subject === 'claim' &&
      req.address.featureId === undefined &&
      req.address.mailbox === 'inbox';
    if (!claim && !ctx.enforcer.hasUnrestricted('message', resource, subjects, WRITE)) {
      if (
        !ctx.enforcer.hasPartial('thing', '/', subjects, READ) &&
        !ctx.enforcer.hasPartial('message', '/', subjects, WRITE)
      )
        throw thingNotFound(req.address.thingId);
      throw new DittoError(
        'messages:send.notallowed',
        `You may not send the message '${req.address.subject}' to the Thing '${req.address.thingId}': it needs WRITE on message:${resource}.`,
      );
    }
    const headers: JsonObject = {
      ...forwardableHeaders(req.headers),
      'correlation-id': req.correlationId,
      'ditto-originator': req.auth.primary,
    };
    const recipients = this.#deliverMessage(
      req.address,
      req.value,
      headers,
      ctx,
      resource,
      req.origin,
      req.declinedBy,
    );
    const { thingId, featureId, mailbox, subject } = req.address;
    return this.#relayAndAwait('message', req, headers, recipients, {
      address: { thingId, mailbox, subject, ...(featureId !== undefined ? { featureId } : {}) },
    });
  }

  /** Hands a message to this node's MESSAGES subscribers; returns the ids of those that took it. */
  #deliverMessage(
    address: MessageAddress,
    value: JsonValue | undefined,
    headers: JsonObject,
    ctx: LiveContext,
    resource: string,
    origin: string | undefined,
    declinedBy: ((sinkId: string) => void) | undefined,
  ): Set<string> {
    const recipients = new Set<string>();
    for (const sink of this.#sinks) {
      if (sink.stream !== 'MESSAGES' || sink.id === origin) continue;
      const extra = this.#messageFor(sink, address, ctx, resource);
      if (extra === false) {
        declinedBy?.(sink.id);
        continue;
      }
      const envelope = messageEnvelope({ address, ...(value !== undefined ? { value } : {}), headers });
      if (sink.deliver(extra ? { ...envelope, extra } : envelope, 'message')) recipients.add(sink.id);
    }
    return recipients;
  }

  /** Whether a MESSAGES subscriber gets a message: false if not, else its enrichment (if any). */
  #messageFor(
    sink: LiveSink,
    address: MessageAddress,
    ctx: LiveContext,
    resource: string,
  ): JsonObject | undefined | false {
    const ns = namespaceOf(address.thingId);
    if (!selectsEntity(sink.selector, address.thingId, ns)) return false;
    if (sink.mailbox && !matchesMailbox(sink.mailbox, address)) return false;
    if (!ctx.enforcer.hasUnrestricted('message', resource, sink.subjects(), READ)) return false;
    const extra = this.#extra(sink, ctx, address.featureId);
    if (sink.selector.filter && !sink.selector.filter(messageTarget(address, extra))) return false;
    return extra;
  }

  /** Routes a live command to LIVE_COMMANDS subscribers; resolves with the device's response (undefined on timeout). */
  async sendCommand(req: LiveCommandRequest): Promise<LiveReply | undefined> {
    const ctx = await this.#context(req.thingId);
    const subjects = req.auth.subjects;
    const cmd = {
      type: req.action === 'create' ? ('modify' as const) : req.action,
      thingId: req.thingId,
      resource: req.resource,
      ...(req.value !== undefined ? { value: req.value } : {}),
      options: {},
    };
    if (req.action === 'retrieve') authorizeRead(ctx.enforcer, subjects, req.thingId, req.resource);
    else authorizeWrite(ctx.enforcer, subjects, cmd);
    const headers: JsonObject = {
      ...forwardableHeaders(req.headers),
      'correlation-id': req.correlationId,
      'ditto-originator': req.auth.primary,
    };
    const recipients = this.#deliverCommand(
      req.thingId,
      req.action,
      req.path,
      req.value,
      headers,
      ctx,
      req.origin,
      req.declinedBy,
    );
    return this.#relayAndAwait('command', req, headers, recipients, {
      thingId: req.thingId,
      action: req.action,
      path: req.path,
    });
  }

  /**
   * Hands a request to the other nodes (under an id of its own, which their replies must carry)
   * and waits for the first reply from here or there; undefined at once for fire-and-forget.
   */
  #relayAndAwait(
    kind: Pending['kind'],
    req: { readonly value?: JsonValue; readonly correlationId: string; readonly timeoutMs: number },
    headers: JsonObject,
    recipients: ReadonlySet<string>,
    target: JsonObject,
  ): Promise<LiveReply | undefined> {
    const request = randomUUID();
    this.#relay(kind, {
      ...target,
      ...(req.value !== undefined ? { value: req.value } : {}),
      headers,
      correlationId: req.correlationId,
      request,
      timeoutMs: req.timeoutMs,
    });
    if (req.timeoutMs === 0) return Promise.resolve(undefined);
    return this.#await(req.correlationId, kind, request, recipients, req.timeoutMs);
  }

  /** Hands a live command to this node's LIVE_COMMANDS subscribers; returns those that took it. */
  #deliverCommand(
    thingId: string,
    action: LiveCommandRequest['action'],
    path: string,
    value: JsonValue | undefined,
    headers: JsonObject,
    ctx: LiveContext,
    origin: string | undefined,
    declinedBy: ((sinkId: string) => void) | undefined,
  ): Set<string> {
    const pointer = parsePointer(path) ?? [];
    const recipients = new Set<string>();
    const ns = namespaceOf(thingId);
    for (const sink of this.#sinks) {
      if (sink.stream !== 'LIVE_COMMANDS' || sink.id === origin) continue;
      if (
        !selectsEntity(sink.selector, thingId, ns, pointer) ||
        !ctx.enforcer.hasPartial('thing', pointer, sink.subjects(), READ)
      ) {
        declinedBy?.(sink.id);
        continue;
      }
      const extra = this.#extra(sink, ctx, pointer[0] === 'features' ? pointer[1] : undefined);
      const envelope: DittoEnvelope = {
        topic: formatTopic({
          ...topicPartsOf(thingId),
          group: 'things',
          channel: 'live',
          criterion: 'commands',
          action,
        }),
        headers,
        path,
        ...(value !== undefined ? { value } : {}),
        ...(extra ? { extra } : {}),
      };
      if (sink.deliver(envelope, 'live')) recipients.add(sink.id);
    }
    return recipients;
  }

  /** A live event from a device: WRITE on its path needed; delivered to LIVE_EVENTS subscribers that may READ it. */
  async publishEvent(
    e: {
      thingId: string;
      action: ThingEvent['action'];
      path: string;
      value?: JsonValue;
      headers: ProtocolHeaders;
      timestamp?: string;
      revision?: number;
    },
    auth: AuthContext,
    origin: string | undefined,
  ): Promise<void> {
    const ctx = await this.#context(e.thingId);
    const pointer = parsePointer(e.path) ?? [];
    if (!ctx.enforcer.hasUnrestricted('thing', pointer, auth.subjects, WRITE))
      throw new DittoError(
        'things:thing.notmodifiable',
        `You may not send live events for '${e.path}' of the Thing '${e.thingId}': it needs WRITE there.`,
      );
    const event: ThingEvent = {
      type: `things.events:live${e.action}`,
      action: e.action,
      thingId: e.thingId,
      path: e.path,
      ...(e.value !== undefined ? { value: e.value } : {}),
      revision: e.revision ?? ctx.state.revision,
      timestamp: e.timestamp ?? new Date().toISOString(),
    };
    const headers = { ...forwardableHeaders(e.headers), 'ditto-originator': auth.primary };
    this.#deliverEvent(event, headers, ctx, origin);
    this.#relay('event', { event: event as unknown as JsonObject, headers });
  }

  /** Hands a live event to this node's LIVE_EVENTS subscribers that may READ it (cut to their view). */
  #deliverEvent(event: ThingEvent, headers: JsonObject, ctx: LiveContext, origin: string | undefined): void {
    const pointer = parsePointer(event.path) ?? [];
    const ns = namespaceOf(event.thingId);
    for (const sink of this.#sinks) {
      if (sink.stream !== 'LIVE_EVENTS' || sink.id === origin) continue;
      if (!selectsEntity(sink.selector, event.thingId, ns, pointer)) continue;
      const subjects = sink.subjects();
      if (!ctx.enforcer.hasPartial('thing', pointer, subjects, READ)) continue;
      let value = event.value;
      if (value !== undefined && !ctx.enforcer.hasUnrestricted('thing', pointer, subjects, READ)) {
        value = ctx.enforcer.view('thing', subjects, value, pointer);
        if (value === undefined) continue;
      }
      const extra = this.#extra(sink, ctx, pointer[0] === 'features' ? pointer[1] : undefined);
      if (sink.selector.filter && !sink.selector.filter(filterTarget(event, value, extra, 'live'))) continue;
      sink.deliver(
        thingEventEnvelope(event, {
          channel: 'live',
          headers,
          ...(value !== undefined ? { value } : {}),
          ...(extra ? { extra } : {}),
        }),
        'live',
      );
    }
  }

  /** Hands a signal to the other nodes (nothing without a broker bus). */
  #relay(kind: RelayedLive['kind'], body: JsonObject): void {
    const relay = this.#deps.relay;
    if (relay) relay.broadcast({ kind, node: relay.node, body });
  }

  /**
   * A signal another node routed: delivered to this node's subscribers as if sent here (the sender
   * was authorised on its node); a request's first reply from one of them goes back to that node.
   */
  async #fromNode(signal: RelayedLive): Promise<void> {
    const b = signal.body;
    const stream: LiveStream =
      signal.kind === 'event' ? 'LIVE_EVENTS' : signal.kind === 'message' ? 'MESSAGES' : 'LIVE_COMMANDS';
    if (!this.#hasSinks(stream) || !isJsonObject(b.headers)) return;
    if (signal.kind === 'event') {
      const event = b.event;
      if (!isRelayedEvent(event)) return;
      const ctx = await this.#context(event.thingId);
      this.#deliverEvent(event, b.headers, ctx, undefined);
      return;
    }
    const { correlationId, request, timeoutMs } = b;
    if (typeof correlationId !== 'string' || typeof request !== 'string' || typeof timeoutMs !== 'number')
      return;
    const awaited = timeoutMs > 0;
    // A device's reply names only the correlation-id: while another request with the same one waits
    // here, the reply could not be told apart, so the newcomer is not delivered (its sender gets 408).
    const collides = () => awaited && (this.#pending.has(correlationId) || this.#forwards.has(correlationId));
    const value = b.value;
    let recipients: Set<string>;
    if (signal.kind === 'message') {
      const address = b.address;
      if (!isMessageAddress(address)) return;
      const ctx = await this.#context(address.thingId);
      if (collides()) return;
      recipients = this.#deliverMessage(
        address,
        value,
        b.headers,
        ctx,
        messageResource(address),
        undefined,
        undefined,
      );
    } else {
      const { thingId, action, path } = b;
      if (typeof thingId !== 'string' || !isLiveCommandAction(action) || typeof path !== 'string') return;
      const ctx = await this.#context(thingId);
      if (collides()) return;
      recipients = this.#deliverCommand(thingId, action, path, value, b.headers, ctx, undefined, undefined);
    }
    if (recipients.size === 0 || !awaited) return;
    const timer = setTimeout(() => this.#forwards.delete(correlationId), Math.min(timeoutMs, MAX_FORWARD_MS));
    timer.unref();
    this.#forwards.set(correlationId, { node: signal.node, request, recipients, timer });
  }

  #hasSinks(stream: LiveStream): boolean {
    for (const sink of this.#sinks) if (sink.stream === stream) return true;
    return false;
  }

  /** The reply another node sent to a request waiting here (only to the very request it answers). */
  #replyFromNode(correlationId: string, request: string, reply: JsonObject): void {
    const p = this.#pending.get(correlationId);
    if (!p || p.request !== request || typeof reply.status !== 'number' || !isJsonObject(reply.headers))
      return;
    clearTimeout(p.timer);
    this.#pending.delete(correlationId);
    p.resolve(reply as unknown as LiveReply);
  }

  /** A response (message with status, live command response or error) from a subscriber. */
  respond(responder: string, correlationId: string | undefined, reply: LiveReply): boolean {
    if (correlationId === undefined) return false;
    const p = this.#pending.get(correlationId);
    if (p && p.recipients.has(responder)) {
      clearTimeout(p.timer);
      this.#pending.delete(correlationId);
      p.resolve(reply);
      return true;
    }
    const f = this.#forwards.get(correlationId);
    if (!f || !f.recipients.has(responder)) return false;
    clearTimeout(f.timer);
    this.#forwards.delete(correlationId);
    this.#deps.relay?.reply(f.node, correlationId, f.request, reply as unknown as JsonObject);
    return true;
  }

  #await(
    correlationId: string,
    kind: Pending['kind'],
    request: string,
    recipients: ReadonlySet<string>,
    timeoutMs: number,
  ): Promise<LiveReply | undefined> {
    if (this.#pending.has(correlationId))
      throw new DittoError(
        'gateway:header.invalid',
        `A live request with the correlation-id '${correlationId}' is in flight already; use a unique correlation-id.`,
      );
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(correlationId);
        resolve(undefined);
      }, timeoutMs);
      timer.unref();
      this.#pending.set(correlationId, { kind, request, recipients, resolve, timer });
    });
  }

  /** Resolves every waiting request as timed out (shutdown). */
  close(): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(id);
      p.resolve(undefined);
    }
    for (const f of this.#forwards.values()) clearTimeout(f.timer);
    this.#forwards.clear();
    for (const off of this.#unrelay.splice(0)) off();
    this.#sinks.clear();
  }
}

/** The `message:` resource of an address, e.g. `/features/tank/inbox/messages/heat`. */
function messageResource(a: MessageAddress): string {
  return `${a.featureId !== undefined ? `/features/${a.featureId}` : ''}/${a.mailbox}/messages/${a.subject}`;
}

const LIVE_COMMAND_ACTIONS: ReadonlySet<string> = new Set([
  'retrieve',
  'modify',
  'create',
  'merge',
  'delete',
]);

function isLiveCommandAction(v: unknown): v is LiveCommandRequest['action'] {
  return typeof v === 'string' && LIVE_COMMAND_ACTIONS.has(v);
}

const EVENT_ACTIONS: ReadonlySet<string> = new Set(THING_EVENT_ACTIONS);

/** A live event as another node relays it: every field the delivery relies on, of the right kind. */
function isRelayedEvent(v: unknown): v is ThingEvent {
  return (
    isJsonObject(v) &&
    typeof v.type === 'string' &&
    typeof v.action === 'string' &&
    EVENT_ACTIONS.has(v.action) &&
    typeof v.thingId === 'string' &&
    typeof v.path === 'string' &&
    parsePointer(v.path) !== undefined &&
    Number.isSafeInteger(v.revision) &&
    typeof v.timestamp === 'string'
  );
}

function isMessageAddress(v: unknown): v is MessageAddress {
  return (
    isJsonObject(v) &&
    typeof v.thingId === 'string' &&
    (v.mailbox === 'inbox' || v.mailbox === 'outbox') &&
    typeof v.subject === 'string' &&
    (v.featureId === undefined || typeof v.featureId === 'string')
  );
}

function matchesMailbox(filter: NonNullable<LiveSink['mailbox']>, a: MessageAddress): boolean {
  if (filter.thingId !== a.thingId) return false;
  if (filter.mailbox !== undefined && filter.mailbox !== a.mailbox) return false;
  if (filter.featureId !== a.featureId) return false;
  if (filter.subject !== undefined && filter.subject !== a.subject) return false;
  return true;
}

function messageTarget(a: MessageAddress, extra: JsonObject | undefined): Record<string, unknown> {
  const ns = namespaceOf(a.thingId);
  return {
    ...(extra ?? {}),
    thingId: a.thingId,
    _namespace: ns,
    'topic:namespace': ns,
    'topic:entityName': a.thingId.slice(ns.length + 1),
    'topic:group': 'things',
    'topic:channel': 'live',
    'topic:criterion': 'messages',
    'topic:action': a.subject,
    'topic:subject': a.subject,
    'resource:type': 'message',
    'resource:path': messageResource(a),
  };
}
