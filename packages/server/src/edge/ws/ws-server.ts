/**
 * @module WebSocket /ws/2 on the same HTTP server as Fastify (`ws` with noServer on the 'upgrade'
 * event). The upgrade is authenticated like an HTTP request — Basic, pre-authenticated header where
 * enabled, `Authorization: Bearer <jwt>` or `?access_token=<jwt>` — and refused with a Ditto error
 * body otherwise. `?declared-acks=` declares the acknowledgement labels the session issues (unique
 * in the process). A JWT session is closed when its token expires unless `JWT-TOKEN` refreshed it
 * (same subject). Sessions are pinged to find dead peers and closed with 1001 when Egiz stops.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { DittoError, parseRequestedAcks } from '@egiz/core';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from '../../auth/authenticate.js';
import type { JwtVerifier, VerifiedToken } from '../../auth/jwt/jwt-verifier.js';
import type { AuthContext } from '../../dispatch/auth-context.js';
import type { WsContext } from './ws-context.js';
import { CLOSE_GOING_AWAY, CLOSE_POLICY, WsSession } from './ws-session.js';

const PING_INTERVAL_MS = 30_000;
const PATH = /^\/ws\/2\/?$/;

export interface WsServerDeps {
  readonly authenticator: Authenticator;
  readonly jwt: JwtVerifier;
  /** The shared context without the hooks the server adds itself. */
  readonly context: Omit<WsContext, 'onSessionClosed' | 'refreshToken'>;
  /** Whether new sessions are accepted (false while starting or draining). */
  readonly accepting: () => boolean;
}

export interface WsServer {
  readonly sessions: ReadonlySet<WsSession>;
  /** Closes every session (1001) — also done by Fastify's preClose hook. */
  closeAll(reason: string): void;
}

interface Authenticated {
  readonly auth: AuthContext;
  readonly token?: VerifiedToken;
}

/** The WebSocket text frame (RFC 6455 §5.2: FIN, opcode 1, no mask) of shared bytes, built once per payload. */
const frames = new WeakMap<Uint8Array, Buffer>();
function framed(payload: Uint8Array): Buffer {
  let frame = frames.get(payload);
  if (frame !== undefined) return frame;
  const n = payload.byteLength;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  frame.set(payload, head);
  frames.set(payload, frame);
  return frame;
}

