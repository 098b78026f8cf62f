import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../model/json.js';
import type { ThingEvent } from '../model/thing-state.js';
import { ackEnvelope, acksEnvelope, ackResultsOf, combinedAckStatus } from './ack-signals.js';
import { DittoError } from './ditto-error.js';
import { envelopeJson, parseEnvelope } from './envelope.js';
import { messageEnvelope, parseMessagePath } from './message-signals.js';
import { policyErrorEnvelope, policyResponseEnvelope } from './policy-signals.js';
import { parseSignal, signalOf } from './signal.js';
import { streamingEnvelope } from './streaming-signals.js';
import {
  eventAsThing,
  retrieveThingsResponseEnvelope,
  thingErrorEnvelope,
  thingEventEnvelope,
  thingResponseEnvelope,
} from './thing-signals.js';

const H = { 'correlation-id': 'c-1' };

function failure(f: () => unknown): DittoError {
  try {
    f();
  } catch (e) {
    if (e instanceof DittoError) return e;
    throw e;
  }
  throw new Error('expected a DittoError');
}

const cmd = (topic: string, path: string, value?: JsonValue, extra: Record<string, JsonValue> = {}) =>
  parseSignal({ topic, headers: H, path, ...(value !== undefined ? { value } : {}), ...extra }).signal;

describe('envelope', () => {
  it('validates the shape and names the first problem', () => {
    expect(failure(() => parseEnvelope([])).code).toBe('protocoladapter:envelope.invalid');
    expect(failure(() => parseEnvelope({ headers: {}, path: '/' })).message).toContain("'topic'");
    expect(failure(() => parseEnvelope({ topic: 't', headers: 'x', path: '/' })).message).toContain(
      "'headers'",
    );
    expect(failure(() => parseEnvelope({ topic: 't', headers: {}, path: 1 })).message).toContain("'path'");
    expect(
      failure(() => parseEnvelope({ topic: 't', headers: {}, path: '/', status: 99 })).message,
    ).toContain("'status'");
    expect(failure(() => parseEnvelope({ topic: 't', headers: {}, path: '/', extra: 1 })).message).toContain(
      "'extra'",
    );
    expect(
      failure(() => parseEnvelope({ topic: 't', headers: {}, path: '/', revision: 1.5 })).message,
    ).toContain("'revision'");
  });

  it('defaults missing headers and path, and writes only present fields', () => {
    const e = parseEnvelope({ topic: 'a/b/things/twin/commands/retrieve' });
    expect(e).toEqual({ topic: 'a/b/things/twin/commands/retrieve', headers: {}, path: '/' });
    expect(envelopeJson({ ...e, value: null, status: 200 })).toEqual({
      topic: e.topic,
      headers: {},
      path: '/',
      value: null,
      status: 200,
    });
  });
});

