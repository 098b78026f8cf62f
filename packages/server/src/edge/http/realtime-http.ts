/**
 * @module The realtime parts of the HTTP API: messages (`POST .../inbox|outbox/messages/{subject}`,
 * `POST .../inbox/claim`) answered with the device's reply, 202 for fire-and-forget (`timeout=0`)
 * and 408 when no reply comes; live commands on the thing routes (`channel=live`,
 * `live-channel-condition`, `live-channel-timeout-strategy`); and `requested-acks` beyond
 * `twin-persisted`, answered with the acknowledgement or the aggregated acknowledgements (200 or 424).
 */
import {
  DittoError,
  RqlSyntaxError,
  combinedAckStatus,
  formatPointer,
  isJsonObject,
  parseEntityId,
  parseRql,
  validateMessageSubject,
  type AckResult,
  type JsonObject,
  type JsonValue,
  type Mailbox,
} from '@egiz/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../../dispatch/auth-context.js';
import type { ThingService } from '../../dispatch/thing-service.js';
import {
  ackTimeout,
  parseAckRequest,
  twinAckResults,
  type AckCoordinator,
  type AckRequest,
} from '../../egress/ack-coordinator.js';
import type { LiveReply, LiveRouter } from '../../egress/live-router.js';
import type { ThingCommand } from '../../things/command.js';
import { parseTimeout, type HeaderLookup } from '../command-options.js';
import { RawBody } from './json-body.js';
import { sendDecision, sendJson } from './decision-reply.js';
import { headerLookup, pathSegments, queryParams, requireAuth } from './request-context.js';

/** Default wait for the reply to a message sent over HTTP (Ditto: 10 s). */
const MESSAGE_TIMEOUT_MS = 10_000;
/** Default wait for a live command's response. */
const LIVE_TIMEOUT_MS = 60_000;

export interface RealtimeHttpDeps {
  readonly things: ThingService;
  readonly live: LiveRouter;
  readonly acks: AckCoordinator;
}

/** The message payload as the protocol carries it: JSON parsed, text as a string, bytes as base64. */
function payloadOf(body: unknown): { value?: JsonValue; contentType?: string } {
  if (body === undefined) return {};
  if (body instanceof RawBody) {
    const ct = body.contentType;
    if (/^text\/|charset=|application\/(xml|x-www-form-urlencoded)/i.test(ct))
      return { value: body.bytes.toString('utf8'), contentType: ct };
    return { value: body.bytes.toString('base64'), ...(ct ? { contentType: ct } : {}) };
  }
  return { value: body as JsonValue, contentType: 'application/json' };
}

function headerOfReply(reply: LiveReply, name: string): string | undefined {
  for (const [k, v] of Object.entries(reply.headers))
    if (k.toLowerCase() === name) return typeof v === 'string' ? v : undefined;
  return undefined;
}

/** Sends a device's reply as the HTTP response (status, content-type and payload as it chose). */
function sendReply(
  res: FastifyReply,
  reply: LiveReply,
  extraHeaders: Record<string, string> = {},
): FastifyReply {
  for (const [k, v] of Object.entries(extraHeaders)) void res.header(k, v);
  if (reply.status === 204 || reply.value === undefined) return res.code(reply.status).send();
  const ct = headerOfReply(reply, 'content-type');
  if (typeof reply.value === 'string' && ct !== undefined && !/json/i.test(ct)) {
    const binary = !/^text\/|charset=|xml|x-www-form-urlencoded/i.test(ct);
    return res
      .code(reply.status)
      .type(ct)
      .send(binary ? Buffer.from(reply.value, 'base64') : reply.value);
  }
  return sendJson(res, reply.status, reply.value);
}

function sendTimeout(res: FastifyReply, timeoutMs: number, correlationId: string): FastifyReply {
  const t = ackTimeout('live-response', timeoutMs, correlationId);
  return sendJson(res, 408, t.payload as JsonValue);
}

/** The `live-response` acknowledgement of a device's reply (or its timeout). */
function liveResponseAck(reply: LiveReply | undefined, timeoutMs: number, correlationId: string): AckResult {
  if (!reply) return ackTimeout('live-response', timeoutMs, correlationId);
  const headers: JsonObject = { 'correlation-id': correlationId };
  const ct = headerOfReply(reply, 'content-type');
  if (ct !== undefined) headers['content-type'] = ct;
  return {
    status: reply.status,
    ...(reply.value !== undefined ? { payload: reply.value } : {}),
    headers,
  };
}