function refuse(socket: Duplex, status: number, error: DittoError, extra: Record<string, string> = {}): void {
  const body = JSON.stringify(error.toJSON());
  const reason =
    status === 401
      ? 'Unauthorized'
      : status === 404
        ? 'Not Found'
        : status === 503
          ? 'Service Unavailable'
          : 'Bad Request';
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...extra,
  };
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n${body}`,
  );
}

async function authenticate(
  request: IncomingMessage,
  url: URL,
  deps: WsServerDeps,
): Promise<Authenticated | undefined> {
  const authorization = request.headers.authorization;
  const bearer =
    /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ??
    url.searchParams.get('access_token') ??
    undefined;
  if (bearer !== undefined && bearer !== '') {
    if (!deps.jwt.enabled)
      throw new DittoError('gateway:jwt.invalid', 'No JWT issuers are configured (EGIZ_JWT_ISSUERS).');
    const token = await deps.jwt.verify(bearer);
    return { auth: token.auth, token };
  }
  const pre = request.headers['x-ditto-pre-authenticated'];
  const auth = deps.authenticator.authenticate({
    authorization,
    preAuthenticated: typeof pre === 'string' ? pre : undefined,
  });
  return auth ? { auth } : undefined;
}

export function registerWebSocket(app: FastifyInstance, deps: WsServerDeps): WsServer {
  const sessions = new Set<WsSession>();
  const expiry = new Map<WsSession, NodeJS.Timeout>();
  const alive = new WeakMap<WebSocket, boolean>();
  const { metrics, logger, writes } = deps.context;
  // No compression: frames of shared event bytes are written to many sockets as they are.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: deps.context.limits.maxFrameBytes,
    perMessageDeflate: false,
  });

  const scheduleExpiry = (session: WsSession, token: VerifiedToken | undefined) => {
    const old = expiry.get(session);
    if (old) clearTimeout(old);
    expiry.delete(session);
    if (!token?.expiresAt) return;
    const delay = Math.min(Math.max(0, token.expiresAt.getTime() - Date.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => {
      expiry.delete(session);
      session.closeWithError(
        new DittoError('gateway:websocket.session.expired', 'The JSON Web Token of the session has expired.'),
        CLOSE_POLICY,
      );
    }, delay);
    timer.unref();
    expiry.set(session, timer);
  };

  const context: WsContext = {
    ...deps.context,
    onSessionClosed(session) {
      if (!sessions.delete(session)) return;
      const t = expiry.get(session);
      if (t) clearTimeout(t);
      expiry.delete(session);
      deps.context.acks.coordinator.release(session.id);
      metrics.realtimeSessions.dec({ edge: 'ws' });
    },
    async refreshToken(session, token) {
      let verified: VerifiedToken;
      try {
        verified = await deps.jwt.verify(token);
      } catch (e) {
        session.sendEnvelopeError(
          e instanceof DittoError
            ? e
            : new DittoError('gateway:jwt.invalid', 'The token could not be verified.'),
        );
        return;
      }
      if (verified.subject !== session.auth.primary) {
        session.closeWithError(
          new DittoError(
            'gateway:jwt.subject.changed',
            `The new token authenticates '${verified.subject}', the session is '${session.auth.primary}'.`,
          ),
          CLOSE_POLICY,
        );
        return;
      }
      session.refreshAuth(verified.auth);
      scheduleExpiry(session, verified);
    },
  };

  metrics.realtimeQueueSources.set('ws', () => {
    let n = 0;
    for (const s of sessions) n += s.outboxStats.queued;
    return n;
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!PATH.test(url.pathname)) {
      refuse(
        socket,
        404,
        new DittoError('gateway:resource.notfound', `No WebSocket endpoint at '${url.pathname}'; use /ws/2.`),
      );
      return;
    }
    if (!deps.accepting()) {
      refuse(socket, 503, new DittoError('gateway:service.unavailable', 'Egiz is starting or stopping.'));
      return;
    }
    socket.on('error', () => socket.destroy());
    authenticate(request, url, deps).then(
      (authenticated) => {
        if (!authenticated) {
          refuse(
            socket,
            401,
            new DittoError(
              'gateway:authentication.failed',
              'Unauthorized: send HTTP Basic credentials or a Bearer token.',
            ),
            { 'www-authenticate': 'Basic realm="EGIZ"' },
          );
          return;
        }
        let declared: string[];
        try {
          declared = parseRequestedAcks(url.searchParams.get('declared-acks') ?? undefined) ?? [];
        } catch (e) {
          refuse(socket, 400, e as DittoError);
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws) => open(ws, authenticated, declared));
      },
      (e: unknown) => {
        const error =
          e instanceof DittoError
            ? e
            : new DittoError('gateway:authentication.failed', 'Authentication failed.');
        refuse(socket, 401, error, { 'www-authenticate': 'Bearer realm="EGIZ"' });
      },
    );
  };

  const open = (ws: WebSocket, authenticated: Authenticated, declared: readonly string[]) => {
    const raw = (ws as unknown as { _socket?: Socket })._socket;
    const socket = {
      send(data: string | Uint8Array, done: () => void) {
        // Frames of one event-loop turn leave in one write per socket (CorkedWrites).
        if (raw) writes.cork(raw);
        // Shared bytes (one event for many subscribers) are framed once and written as they are;
        // ws frames everything else. Server frames are unmasked and uncompressed, so a frame is
        // the same bytes for every socket.
        if (raw && typeof data !== 'string' && ws.readyState === ws.OPEN) raw.write(framed(data), done);
        else ws.send(data, { binary: false }, done);
      },
      close: (code: number, reason: string) => ws.close(code, reason),
      terminate: () => ws.terminate(),
    };
    const session = new WsSession(socket, authenticated.auth, context, new Set(declared));
    sessions.add(session);
    metrics.realtimeSessions.inc({ edge: 'ws' });
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as Buffer).toString('utf8');
      void session.onText(text);
    });
    ws.on('close', () => session.disconnected());
    ws.on('error', (err) => {
      logger.debug({ err, session: session.id }, 'websocket error');
      session.disconnected();
    });
    try {
      deps.context.acks.coordinator.declare(session.id, declared);
    } catch (e) {
      session.closeWithError(e as DittoError, CLOSE_POLICY);
      return;
    }
    scheduleExpiry(session, authenticated.token);
  };

  app.server.on('upgrade', onUpgrade);

  const ping = setInterval(() => {
    for (const client of wss.clients) {
      if (alive.get(client) === false) {
        client.terminate();
        continue;
      }
      alive.set(client, false);
      client.ping();
    }
  }, PING_INTERVAL_MS);
  ping.unref();

  const closeAll = (reason: string) => {
    for (const s of [...sessions]) s.close(CLOSE_GOING_AWAY, reason);
  };
  app.addHook('preClose', (done) => {
    clearInterval(ping);
    app.server.off('upgrade', onUpgrade);
    closeAll('Egiz is shutting down');
    // Peers that do not answer the close handshake are cut so that the server can stop.
    setTimeout(() => {
      for (const client of wss.clients) client.terminate();
    }, deps.context.limits.closeGraceMs).unref();
    done();
  });
  app.addHook('onClose', (_app, done) => {
    for (const client of wss.clients) client.terminate();
    wss.close(() => done());
  });

  return { sessions, closeAll };
}
