/** @module Unit tests of search cursors: round trip, compression, long filters, and refusal of anything altered. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DittoError } from '@egiz/core';
import { CursorCodec, cursorFilter, type CursorState } from './search-cursor.js';

const codec = new CursorCodec(randomBytes(32));
const state: CursorState = {
  filter: { text: 'eq(attributes/a,"x")' },
  namespaces: ['a', 'b'],
  sort: [{ property: 'attributes/a', direction: 'desc' }],
  position: ['x', null, true, 1.5, 'n:id'],
};

function refusal(cursor: string): DittoError {
  try {
    codec.decode(cursor);
  } catch (e) {
    if (e instanceof DittoError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('CursorCodec', () => {
  it('round-trips a position, also a long one that gets compressed', () => {
    expect(codec.decode(codec.encode(state))).toStrictEqual(state);
    const long = { ...state, position: ['x'.repeat(1000), 'n:id'] };
    const cursor = codec.encode(long);
    expect(cursor.length).toBeLessThan(300);
    expect(codec.decode(cursor)).toStrictEqual(long);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('keeps long filters as a hash', () => {
    expect(cursorFilter('x'.repeat(3000))).toHaveProperty('hash');
    expect(cursorFilter('short')).toStrictEqual({ text: 'short' });
  });

  it('refuses a cursor that was altered, forged, or signed with another secret', () => {
    const cursor = codec.encode(state);
    const [body = '', mac = ''] = cursor.split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const bad of [
      `${flip(body)}.${mac}`,
      `${body}.${flip(mac)}`,
      `${body}.`,
      'garbage',
      new CursorCodec(randomBytes(32)).encode(state),
    ]) {
      const e = refusal(bad);
      expect(e.code).toBe('thing-search:search.option.invalid');
      expect(e.status).toBe(400);
    }
  });
});