describe('thing commands at every path', () => {
  const T = 'org.eclipse.ditto/fancy-thing/things/twin/commands';
  it.each([
    ['/', 'thing'],
    ['/policyId', 'policyId'],
    ['/definition', 'definition'],
    ['/attributes', 'attributes'],
    ['/attributes/location/latitude', 'attribute'],
    ['/features', 'features'],
    ['/features/lamp', 'feature'],
    ['/features/lamp/definition', 'featureDefinition'],
    ['/features/lamp/properties', 'featureProperties'],
    ['/features/lamp/properties/on', 'featureProperty'],
    ['/features/lamp/properties/color/r', 'featureProperty'],
    ['/features/lamp/desiredProperties', 'featureDesiredProperties'],
    ['/features/lamp/desiredProperties/on', 'featureDesiredProperty'],
  ])('%s is a %s for retrieve, modify, merge and delete', (path, kind) => {
    for (const action of ['retrieve', 'modify', 'merge', 'delete'] as const) {
      const s = cmd(`${T}/${action}`, path, action === 'modify' || action === 'merge' ? { x: 1 } : undefined);
      expect(s).toMatchObject({
        kind: 'thing-command',
        channel: 'twin',
        action,
        thingId: 'org.eclipse.ditto:fancy-thing',
        path,
        resource: { kind },
        headers: H,
      });
      if (action === 'delete' || action === 'retrieve') expect(s).not.toHaveProperty('value');
    }
  });

  it('creates only whole Things and needs values for create, modify and merge', () => {
    expect(cmd(`${T}/create`, '/', { attributes: {} })).toMatchObject({
      action: 'create',
      value: { attributes: {} },
    });
    expect(failure(() => cmd(`${T}/create`, '/attributes', {})).code).toBe('protocoladapter:unknown.path');
    for (const a of ['create', 'modify', 'merge'])
      expect(failure(() => cmd(`${T}/${a}`, a === 'create' ? '/' : '/attributes/x')).code).toBe(
        'protocoladapter:unknown.command',
      );
    expect(cmd(`${T}/merge`, '/attributes/x', null)).toMatchObject({ action: 'merge', value: null });
  });

  it('keeps fields of retrieve commands and the live channel', () => {
    expect(cmd(`${T}/retrieve`, '/', undefined, { fields: 'thingId,attributes(location)' })).toMatchObject({
      fields: 'thingId,attributes(location)',
    });
    expect(cmd('ns/t/things/live/commands/retrieve', '/attributes')).toMatchObject({ channel: 'live' });
  });

  it('refuses unknown paths and invalid Thing IDs', () => {
    for (const path of ['/nope', '/attributes//x', '/features/lamp/other', '/policyId/x'])
      expect(failure(() => cmd(`${T}/retrieve`, path)).code).toBe('protocoladapter:unknown.path');
    expect(failure(() => cmd('1bad/x/things/twin/commands/retrieve', '/')).code).toBe('things:id.invalid');
  });

  it('retrieves several Things with _/_ and a thingIds value', () => {
    expect(cmd('_/_/things/twin/commands/retrieve', '/', { thingIds: ['a:b', 'c:d'] })).toEqual({
      kind: 'retrieve-things',
      channel: 'twin',
      thingIds: ['a:b', 'c:d'],
      headers: H,
    });
    expect(cmd('ns/_/things/twin/commands/retrieve', '/', { thingIds: [] })).toMatchObject({
      namespace: 'ns',
    });
    expect(failure(() => cmd('_/_/things/twin/commands/retrieve', '/', {})).code).toBe(
      'protocoladapter:unknown.command',
    );
    expect(failure(() => cmd('_/_/things/twin/commands/retrieve', '/', { thingIds: ['bad'] })).code).toBe(
      'things:id.invalid',
    );
  });

  it('reads a status on a command topic as its response', () => {
    expect(cmd(`${T}/modify`, '/attributes/a', undefined, { status: 204 })).toEqual({
      kind: 'thing-response',
      channel: 'twin',
      action: 'modify',
      thingId: 'org.eclipse.ditto:fancy-thing',
      path: '/attributes/a',
      status: 204,
      headers: H,
    });
  });
});

