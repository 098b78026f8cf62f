/**
 * JWT authentication of /ws/2 (and HTTP) with keys configured in EGIZ_JWT_ISSUERS: Bearer header and
 * ?access_token=, subject `<prefix>:<sub>`, JWT-TOKEN refresh (same subject only) and the session
 * closed with a reason when its token expires.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';
import { WsTestClient } from './support/ws-client.js';

const SECRET = 'egiz-test-secret-with-more-than-32-bytes';
let s: TestServer;
let dir: string;
let rsaKey: CryptoKey;

const hs = (sub: string, expiresInS: number, iss = 'https://hs.test') =>
  new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(iss)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
    .sign(new TextEncoder().encode(SECRET));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'egiz-jwt-'));
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  rsaKey = privateKey;
  writeFileSync(
    join(dir, 'jwks.json'),
    JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }),
  );
  s = await startServer({
    EGIZ_JWT_ISSUERS: `https://hs.test=hs@hs256:${SECRET};https://rsa.test=rsa@${join(dir, 'jwks.json')}`,
  });
});
afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('JWT on the WebSocket and HTTP', () => {
  it('authenticates with a Bearer header, ?access_token= and over HTTP as <prefix>:<sub>', async () => {
    const token = await hs('carol', 600);
    const ws = await WsTestClient.connect(s.url, { auth: { bearer: token } });
    const created = await ws.request({
      topic: 'jwt.test/owned/things/twin/commands/create',
      path: '/',
      value: {},
    });
    expect(created.status).toBe(201);
    await ws.close();
    const policy = await s.request('/api/2/policies/jwt.test:owned', {
      auth: false,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(policy.status).toBe(200);
    expect(JSON.stringify(await policy.json())).toContain('hs:carol');
    const who = await s.request('/api/2/whoami', {
      auth: false,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await who.json()).toMatchObject({ defaultSubject: 'hs:carol' });

    const rsa = await new SignJWT({ sub: 'device-7' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://rsa.test')
      .setExpirationTime('10m')
      .sign(rsaKey);
    const viaQuery = await WsTestClient.connect(s.url, { auth: false, query: `access_token=${rsa}` });
    expect(
      await viaQuery.request({ topic: 'jwt.test/owned/things/twin/commands/retrieve', path: '/' }),
    ).toMatchObject({
      status: 404,
    });
    await viaQuery.close();
  });

  it('refuses invalid, expired and foreign tokens at the upgrade with 401', async () => {
    await expect(
      WsTestClient.connect(s.url, { auth: { bearer: await hs('x', -3600) } }),
    ).rejects.toMatchObject({ status: 401 });
    await expect(
      WsTestClient.connect(s.url, { auth: { bearer: await hs('x', 600, 'https://other.test') } }),
    ).rejects.toMatchObject({
      status: 401,
    });
    await expect(WsTestClient.connect(s.url, { auth: { bearer: 'garbage' } })).rejects.toMatchObject({
      status: 401,
    });
    const res = await s.request('/api/2/whoami', {
      auth: false,
      headers: { authorization: `Bearer ${await hs('x', -3600)}` },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'gateway:jwt.invalid' });
  });

  it('keeps a session open past its first token with JWT-TOKEN, and closes it when the token expires', async () => {
    const ws = await WsTestClient.connect(s.url, { auth: { bearer: await hs('dave', 2) } });
    ws.send(`JWT-TOKEN?jwtToken=${await hs('dave', 600)}`);
    await new Promise((r) => setTimeout(r, 2500));
    expect(ws.closed).toBeUndefined();
    expect(
      (await ws.request({ topic: 'jwt.test/none/things/twin/commands/retrieve', path: '/' })).status,
    ).toBe(404);
    await ws.close();

    const expiring = await WsTestClient.connect(s.url, { auth: { bearer: await hs('erin', 1) } });
    const closed = await expiring.waitClosed(5000);
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/expired/);
    expect(expiring.frames).toContainEqual(
      expect.objectContaining({
        value: expect.objectContaining({ error: 'gateway:websocket.session.expired', status: 401 }),
      }),
    );
  });

  it('refuses a refresh for another subject by closing the session, and reports invalid refresh tokens', async () => {
    const ws = await WsTestClient.connect(s.url, { auth: { bearer: await hs('frank', 600) } });
    ws.send('JWT-TOKEN?jwtToken=garbage');
    expect(
      await ws.next((f) => typeof f === 'object' && f.value?.error === 'gateway:jwt.invalid'),
    ).toBeTruthy();
    expect(ws.closed).toBeUndefined();
    ws.send(`JWT-TOKEN?jwtToken=${await hs('mallory', 600)}`);
    const closed = await ws.waitClosed();
    expect(closed.code).toBe(1008);
    expect(ws.frames).toContainEqual(
      expect.objectContaining({ value: expect.objectContaining({ error: 'gateway:jwt.subject.changed' }) }),
    );
  });
});
