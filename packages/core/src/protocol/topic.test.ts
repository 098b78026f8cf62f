import { describe, expect, it } from 'vitest';
import { DittoError } from './ditto-error.js';
import { formatTopic, parseTopic, topicEntityId, topicPartsOf } from './topic.js';

describe('topics', () => {
  it.each([
    [
      'org.eclipse.ditto/fancy-car-1/things/twin/commands/create',
      { channel: 'twin', criterion: 'commands', action: 'create' },
    ],
    ['org.eclipse.ditto/fancy-car-23/things/twin/commands/merge', { criterion: 'commands', action: 'merge' }],
    [
      'org.eclipse.ditto/fancy-car-0815/things/live/events/modified',
      { channel: 'live', criterion: 'events', action: 'modified' },
    ],
    [
      'org.eclipse.ditto/fancy-car-42/things/live/messages/hello.world',
      { criterion: 'messages', action: 'hello.world' },
    ],
    ['org.eclipse.ditto/smartcoffee/things/live/messages/ask/question', { action: 'ask/question' }],
    [
      'org.eclipse.ditto/fancy-policy-1/policies/commands/delete',
      { group: 'policies', criterion: 'commands', action: 'delete' },
    ],
    [
      'org.eclipse.ditto/p/policies/announcements/subjectDeletion',
      { group: 'policies', action: 'subjectDeletion' },
    ],
    ['org.eclipse.ditto/t/things/twin/errors', { criterion: 'errors' }],
    ['org.eclipse.ditto/t/things/twin/acks', { criterion: 'acks' }],
    ['org.eclipse.ditto/t/things/twin/acks/my:custom-ack', { criterion: 'acks', action: 'my:custom-ack' }],
    ['_/_/things/twin/search/subscribe', { namespace: '_', name: '_', criterion: 'search' }],
    [
      'org.eclipse.ditto/thing-2/things/twin/streaming/subscribeForPersistedEvents',
      { criterion: 'streaming' },
    ],
  ])('parses and formats %s', (text, expected) => {
    const t = parseTopic(text);
    expect(t).toMatchObject(expected);
    expect(formatTopic(t)).toBe(text);
  });

  it.each([
    ['', 'no namespace and name'],
    ['ns', 'no namespace and name'],
    ['ns/name/devices/twin/commands/modify', "group 'devices'"],
    ['ns/name/things/shadow/commands/modify', "channel 'shadow'"],
    ['ns/name/things/twin/orders/modify', "criterion 'orders'"],
    ['ns/name/things/twin/commands/upsert', "action 'upsert'"],
    ['ns/name/things/twin/commands', "action ''"],
    ['ns/name/things/twin/events/modified/extra', "action 'modified/extra'"],
    ['ns/name/things/live/messages', 'need a subject'],
    ['ns/name/things/twin/errors/x', 'no action'],
    ['ns/name/policies/twin/commands/create', "criterion 'twin'"],
  ])('refuses %j with a reason', (text, reason) => {
    let error: unknown;
    try {
      parseTopic(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DittoError);
    expect((error as DittoError).code).toBe('protocoladapter:unknown.topicpath');
    expect((error as DittoError).message).toContain(reason);
  });

  it('maps entity ids to topic segments and back', () => {
    expect(topicPartsOf('org.eclipse.ditto:fancy-thing')).toEqual({
      namespace: 'org.eclipse.ditto',
      name: 'fancy-thing',
    });
    expect(topicPartsOf('ns:a:b')).toEqual({ namespace: 'ns', name: 'a:b' });
    expect(topicPartsOf(undefined)).toEqual({ namespace: '_', name: '_' });
    expect(topicEntityId(parseTopic('ns/a:b/things/twin/errors'))).toBe('ns:a:b');
  });
});