describe('thing responses, events and errors', () => {
  const event: ThingEvent = {
    type: 'things.events:featurePropertyModified',
    action: 'modified',
    thingId: 'org.eclipse.ditto:fancy-thing',
    path: '/features/accelerometer/properties/x',
    value: 42,
    revision: 3,
    timestamp: '2024-01-01T00:00:00.000Z',
  };

  it('formats responses on the command topic and path', () => {
    expect(
      thingResponseEnvelope({
        thingId: 'ns:t',
        action: 'modify',
        path: '/attributes/a',
        status: 204,
        headers: H,
      }),
    ).toEqual({ topic: 'ns/t/things/twin/commands/modify', headers: H, path: '/attributes/a', status: 204 });
    expect(retrieveThingsResponseEnvelope({ things: [{ thingId: 'a:b' }], headers: H })).toEqual({
      topic: '_/_/things/twin/commands/retrieve',
      headers: H,
      path: '/',
      value: [{ thingId: 'a:b' }],
      status: 200,
    });
  });

  it('formats events with revision, timestamp, extra and a replaced (partial) value', () => {
    expect(thingEventEnvelope(event, { headers: H, extra: { attributes: { a: 1 } } })).toEqual({
      topic: 'org.eclipse.ditto/fancy-thing/things/twin/events/modified',
      headers: H,
      path: '/features/accelerometer/properties/x',
      value: 42,
      extra: { attributes: { a: 1 } },
      revision: 3,
      timestamp: '2024-01-01T00:00:00.000Z',
    });
    expect(
      thingEventEnvelope({ ...event, path: '/', value: { a: 1, b: 2 } }, { value: { a: 1 } }).value,
    ).toEqual({
      a: 1,
    });
    const deleted = thingEventEnvelope({ ...event, action: 'deleted', type: 'x', value: undefined as never });
    expect(deleted.topic).toMatch(/events\/deleted$/);
    expect(deleted).not.toHaveProperty('value');
    const merged = thingEventEnvelope({ ...event, action: 'merged', value: null });
    expect(merged.headers['content-type']).toBe('application/merge-patch+json');
    expect(merged.value).toBeNull();
  });

  it('round-trips events and errors through the parser', () => {
    const e = thingEventEnvelope(event, { headers: H });
    expect(signalOf(e)).toMatchObject({ kind: 'thing-event', action: 'modified', value: 42, revision: 3 });
    const err = new DittoError('things:thing.notfound', 'gone').toJSON();
    const env = thingErrorEnvelope({ thingId: 'ns:t', error: err, headers: H });
    expect(env).toMatchObject({ topic: 'ns/t/things/twin/errors', path: '/', status: 404, value: err });
    expect(signalOf(env)).toMatchObject({ kind: 'thing-error', status: 404, error: err });
    expect(thingErrorEnvelope({ error: err, headers: {} }).topic).toBe('_/_/things/twin/errors');
  });

  it('turns an event into the partial Thing that filters see', () => {
    expect(eventAsThing(event)).toEqual({
      thingId: event.thingId,
      _revision: 3,
      _modified: event.timestamp,
      features: { accelerometer: { properties: { x: 42 } } },
    });
    expect(
      eventAsThing({ ...event, action: 'merged', path: '/attributes', value: { a: 1, gone: null } }),
    ).toMatchObject({ attributes: { a: 1 } });
    expect(eventAsThing({ ...event, action: 'deleted', value: undefined as never })).toEqual({
      thingId: event.thingId,
      _revision: 3,
      _modified: event.timestamp,
    });
    expect(
      eventAsThing({ ...event, path: '/', value: { thingId: 'x:y', attributes: { a: 1 } } }),
    ).toMatchObject({
      thingId: event.thingId,
      attributes: { a: 1 },
    });
  });
});

