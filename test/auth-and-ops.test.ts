/** End-to-end tests of authentication, whoami, configuration safety and the operations endpoints. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../packages/server/src/app/config.js';
import { basic, startServer, type TestServer } from './support/egiz-server.js';

describe('authentication', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  it('refuses /api/2 without or with wrong Basic credentials: 401, WWW-Authenticate, Ditto error JSON', async () => {
    for (const auth of [false, 'ditto:wrong', 'nobody:ditto'] as const) {
      const res = await s.request('/api/2/things/org.egiz.test:x', { auth });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect((await res.json()).error).toBe('gateway:authentication.failed');
    }
    const garbage = await s.request('/api/2/whoami', { headers: { authorization: 'Basic %%%' } });
    expect(garbage.status).toBe(401);
  });

  it('whoami returns the nginx:<user> subject', async () => {
    const res = await s.request('/api/2/whoami', { auth: 'alice:alice-pw' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ defaultSubject: 'nginx:alice', subjects: ['nginx:alice'] });
  });

  it('ignores x-ditto-pre-authenticated unless EGIZ_PREAUTH=true', async () => {
    const res = await s.request('/api/2/whoami', {
      auth: false,
      headers: { 'x-ditto-pre-authenticated': 'nginx:mallory' },
    });
    expect(res.status).toBe(401);
  });

  it('operations: /alive, /ready, /health, /metrics without auth; devops status with the devops user only', async () => {
    expect((await s.request('/alive', { auth: false })).status).toBe(200);
    const ready = await s.request('/ready', { auth: false });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'UP' });
    expect((await s.request('/health', { auth: false })).status).toBe(200);
    await s.request('/api/2/things/org.egiz.test:metrics', { method: 'PUT', json: {} });
    const metrics = await (await s.request('/metrics', { auth: false })).text();
    expect(metrics).toMatch(
      /egiz_http_requests_total\{method="PUT",route="\/api\/2\/things\/\*",status="201"\} 1/,
    );
    expect(metrics).toMatch(/egiz_things 1/);
    expect(metrics).toMatch(/egiz_commit_batch_size_count \d+/);
    expect(metrics).toMatch(/egiz_http_request_duration_seconds_bucket/);
    expect((await s.request('/status/health', { auth: false })).status).toBe(401);
    expect((await s.request('/status/health', { auth: 'ditto:ditto' })).status).toBe(401);
    const status = await s.request('/overall/status', {
      headers: { authorization: basic('devops:devops-pw') },
    });
    expect(status.status).toBe(200);
    expect((await status.json()).status).toBe('UP');
  });
});

describe('pre-authentication', () => {
  it('honours x-ditto-pre-authenticated when EGIZ_PREAUTH=true', async () => {
    const s = await startServer({ EGIZ_PREAUTH: 'true' });
    try {
      const res = await s.request('/api/2/whoami', {
        auth: false,
        headers: { 'x-ditto-pre-authenticated': 'nginx:proxy-user' },
      });
      expect(res.status).toBe(200);
      expect((await res.json()).defaultSubject).toBe('nginx:proxy-user');
    } finally {
      await s.close();
    }
  });
});

describe('readiness while draining', () => {
  it('stops accepting requests after stop()', async () => {
    const s = await startServer();
    await s.egiz.stop();
    await expect(fetch(`${s.url}/ready`)).rejects.toThrow();
    await s.close();
  });
});

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe('./data');
    expect(c.users).toEqual([{ username: 'ditto', password: 'ditto' }]);
    expect(c.defaultUsers).toBe(true);
    expect(c.preauth).toBe(false);
    expect(c.defaultNamespace).toBe('egiz');
  });

  it('refuses default credentials in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', EGIZ_USERS: 'ditto:ditto', EGIZ_DEVOPS_PASSWORD: 'x' }),
    ).toThrow(/ditto:ditto/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', EGIZ_USERS: 'ops:S3cret!', EGIZ_DEVOPS_PASSWORD: 'other' }),
    ).not.toThrow();
  });

  it('refuses malformed values instead of guessing', () => {
    expect(() => loadConfig({ EGIZ_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ EGIZ_USERS: 'nopassword' })).toThrow(ConfigError);
    expect(() => loadConfig({ EGIZ_DEFAULT_NAMESPACE: '1bad' })).toThrow(ConfigError);
  });

  it('takes the event bus from EGIZ_BUS and EGIZ_NATS_*, refusing what a broker could not use', () => {
    expect(loadConfig({}).bus).toEqual({ kind: 'memory' });
    expect(loadConfig({ EGIZ_BUS: 'nats' }).bus).toEqual({
      kind: 'nats',
      url: 'nats://127.0.0.1:4222',
      subject: 'egiz.events',
    });
    expect(
      loadConfig({
        EGIZ_BUS: 'nats',
        EGIZ_NATS_URL: 'nats://10.0.0.5:4222,nats://10.0.0.6:4222',
        EGIZ_NATS_SUBJECT: 'plant-7.twins',
        EGIZ_NATS_USER: 'egiz',
        EGIZ_NATS_PASSWORD: 's3cret',
      }).bus,
    ).toEqual({
      kind: 'nats',
      url: 'nats://10.0.0.5:4222,nats://10.0.0.6:4222',
      subject: 'plant-7.twins',
      user: 'egiz',
      password: 's3cret',
    });
    expect(() => loadConfig({ EGIZ_BUS: 'kafka' })).toThrow(/EGIZ_BUS must be memory or nats/);
    expect(() => loadConfig({ EGIZ_BUS: 'nats', EGIZ_NATS_URL: 'http://127.0.0.1:4222' })).toThrow(
      /EGIZ_NATS_URL/,
    );
    expect(() => loadConfig({ EGIZ_BUS: 'nats', EGIZ_NATS_URL: 'nats://u:p@127.0.0.1:4222' })).toThrow(
      /credentials go in EGIZ_NATS_USER/,
    );
    for (const subject of ['egiz.>', 'egiz.*', 'egiz..events', 'egiz events', '.egiz'])
      expect(() => loadConfig({ EGIZ_BUS: 'nats', EGIZ_NATS_SUBJECT: subject }), subject).toThrow(
        /EGIZ_NATS_SUBJECT/,
      );
    expect(() => loadConfig({ EGIZ_BUS: 'nats', EGIZ_NATS_USER: 'egiz' })).toThrow(/together/);
  });
});
