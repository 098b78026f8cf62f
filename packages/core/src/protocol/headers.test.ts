import { describe, expect, it } from 'vitest';
import { DittoError } from './ditto-error.js';
import {
  booleanHeader,
  correlationIdOf,
  forwardableHeaders,
  headerText,
  headerValue,
  lowerCaseHeaders,
  parseDuration,
  parseRequestedAcks,
  withHeaders,
} from './headers.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof DittoError ? e.code : 'other';
  }
  return undefined;
};

describe('protocol headers', () => {
  it('looks names up case-insensitively and keeps the sender’s spelling', () => {
    const h = { 'Correlation-Id': 'c-1', 'If-Match': '"rev:1"', 'response-required': false };
    expect(headerValue(h, 'correlation-id')).toBe('c-1');
    expect(correlationIdOf(h)).toBe('c-1');
    expect(headerText(h, 'if-match')).toBe('"rev:1"');
    expect(headerText(h, 'response-required')).toBe('false');
    expect(lowerCaseHeaders(h)).toEqual({
      'correlation-id': 'c-1',
      'if-match': '"rev:1"',
      'response-required': false,
    });
  });

  it('prints arrays the way HTTP carries them, except put-metadata which stays JSON', () => {
    expect(headerText({ 'requested-acks': ['twin-persisted', 'my:ack'] }, 'requested-acks')).toBe(
      'twin-persisted,my:ack',
    );
    const md = [{ key: 'unit', value: 'C' }];
    expect(headerText({ 'put-metadata': md }, 'put-metadata')).toBe(JSON.stringify(md));
    expect(headerText({ version: 2 }, 'version')).toBe('2');
  });

  it('parses requested-acks from arrays, comma lists and JSON text, validating labels', () => {
    expect(parseRequestedAcks(['twin-persisted', 'custom-ack'])).toEqual(['twin-persisted', 'custom-ack']);
    expect(parseRequestedAcks('twin-persisted, my:ack')).toEqual(['twin-persisted', 'my:ack']);
    expect(parseRequestedAcks('["a-b-c"]')).toEqual(['a-b-c']);
    expect(parseRequestedAcks([])).toEqual([]);
    expect(parseRequestedAcks(undefined)).toBeUndefined();
    expect(parseRequestedAcks(['x', 'x'].map(() => 'dup'))).toEqual(['dup']);
    expect(code(() => parseRequestedAcks(['ab']))).toBe('acknowledgement:label.invalid');
    expect(code(() => parseRequestedAcks(['has space']))).toBe('acknowledgement:label.invalid');
    expect(code(() => parseRequestedAcks([1] as never))).toBe('acknowledgement:label.invalid');
    expect(code(() => parseRequestedAcks('[broken'))).toBe('acknowledgement:label.invalid');
  });

  it('reads booleans and durations', () => {
    expect(booleanHeader({ 'response-required': 'false' }, 'response-required')).toBe(false);
    expect(booleanHeader({ 'Response-Required': true }, 'response-required')).toBe(true);
    expect(booleanHeader({}, 'response-required')).toBeUndefined();
    expect(code(() => booleanHeader({ 'response-required': 'yes' }, 'response-required'))).toBe(
      'gateway:header.invalid',
    );
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('42s')).toBe(42_000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('60')).toBe(60_000);
    expect(code(() => parseDuration('2m'))).toBe('gateway:timeout.invalid');
    expect(code(() => parseDuration('soon'))).toBe('gateway:timeout.invalid');
  });

  it('drops reserved headers before forwarding and replaces headers whatever their case', () => {
    expect(
      forwardableHeaders({
        'correlation-id': 'c',
        channel: 'live',
        'ditto-originator': 'x',
        'myapp-x': 1,
        Subject: 's',
      }),
    ).toEqual({ 'correlation-id': 'c', 'myapp-x': 1 });
    expect(
      withHeaders(
        { 'Content-Type': 'text/plain', a: 1 },
        { 'content-type': 'application/json', b: undefined },
      ),
    ).toEqual({
      a: 1,
      'content-type': 'application/json',
    });
  });
});
