/**
 * @module Opaque, tamper-proof search cursors: the position after the last item of a page plus what
 * the position means (filter, namespaces, sort), serialised, compressed when long, and signed with
 * HMAC-SHA256 under a secret kept in the store (so every node of a deployment accepts them).
 * Anything that does not verify is Ditto's `thing-search:search.option.invalid`.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { optionError } from './search-request.js';
import type { SortValue } from './sql/sort-keys.js';

export interface CursorState {
  /** The filter text the cursor was made for; filters longer than FILTER_INLINE are kept as a hash. */
  readonly filter: { readonly text: string } | { readonly hash: string } | undefined;
  readonly namespaces: readonly string[] | undefined;
  /** The sort as requested (no tie-breaker); empty for the default order. */
  readonly sort: readonly { readonly property: string; readonly direction: 'asc' | 'desc' }[];
  /** The last item's sort values, one per entry of the complete sort (tie-breaker included). */
  readonly position: readonly SortValue[];
}

/** Longer filters would make cursors too long for the 10,000 characters an option may have. */
const FILTER_INLINE = 2000;
const MAC_BYTES = 16;
const COMPRESS_ABOVE = 160;
const MAX_INFLATED = 64 * 1024;
const VERSION = 1;

export function filterHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}

export function cursorFilter(text: string | undefined): CursorState['filter'] {
  if (text === undefined) return undefined;
  return text.length <= FILTER_INLINE ? { text } : { hash: filterHash(text) };
}

function invalid(reason: string): Error {
  return optionError("The option 'cursor' is not valid for the search request.", reason);
}

function isSortValue(v: unknown): v is SortValue {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export class CursorCodec {
  readonly #secret: Uint8Array;

  constructor(secret: Uint8Array) {
    this.#secret = secret;
  }

  #mac(body: Buffer): Buffer {
    return createHmac('sha256', this.#secret).update(body).digest().subarray(0, MAC_BYTES);
  }

  encode(state: CursorState): string {
    const json = JSON.stringify({
      v: VERSION,
      ...(state.filter === undefined
        ? {}
        : 'text' in state.filter
          ? { f: state.filter.text }
          : { h: state.filter.hash }),
      ...(state.namespaces === undefined ? {} : { n: state.namespaces }),
      s: state.sort.map((e) => [e.property, e.direction === 'asc' ? 'a' : 'd']),
      p: state.position,
    });
    const raw = Buffer.from(json, 'utf8');
    const compressed = raw.length > COMPRESS_ABOVE;
    const body = Buffer.concat([Buffer.of(compressed ? 1 : 0), compressed ? deflateRawSync(raw) : raw]);
    return `${body.toString('base64url')}.${this.#mac(body).toString('base64url')}`;
  }

  decode(cursor: string): CursorState {
    const dot = cursor.lastIndexOf('.');
    if (dot < 0 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(cursor))
      throw invalid('The cursor is malformed.');
    const body = Buffer.from(cursor.slice(0, dot), 'base64url');
    const mac = Buffer.from(cursor.slice(dot + 1), 'base64url');
    const expected = this.#mac(body);
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected))
      throw invalid('The cursor was not issued by this service or has been altered.');
    let parsed: unknown;
    try {
      const payload =
        body[0] === 1
          ? inflateRawSync(body.subarray(1), { maxOutputLength: MAX_INFLATED })
          : body.subarray(1);
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      throw invalid('The cursor cannot be read.');
    }
    return this.#state(parsed);
  }

  /** A signed cursor is ours, but its shape is still checked: a secret may outlive a format. */
  #state(parsed: unknown): CursorState {
    const o = parsed as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || o.v !== VERSION)
      throw invalid('The cursor has an unknown version.');
    const sort = o.s;
    const position = o.p;
    const namespaces = o.n;
    if (
      !Array.isArray(sort) ||
      !sort.every(
        (e): e is [string, 'a' | 'd'] =>
          Array.isArray(e) && typeof e[0] === 'string' && (e[1] === 'a' || e[1] === 'd'),
      ) ||
      !Array.isArray(position) ||
      !position.every(isSortValue) ||
      (namespaces !== undefined &&
        !(Array.isArray(namespaces) && namespaces.every((n) => typeof n === 'string')))
    )
      throw invalid('The cursor is malformed.');
    const filter =
      typeof o.f === 'string' ? { text: o.f } : typeof o.h === 'string' ? { hash: o.h } : undefined;
    return {
      filter,
      namespaces: namespaces,
      sort: sort.map(([property, d]) => ({ property, direction: d === 'a' ? 'asc' : 'desc' })),
      position,
    };
  }
}
