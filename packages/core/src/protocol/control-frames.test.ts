import { describe, expect, it } from 'vitest';
import { ControlFrameError, controlAck, parseControlFrame, parseQueryParams } from './control-frames.js';

describe('WebSocket control messages', () => {
  it('parses every start and stop message and acknowledges it', () => {
    for (const stream of ['EVENTS', 'MESSAGES', 'LIVE-COMMANDS', 'LIVE-EVENTS', 'POLICY-ANNOUNCEMENTS']) {
      const start = parseControlFrame(`START-SEND-${stream}`);
      expect(start).toMatchObject({ kind: 'start', stream: stream.replace('-', '_'), params: {} });
      const stop = parseControlFrame(`STOP-SEND-${stream}`);
      expect(stop).toEqual({ kind: 'stop', stream: stream.replace('-', '_') });
      if (start?.kind === 'start') expect(controlAck('start', start.stream)).toBe(`START-SEND-${stream}:ACK`);
      if (stop?.kind === 'stop') expect(controlAck('stop', stop.stream)).toBe(`STOP-SEND-${stream}:ACK`);
    }
  });

  it('decodes namespaces, filter and extraFields like a query string', () => {
    expect(
      parseControlFrame(
        'START-SEND-EVENTS?namespaces=org.eclipse.ditto,org.x&filter=like(attributes/m,%22ACME%20%26%20Sons*%22)&extraFields=attributes/counter,features/ConnectionStatus',
      ),
    ).toEqual({
      kind: 'start',
      stream: 'EVENTS',
      params: {
        namespaces: ['org.eclipse.ditto', 'org.x'],
        filter: 'like(attributes/m,"ACME & Sons*")',
        extraFields: 'attributes/counter,features/ConnectionStatus',
      },
    });
    expect(parseQueryParams('a=1+2&b&c=%2B')).toEqual(
      new Map([
        ['a', '1 2'],
        ['b', ''],
        ['c', '+'],
      ]),
    );
  });

  it('reads JWT-TOKEN and tells envelopes and garbage from control messages', () => {
    expect(parseControlFrame('JWT-TOKEN?jwtToken=abc.def.ghi')).toEqual({
      kind: 'jwt',
      token: 'abc.def.ghi',
    });
    expect(() => parseControlFrame('JWT-TOKEN')).toThrow(ControlFrameError);
    expect(() => parseControlFrame('START-SEND-EVERYTHING')).toThrow(ControlFrameError);
    expect(() => parseControlFrame('START-SEND-EVENTS?filter=%E0%A4%A')).toThrow(ControlFrameError);
    expect(parseControlFrame('{"topic":"a/b/things/twin/commands/retrieve"}')).toBeUndefined();
    expect(parseControlFrame('hello')).toBeUndefined();
  });
});