describe('policies', () => {
  const P = 'org.eclipse.ditto/the_policy_id/policies/commands';
  it('parses commands with raw path segments (resource keys contain slashes)', () => {
    expect(
      cmd(`${P}/modify`, '/entries/the_label/resources/thing:/the_resource_path', { grant: ['READ'] }),
    ).toEqual({
      kind: 'policy-command',
      action: 'modify',
      policyId: 'org.eclipse.ditto:the_policy_id',
      path: '/entries/the_label/resources/thing:/the_resource_path',
      segments: ['entries', 'the_label', 'resources', 'thing:', 'the_resource_path'],
      value: { grant: ['READ'] },
      headers: H,
    });
    expect(cmd(`${P}/retrieve`, '/', undefined, { fields: 'entries' })).toMatchObject({
      segments: [],
      fields: 'entries',
    });
    expect(cmd(`${P}/delete`, '/entries/x')).toMatchObject({ action: 'delete', segments: ['entries', 'x'] });
  });

  it('refuses merge, creation below the root, missing values and bad ids', () => {
    expect(failure(() => cmd(`${P}/merge`, '/', {})).code).toBe('protocoladapter:unknown.command');
    expect(failure(() => cmd(`${P}/create`, '/entries/x', {})).code).toBe('protocoladapter:unknown.path');
    expect(failure(() => cmd(`${P}/modify`, '/entries/x')).code).toBe('protocoladapter:unknown.command');
    expect(failure(() => cmd('9/x/policies/commands/retrieve', '/')).code).toBe('policies:id.invalid');
    expect(failure(() => cmd('ns/x/policies/events/modified', '/')).code).toBe(
      'protocoladapter:unknown.topicpath',
    );
  });

  it('formats responses and errors without a channel', () => {
    expect(
      policyResponseEnvelope({
        policyId: 'ns:p',
        action: 'retrieve',
        path: '/entries',
        status: 200,
        value: {},
        headers: H,
      }),
    ).toEqual({
      topic: 'ns/p/policies/commands/retrieve',
      headers: H,
      path: '/entries',
      value: {},
      status: 200,
    });
    const err = new DittoError('policies:policy.notfound', 'no').toJSON();
    expect(policyErrorEnvelope({ policyId: 'ns:p', error: err, headers: H })).toMatchObject({
      topic: 'ns/p/policies/errors',
      status: 404,
    });
    expect(signalOf(policyErrorEnvelope({ policyId: 'ns:p', error: err, headers: H }))).toMatchObject({
      kind: 'policy-error',
      policyId: 'ns:p',
    });
  });
});

describe('messages', () => {
  it('parses thing and feature mailboxes; a status makes it a response', () => {
    expect(cmd('ns/coffee/things/live/messages/ask', '/inbox/messages/ask', 'hi')).toEqual({
      kind: 'message',
      thingId: 'ns:coffee',
      mailbox: 'inbox',
      subject: 'ask',
      path: '/inbox/messages/ask',
      value: 'hi',
      headers: H,
    });
    expect(
      cmd('ns/coffee/things/live/messages/heat/up', '/features/tank/outbox/messages/heat/up', undefined, {
        status: 418,
      }),
    ).toMatchObject({ featureId: 'tank', mailbox: 'outbox', subject: 'heat/up', status: 418 });
  });

  it('refuses messages on the twin channel, bad paths and bad subjects', () => {
    expect(failure(() => cmd('ns/t/things/twin/messages/x', '/inbox/messages/x')).code).toBe(
      'protocoladapter:unknown.topicpath',
    );
    for (const p of ['/inbox/x', '/attic/messages/x', '/features//inbox/messages/x', '/inbox/messages'])
      expect(failure(() => cmd('ns/t/things/live/messages/x', p)).code).toBe('protocoladapter:unknown.path');
    expect(failure(() => cmd('ns/t/things/live/messages/a b', '/inbox/messages/a b')).code).toBe(
      'messages:subject.invalid',
    );
  });

  it('formats messages and their paths', () => {
    expect(parseMessagePath('/features/f/inbox/messages/a/b')).toEqual({
      featureId: 'f',
      mailbox: 'inbox',
      subject: 'a/b',
    });
    expect(
      messageEnvelope({
        address: { thingId: 'ns:t', featureId: 'f', mailbox: 'outbox', subject: 's' },
        value: 1,
        status: 200,
        headers: H,
      }),
    ).toEqual({
      topic: 'ns/t/things/live/messages/s',
      headers: H,
      path: '/features/f/outbox/messages/s',
      value: 1,
      status: 200,
    });
  });
});