/**
 * The answer to a live signal that requested more than the device's reply: every requested label
 * in request order — `live-response` from the reply, custom labels as their acks arrived (408 when
 * one did not come in time) — one ack answered with its own status and payload, several
 * aggregated with 200 when all succeeded, else 424 (basic-acknowledgements).
 */
function sendLiveAcks(
  res: FastifyReply,
  acks: AckRequest,
  reply: LiveReply | undefined,
  timeoutMs: number,
  custom: ReadonlyMap<string, AckResult>,
): FastifyReply {
  const results = new Map<string, AckResult>();
  for (const label of acks.requested)
    results.set(
      label,
      label === 'live-response'
        ? liveResponseAck(reply, timeoutMs, acks.correlationId)
        : (custom.get(label) ?? ackTimeout(label, acks.timeoutMs, acks.correlationId)),
    );
  return sendAckResults(res, results);
}

function sendAckResults(res: FastifyReply, results: ReadonlyMap<string, AckResult>): FastifyReply {
  if (results.size === 1) {
    const only = [...results.values()][0] as AckResult;
    return only.payload === undefined || only.status === 204
      ? res.code(only.status).send()
      : sendJson(res, only.status, only.payload);
  }
  const body: JsonObject = {};
  for (const [label, r] of results)
    body[label] = {
      status: r.status,
      ...(r.payload !== undefined ? { payload: r.payload } : {}),
      ...(r.headers !== undefined ? { headers: r.headers } : {}),
    };
  return sendJson(res, combinedAckStatus([...results.values()]), body);
}

function messageTimeout(get: HeaderLookup): number {
  return parseTimeout(get('timeout')) ?? MESSAGE_TIMEOUT_MS;
}

export function registerMessageRoutes(app: FastifyInstance, deps: RealtimeHttpDeps): void {
  const handle = async (request: FastifyRequest, reply: FastifyReply, claim: boolean) => {
    const auth = requireAuth(request);
    const segments = pathSegments(request, 3) ?? [];
    const thingId = segments[0] ?? '';
    if (!parseEntityId(thingId))
      throw new DittoError('messages:id.invalid', `Thing ID '${thingId}' is not valid!`);
    let featureId: string | undefined;
    let i = 1;
    if (segments[1] === 'features') {
      featureId = segments[2];
      if (featureId === undefined || featureId === '' || featureId.includes('/'))
        throw new DittoError(
          'messages:featureid.invalid',
          `The feature ID '${featureId ?? ''}' is not valid.`,
        );
      i = 3;
    }
    const mailbox = segments[i] as Mailbox;
    const subject = claim ? 'claim' : validateMessageSubject(segments.slice(i + 2).join('/'));
    const query = queryParams(request);
    const get = headerLookup(request, query);
    const timeoutMs = messageTimeout(get);
    const acks = parseAckRequest((n) => get(n), {
      correlationId: request.correlationId,
      channel: 'live',
      edge: 'http',
      defaultTimeoutMs: timeoutMs,
    });
    await checkCondition(deps.things, thingId, get('condition'), auth);
    const payload = payloadOf(request.body);
    const wantsReply = acks.requested.includes('live-response');
    // Custom labels are awaited from before the message leaves, so that no ack can be missed.
    const custom = deps.acks.expect(acks);
    let answer: LiveReply | undefined;
    try {
      answer = await deps.live.sendMessage({
        address: { thingId, ...(featureId !== undefined ? { featureId } : {}), mailbox, subject },
        ...(payload.value !== undefined ? { value: payload.value } : {}),
        headers: {
          ...(payload.contentType ? { 'content-type': payload.contentType } : {}),
          ...(acks.custom.length > 0 ? { 'requested-acks': [...acks.custom] } : {}),
          timeout: `${Math.ceil(timeoutMs / 1000)}s`,
        },
        correlationId: request.correlationId,
        auth,
        timeoutMs: wantsReply ? timeoutMs : 0,
        declinedBy: (owner) => deps.acks.weak(owner, request.correlationId, acks.custom),
      });
    } catch (e) {
      deps.acks.cancel(request.correlationId);
      throw e;
    }
    if (acks.aggregated) {
      const results = await custom;
      if (!acks.responseRequired) return reply.code(202).send();
      return sendLiveAcks(reply, acks, answer, timeoutMs, results);
    }
    if (!wantsReply) return reply.code(202).send();
    if (!answer) return sendTimeout(reply, timeoutMs, request.correlationId);
    return sendReply(reply, answer);
  };
  for (const prefix of ['/api/2/things/:thingId', '/api/2/things/:thingId/features/:featureId'])
    for (const mailbox of ['inbox', 'outbox'])
      app.post(`${prefix}/${mailbox}/messages/*`, (request, reply) => handle(request, reply, false));
  app.post('/api/2/things/:thingId/inbox/claim', (request, reply) => handle(request, reply, true));
}

