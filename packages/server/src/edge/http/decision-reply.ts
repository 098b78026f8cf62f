/** @module Shared HTTP answers for decisions of Things and Policies: status, ETag, Location, body. */
import { DittoError, jsonText, type JsonObject, type JsonValue } from '@egiz/core';
import type { FastifyReply } from 'fastify';

export interface ReplyDecision {
  readonly kind: 'query' | 'change';
  readonly status: number;
  /** Absent for answers that must not be cached by revision (the resolved Policy view). */
  readonly etag?: string;
  readonly value?: JsonValue;
  readonly metadata?: JsonObject;
}

export function sendJson(reply: FastifyReply, status: number, value: JsonValue): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(value));
}

/**
 * A value of a Thing decision: parts of the model are immutable, so their text is cached per object
 * (`jsonText`) and a GET of an unchanged Thing by an unrestricted reader serializes nothing.
 */
function sendModelJson(reply: FastifyReply, status: number, value: JsonValue): FastifyReply {
  const text = typeof value === 'object' && value !== null ? jsonText(value) : JSON.stringify(value);
  return reply.code(status).type('application/json').send(text);
}

export function sendDecision(
  reply: FastifyReply,
  decision: ReplyDecision,
  location: string,
  responseRequired: boolean | undefined,
): FastifyReply {
  if (decision.etag !== undefined) void reply.header('etag', decision.etag);
  if (decision.kind === 'query') {
    if (decision.metadata) void reply.header('ditto-metadata', JSON.stringify(decision.metadata));
    return sendModelJson(reply, 200, decision.value ?? null);
  }
  if (responseRequired === false) return reply.code(202).send();
  if (decision.status === 201) {
    void reply.header('location', location);
    return sendJson(reply, 201, decision.value ?? null);
  }
  return reply.code(204).send();
}

/** `at-historical-revision` / `at-historical-timestamp` (GET only). */
export function historicalOf(
  method: string,
  get: (n: string) => string | undefined,
): { revision?: number; timestamp?: string } | undefined {
  const rev = get('at-historical-revision');
  const ts = get('at-historical-timestamp');
  if (rev === undefined && ts === undefined) return undefined;
  if (method !== 'GET')
    throw new DittoError('gateway:header.invalid', 'Historical reads are only possible with GET.');
  if (rev !== undefined) {
    const n = Number(rev);
    if (!Number.isInteger(n) || n < 1)
      throw new DittoError(
        'gateway:header.invalid',
        `The value '${rev}' of 'at-historical-revision' is not a positive integer.`,
      );
    return { revision: n };
  }
  const t = Date.parse(ts ?? '');
  if (Number.isNaN(t))
    throw new DittoError(
      'gateway:header.invalid',
      `The value '${ts ?? ''}' of 'at-historical-timestamp' is not an ISO-8601 timestamp.`,
    );
  return { timestamp: new Date(t).toISOString() };
}