describe('acknowledgements', () => {
  it('parses single and aggregated acks, which need a status', () => {
    expect(cmd('ns/t/things/twin/acks/custom-ack', '/', undefined, { status: 202 })).toEqual({
      kind: 'ack',
      thingId: 'ns:t',
      channel: 'twin',
      label: 'custom-ack',
      status: 202,
      headers: H,
    });
    expect(cmd('ns/t/things/twin/acks', '/', {}, { status: 200 })).toMatchObject({ kind: 'acks' });
    expect(failure(() => cmd('ns/t/things/twin/acks/custom-ack', '/')).code).toBe(
      'protocoladapter:unknown.command',
    );
    expect(failure(() => cmd('ns/t/things/twin/acks/x', '/', undefined, { status: 200 })).code).toBe(
      'acknowledgement:label.invalid',
    );
  });

  it('aggregates with the sole status, 200 when all succeeded, else 424', () => {
    expect(combinedAckStatus([{ status: 408 }])).toBe(408);
    expect(combinedAckStatus([{ status: 201 }, { status: 200 }])).toBe(200);
    expect(combinedAckStatus([{ status: 201 }, { status: 408 }])).toBe(424);
    const results = new Map([
      ['twin-persisted', { status: 204 }],
      ['my-ack', { status: 400, payload: 'no', headers: { 'correlation-id': 'c' } }],
    ]);
    const env = acksEnvelope({ thingId: 'ns:t', results, headers: H });
    expect(env).toEqual({
      topic: 'ns/t/things/twin/acks',
      headers: H,
      path: '/',
      value: {
        'twin-persisted': { status: 204 },
        'my-ack': { status: 400, payload: 'no', headers: { 'correlation-id': 'c' } },
      },
      status: 424,
    });
    expect(ackResultsOf(env.value)).toEqual(results);
    expect(ackEnvelope({ thingId: 'ns:t', label: 'my-ack', status: 200, headers: H }).topic).toBe(
      'ns/t/things/twin/acks/my-ack',
    );
  });
});

describe('streaming and search', () => {
  it('parses history subscriptions, requests and cancellations', () => {
    expect(
      cmd('ns/t/things/twin/streaming/subscribeForPersistedEvents', '/', {
        fromHistoricalRevision: 1,
        toHistoricalRevision: 10,
        filter: 'exists(features/bamboo)',
      }),
    ).toMatchObject({
      kind: 'streaming',
      action: 'subscribeForPersistedEvents',
      entityId: 'ns:t',
      range: { fromHistoricalRevision: 1, toHistoricalRevision: 10, filter: 'exists(features/bamboo)' },
    });
    expect(
      cmd('ns/t/things/twin/streaming/subscribeForPersistedEvents', '/', {
        fromHistoricalTimestamp: '2022-10-24T11:44:36Z',
      }),
    ).toMatchObject({ range: { fromHistoricalTimestamp: '2022-10-24T11:44:36.000Z' } });
    expect(cmd('ns/t/things/twin/streaming/request', '/', { subscriptionId: '0', demand: 25 })).toMatchObject(
      {
        action: 'request',
        subscriptionId: '0',
        demand: 25,
      },
    );
    expect(cmd('ns/p/policies/streaming/cancel', '/', { subscriptionId: '0' })).toMatchObject({
      group: 'policies',
      action: 'cancel',
    });
    expect(failure(() => cmd('ns/t/things/twin/streaming/request', '/', { subscriptionId: '0' })).code).toBe(
      'protocoladapter:unknown.command',
    );
    expect(failure(() => cmd('ns/t/things/twin/streaming/next', '/', {})).code).toBe(
      'protocoladapter:unknown.command',
    );
    expect(
      streamingEnvelope({
        group: 'things',
        entityId: 'ns:t',
        action: 'created',
        value: { subscriptionId: '0' },
        headers: {},
      }).topic,
    ).toBe('ns/t/things/twin/streaming/created');
  });

  it('recognises search topics so they can be answered', () => {
    expect(cmd('_/_/things/twin/search/subscribe', '/', { filter: 'eq(a,1)' })).toMatchObject({
      kind: 'search',
      action: 'subscribe',
    });
  });
});