/** `condition` of a message: evaluated on the twin as the sender sees it (412 when it fails). */
async function checkCondition(
  things: ThingService,
  thingId: string,
  condition: string | undefined,
  auth: AuthContext,
): Promise<void> {
  if (condition === undefined) return;
  try {
    await things.execute(
      {
        type: 'retrieve',
        thingId,
        resource: { kind: 'thing', pointer: [] },
        options: { condition: parseRql(condition), fields: [['thingId']] },
      },
      auth,
    );
  } catch (e) {
    if (e instanceof RqlSyntaxError)
      throw new DittoError(
        'things:condition.invalid',
        `The specified condition '${condition}' is not valid: ${e.message}`,
      );
    throw e;
  }
}

/** Whether a twin command should go to the device: `channel=live`, or a matching live-channel-condition. */
async function liveChannelMatch(
  things: ThingService,
  cmd: ThingCommand,
  get: HeaderLookup,
  auth: AuthContext,
): Promise<{ live: boolean; conditionMatched?: boolean }> {
  const channel = get('channel');
  if (channel !== undefined && channel !== 'twin' && channel !== 'live')
    throw new DittoError(
      'gateway:header.invalid',
      `The channel '${channel}' is not valid: use twin or live.`,
    );
  const condition = get('live-channel-condition');
  if (condition === undefined) return { live: channel === 'live' };
  if (cmd.type !== 'retrieve')
    throw new DittoError(
      'gateway:header.invalid',
      'live-channel-condition can only be used when retrieving.',
    );
  let parsed;
  try {
    parsed = parseRql(condition);
  } catch (e) {
    if (e instanceof RqlSyntaxError)
      throw new DittoError(
        'things:condition.invalid',
        `The live-channel-condition '${condition}' is not valid: ${e.message}`,
      );
    throw e;
  }
  try {
    await things.execute(
      {
        ...cmd,
        resource: { kind: 'thing', pointer: [] },
        options: { condition: parsed, fields: [['thingId']] },
      },
      auth,
    );
    return { live: true, conditionMatched: true };
  } catch (e) {
    if (e instanceof DittoError && e.code === 'things:condition.failed')
      return { live: false, conditionMatched: false };
    throw e;
  }
}

export interface ThingRouteContext {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly cmd: ThingCommand;
  readonly get: HeaderLookup;
  readonly historical: { revision?: number; timestamp?: string } | undefined;
  readonly location: string;
}

/**
 * Handles a thing route when it needs more than the twin: the live channel, or acknowledgements
 * beyond `twin-persisted`. Undefined when the plain twin path applies.
 */
