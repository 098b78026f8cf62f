import { describe, expect, it } from 'vitest';
import { DittoError, type JsonValue } from '@egiz/core';
import { AckCoordinator, parseAckRequest, twinAckResults } from './ack-coordinator.js';

const parse = (
  h: Record<string, JsonValue>,
  channel: 'twin' | 'live' = 'twin',
  edge: 'http' | 'ws' = 'http',
) => parseAckRequest((n) => h[n], { correlationId: 'c', channel, edge });

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof DittoError ? e.code : 'other';
  }
  return undefined;
}

describe('requested-acks, response-required and timeout (basic-acknowledgements)', () => {
  it('defaults to the channel label with a response, and nothing for timeout 0', () => {
    expect(parse({})).toMatchObject({
      requested: ['twin-persisted'],
      responseRequired: true,
      aggregated: false,
      timeoutMs: 60_000,
    });
    expect(parse({}, 'live')).toMatchObject({
      requested: ['live-response'],
      responseRequired: true,
      aggregated: false,
    });
    expect(parse({ timeout: '0' })).toMatchObject({ requested: [], responseRequired: false });
    expect(parse({ 'response-required': false })).toMatchObject({ requested: [], responseRequired: false });
    expect(parse({ 'requested-acks': [] })).toMatchObject({ requested: [], responseRequired: false });
  });

  it('aggregates when more than the channel default is requested and puts custom labels on events', () => {
    const r = parse({ 'requested-acks': 'twin-persisted,my:ack,live-response', timeout: '5s' });
    expect(r).toMatchObject({
      requested: ['twin-persisted', 'my:ack'],
      custom: ['my:ack'],
      aggregated: true,
      timeoutMs: 5000,
    });
    expect(r.eventHeaders).toEqual({ 'requested-acks': '["my:ack"]' });
    expect(parse({ 'requested-acks': ['search-persisted'] })).toMatchObject({ aggregated: true, custom: [] });
    expect(parse({ 'requested-acks': ['my:ack'], 'response-required': false }, 'live')).toMatchObject({
      requested: ['my:ack'],
    });
    expect(parse({ 'requested-acks': ['twin-persisted'] }, 'live')).toMatchObject({ requested: [] });
  });

  it('refuses contradictions: timeout 0 with acks or a response; over WebSocket acks without a response', () => {
    expect(code(() => parse({ timeout: '0', 'response-required': true }))).toBe(
      'acknowledgement:header.invalid',
    );
    expect(code(() => parse({ timeout: '0', 'requested-acks': ['a:b'] }))).toBe(
      'acknowledgement:header.invalid',
    );
    expect(code(() => parse({ 'requested-acks': ['a:b'], 'response-required': false }, 'twin', 'ws'))).toBe(
      'acknowledgement:header.invalid',
    );
    expect(code(() => parse({ 'requested-acks': ['a:b'], 'response-required': false }))).toBeUndefined();
    expect(code(() => parse({ timeout: 'soon' }))).toBe('gateway:timeout.invalid');
  });
});

describe('AckCoordinator', () => {
  it('collects custom acks by correlation-id, fills in timeouts, and keeps labels unique', async () => {
    const c = new AckCoordinator();
    c.declare('s1', ['my:ack']);
    expect(code(() => c.declare('s2', ['my:ack']))).toBe('acknowledgement:label.not.unique');
    expect(code(() => c.declare('s2', ['twin-persisted']))).toBe('acknowledgement:ditto.acklabel.forbidden');
    const req = parse({ 'requested-acks': ['twin-persisted', 'my:ack', 'other:ack'], timeout: '50ms' });
    const done = c.expect(req);
    expect(c.receive('c', 'my:ack', { status: 200 })).toBe(true);
    expect(c.receive('c', 'my:ack', { status: 500 })).toBe(false);
    expect(c.receive('unknown', 'my:ack', { status: 200 })).toBe(false);
    const custom = await done;
    expect(custom.get('my:ack')).toEqual({ status: 200 });
    expect(custom.get('other:ack')).toMatchObject({
      status: 408,
      payload: { error: 'acknowledgement:request.timeout' },
    });
    const results = twinAckResults(
      req,
      { status: 201, value: { a: 1 }, headers: { etag: '"rev:1"' } },
      custom,
    );
    expect([...results.keys()]).toEqual(['twin-persisted', 'my:ack', 'other:ack']);
    expect(results.get('twin-persisted')).toEqual({
      status: 201,
      payload: { a: 1 },
      headers: { 'correlation-id': 'c', etag: '"rev:1"' },
    });
    c.release('s1');
    expect(() => c.declare('s2', ['my:ack'])).not.toThrow();
  });

  it('issues weak acks only for labels the session declared', async () => {
    const c = new AckCoordinator();
    c.declare('s1', ['weak:ack']);
    const done = c.expect(parse({ 'requested-acks': ['weak:ack'], timeout: '5s' }));
    c.weak('s2', 'c', ['weak:ack']);
    c.weak('s1', 'c', ['weak:ack', 'not:mine']);
    expect((await done).get('weak:ack')).toEqual({
      status: 200,
      headers: { 'correlation-id': 'c', 'ditto-weak-ack': true },
    });
  });
});
