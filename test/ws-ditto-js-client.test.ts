/**
 * Eclipse Ditto's official JavaScript client (newWebSocketClient) against Egiz's /ws/2 unchanged:
 * twin commands over the WebSocket, subscribing to change notifications, and exchanging messages
 * (as the sender awaiting a device's reply, as the receiving device, and both ends at once).
 */
import {
  DittoNodeClient,
  NodeWebSocketBasicAuth,
  Thing,
  type DittoWebSocketLiveClient,
} from '@eclipse-ditto/ditto-javascript-client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient } from './support/ws-client.js';

let s: TestServer;
let client: DittoWebSocketLiveClient;

/** A client on the twin channel (commands, events) or the live channel (messages). */
function wsClient(url: string, channel: 'twin' | 'live' = 'twin'): DittoWebSocketLiveClient {
  const builder = DittoNodeClient.newWebSocketClient()
    .withoutTls()
    .withDomain(new URL(url).host)
    .withAuthProvider(NodeWebSocketBasicAuth.newInstance('ditto', 'ditto'))
    .withReconnect(false)
    .withBuffer(100);
  return (
    channel === 'live' ? builder.liveChannel() : builder.twinChannel()
  ).build() as DittoWebSocketLiveClient;
}

/**
 * Closes a client without its reconnect logic: on a close it starts a reconnect that rejects
 * ("Reconnect disabled") where nobody listens, which would show up as an unhandled rejection.
 */
function quietClose(c: DittoWebSocketLiveClient): void {
  const socket = (
    c as unknown as {
      responseHandler?: {
        resilienceHandler?: { webSocket?: { webSocket?: { removeAllListeners(e: string): void } } };
      };
    }
  ).responseHandler?.resilienceHandler?.webSocket?.webSocket;
  socket?.removeAllListeners('close');
  c.close();
}

function within<T>(p: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms)),
  ]);
}

beforeAll(async () => {
  s = await startServer();
  client = wsClient(s.url);
});
afterAll(async () => {
  quietClose(client);
  await s.close();
});

describe('Ditto JavaScript client over the WebSocket', () => {
  it('runs twin commands over the WebSocket', async () => {
    const things = client.getThingsHandle();
    const put = await within(
      things.putThing(new Thing('org.egiz.jsws:lamp', undefined, { room: 'kitchen' })),
    );
    expect(put.status).toBe(201);
    const thing = await within(things.getThing('org.egiz.jsws:lamp'));
    expect(thing.attributes).toEqual({ room: 'kitchen' });
    await within(things.putAttribute('org.egiz.jsws:lamp', 'floor', 2));
    expect(await within(things.getAttribute('org.egiz.jsws:lamp', 'floor'))).toBe(2);
  });

  it('subscribes to events and receives changes made elsewhere', async () => {
    const events = client.getEventsHandle();
    await within(events.requestEvents());
    const received: { action: string; path: string; value: unknown }[] = [];
    const arrived = new Promise<void>((resolve) => {
      events.subscribeToThing('org.egiz.jsws:lamp', (m) => {
        received.push({ action: m.action, path: m.path, value: m.value });
        if (received.length === 2) resolve();
      });
    });
    await s.request('/api/2/things/org.egiz.jsws:lamp/attributes/floor', { method: 'PUT', json: 3 });
    await s.request('/api/2/things/org.egiz.jsws:lamp/attributes/room', { method: 'PUT', json: 'attic' });
    await within(arrived);
    expect(received).toEqual([
      { action: 'modified', path: '/attributes/floor', value: 3 },
      { action: 'modified', path: '/attributes/room', value: 'attic' },
    ]);
  });

  it('sends a message and gets the device’s reply', async () => {
    const device = await WsTestClient.connect(s.url);
    await device.control('START-SEND-MESSAGES');
    const sender = wsClient(s.url, 'live');
    const reply = sender
      .getMessagesHandle()
      .messageToThing('org.egiz.jsws:lamp', 'switch', 'on', 'text/plain');
    const msg = await device.next(
      (f) => typeof f === 'object' && String(f.topic).endsWith('/messages/switch'),
    );
    // Header names keep the sender's spelling (case-preserving, protocol-specification).
    expect(msg).toMatchObject({
      path: '/inbox/messages/switch',
      value: 'on',
      headers: { 'Content-Type': 'text/plain' },
    });
    device.send({
      topic: msg.topic,
      path: '/outbox/messages/switch',
      headers: { 'correlation-id': msg.headers['correlation-id'], 'content-type': 'text/plain' },
      value: 'switched on',
      status: 200,
    });
    const response = await within(reply);
    expect(response).toMatchObject({ status: 200, body: 'switched on' });
    await device.close();
    quietClose(sender);
  });

  it('receives messages as a device', async () => {
    const deviceClient = wsClient(s.url, 'live');
    const messages = deviceClient.getMessagesHandle();
    await within(messages.requestMessages());
    const got = new Promise<{ value: unknown; topic: string }>((resolve) =>
      messages.subscribeToThing(
        'org.egiz.jsws:lamp',
        (m) => resolve({ value: m.value, topic: m.topic }),
        'blink',
        'inbox',
      ),
    );
    const res = await s.request('/api/2/things/org.egiz.jsws:lamp/inbox/messages/blink?timeout=0', {
      method: 'POST',
      json: { times: 3 },
    });
    expect(res.status).toBe(202);
    expect(await within(got)).toEqual({
      value: { times: 3 },
      topic: 'org.egiz.jsws/lamp/things/live/messages/blink',
    });
    quietClose(deviceClient);
  });

  it('exchanges a message between two Ditto clients, sender and device', async () => {
    const deviceClient = wsClient(s.url, 'live');
    const senderClient = wsClient(s.url, 'live');
    const messages = deviceClient.getMessagesHandle();
    await within(messages.requestMessages());
    const got = new Promise<{ value: unknown; topic: string; path: string }>((resolve) =>
      messages.subscribeToThing(
        'org.egiz.jsws:lamp',
        (m) => resolve({ value: m.value, topic: m.topic, path: m.path }),
        'dim',
        'inbox',
      ),
    );
    await within(
      senderClient
        .getMessagesHandle()
        .messageToThingWithoutResponse('org.egiz.jsws:lamp', 'dim', '40', 'text/plain'),
    );
    expect(await within(got)).toEqual({
      value: '40',
      topic: 'org.egiz.jsws/lamp/things/live/messages/dim',
      path: '/inbox/messages/dim',
    });
    quietClose(deviceClient);
    quietClose(senderClient);
  });
});