export function createThingSignalHandler(deps: RealtimeHttpDeps) {
  return async (ctx: ThingRouteContext): Promise<FastifyReply | undefined> => {
    const { request, reply, cmd, get } = ctx;
    const auth = requireAuth(request);
    const channel = await liveChannelMatch(deps.things, cmd, get, auth);
    const matchedHeader: Record<string, string> =
      channel.conditionMatched === undefined
        ? {}
        : { 'live-channel-condition-matched': String(channel.conditionMatched) };
    if (channel.live) return live(deps, ctx, auth, matchedHeader);
    if (cmd.type === 'retrieve') {
      if (channel.conditionMatched === false) {
        for (const [k, v] of Object.entries(matchedHeader)) void reply.header(k, v);
      }
      return undefined;
    }
    const acks = parseAckRequest((n) => get(n), {
      correlationId: request.correlationId,
      channel: 'twin',
      edge: 'http',
    });
    const eventHeaders = { 'correlation-id': request.correlationId, 'ditto-originator': auth.primary };
    if (!acks.aggregated) {
      if (acks.responseRequired || get('timeout') === undefined) return undefined;
      // timeout=0: fire and forget, answered 202 once the write is durable (docs/compatibility.md).
      await deps.things.execute(cmd, auth, { headers: eventHeaders });
      return reply.code(202).send();
    }
    const custom = deps.acks.expect(acks);
    let outcome: { status: number; value?: JsonValue; headers: Record<string, string> };
    try {
      const decision = await deps.things.execute(cmd, auth, {
        ...(ctx.historical ? { historical: ctx.historical } : {}),
        headers: { ...eventHeaders, ...acks.eventHeaders },
      });
      outcome = {
        status: decision.status,
        ...(decision.kind === 'change' && decision.status === 201 && decision.value !== undefined
          ? { value: decision.value }
          : {}),
        headers: { etag: decision.etag, ...(decision.status === 201 ? { location: ctx.location } : {}) },
      };
    } catch (e) {
      deps.acks.cancel(request.correlationId);
      throw e;
    }
    const results = twinAckResults(acks, outcome, await custom);
    if (!acks.responseRequired) return reply.code(202).send();
    return sendAckResults(reply, results);
  };
}

async function live(
  deps: RealtimeHttpDeps,
  ctx: ThingRouteContext,
  auth: AuthContext,
  extraHeaders: Record<string, string>,
): Promise<FastifyReply> {
  const { request, reply, cmd, get } = ctx;
  const timeoutMs = parseTimeout(get('timeout')) ?? LIVE_TIMEOUT_MS;
  const strategy = get('live-channel-timeout-strategy') ?? 'fail';
  if (strategy !== 'fail' && strategy !== 'use-twin')
    throw new DittoError('gateway:header.invalid', "live-channel-timeout-strategy is 'fail' or 'use-twin'.");
  const acks = parseAckRequest((n) => get(n), {
    correlationId: request.correlationId,
    channel: 'live',
    edge: 'http',
    defaultTimeoutMs: timeoutMs,
  });
  const custom = deps.acks.expect(acks);
  let answer: LiveReply | undefined;
  try {
    answer = await deps.live.sendCommand({
      thingId: cmd.thingId,
      action: cmd.type,
      path: formatPointer(cmd.resource.pointer),
      resource: cmd.resource,
      ...(cmd.value !== undefined ? { value: cmd.value } : {}),
      headers: {
        'correlation-id': request.correlationId,
        ...(acks.custom.length > 0 ? { 'requested-acks': [...acks.custom] } : {}),
      },
      correlationId: request.correlationId,
      auth,
      timeoutMs: acks.requested.includes('live-response') ? timeoutMs : 0,
      declinedBy: (owner) => deps.acks.weak(owner, request.correlationId, acks.custom),
    });
  } catch (e) {
    deps.acks.cancel(request.correlationId);
    throw e;
  }
  if (acks.aggregated) {
    const results = await custom;
    for (const [k, v] of Object.entries(extraHeaders)) void reply.header(k, v);
    if (!acks.responseRequired) return reply.code(202).send();
    return sendLiveAcks(reply, acks, answer, timeoutMs, results);
  }
  if (!acks.responseRequired) return reply.code(202).send();
  if (!answer) {
    if (strategy === 'use-twin' && cmd.type === 'retrieve') {
      const decision = await deps.things.execute(cmd, auth);
      for (const [k, v] of Object.entries(extraHeaders)) void reply.header(k, v);
      return sendDecision(reply, decision, ctx.location, undefined);
    }
    for (const [k, v] of Object.entries(extraHeaders)) void reply.header(k, v);
    return sendTimeout(reply, timeoutMs, request.correlationId);
  }
  if (answer.error && isJsonObject(answer.value))
    return sendJson(reply.headers(extraHeaders), answer.status, answer.value);
  return sendReply(reply, answer, extraHeaders);
}
