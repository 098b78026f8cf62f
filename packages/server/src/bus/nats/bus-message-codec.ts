/**
 * @module Bus messages as they travel between nodes: JSON, read back with a check of every field the
 * subscribers rely on, so that a message from another (older, newer or foreign) publisher on the
 * subject is either a well-formed BusMessage or dropped, never half-trusted.
 */
import { THING_EVENT_ACTIONS, isJsonObject, type JsonObject } from '@egiz/core';
import type { BusMessage } from '../port.js';

const ACTIONS: ReadonlySet<string> = new Set(THING_EVENT_ACTIONS);

const isString = (v: unknown): v is string => typeof v === 'string';
const isRevision = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const optional = (v: unknown, check: (x: unknown) => boolean): boolean => v === undefined || check(v);

function isStringRecord(v: unknown): v is Record<string, string> {
  return isJsonObject(v) && Object.values(v).every(isString);
}

function validThing(m: JsonObject): boolean {
  const e = m.event;
  return (
    isJsonObject(e) &&
    isString(e.type) &&
    isString(e.action) &&
    ACTIONS.has(e.action) &&
    isString(e.thingId) &&
    isString(e.path) &&
    isRevision(e.revision) &&
    isString(e.timestamp) &&
    optional(e.metadata, (x) => x === null || isJsonObject(x)) &&
    optional(m.policyId, isString) &&
    optional(m.origin, isString) &&
    optional(m.headers, isStringRecord) &&
    optional(m.node, isString) &&
    m.committedAt === undefined
  );
}

function validPolicy(m: JsonObject): boolean {
  const e = m.event;
  return (
    isJsonObject(e) &&
    isString(e.type) &&
    isString(e.policyId) &&
    isRevision(e.revision) &&
    isString(e.timestamp) &&
    optional(e.policy, isJsonObject) &&
    optional(m.origin, isString)
  );
}

/** The message a node published, or undefined when the text is not one. */
export function parseBusMessage(text: string): BusMessage | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(m)) return undefined;
  if (m.kind === 'thing') return validThing(m) ? (m as unknown as BusMessage) : undefined;
  if (m.kind === 'policy') return validPolicy(m) ? (m as unknown as BusMessage) : undefined;
  return undefined;
}
