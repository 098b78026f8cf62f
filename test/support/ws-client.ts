/**
 * @module Test support: a small WebSocket client for /ws/2 (the `ws` package, as any Node client
 * would use it) that records every frame and lets a test wait for the one it expects.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- frames are arbitrary JSON that tests inspect freely */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { basic } from './egiz-server.js';

export type Frame = string | Record<string, any>;

export interface WsClientOptions {
  /** `user:password` for Basic, or `{ bearer }`; false for none. */
  readonly auth?: string | { bearer: string } | false;
  /** Extra query string, e.g. `declared-acks=my:ack`. */
  readonly query?: string;
}

export class WsTestClient {
  readonly frames: Frame[] = [];
  readonly #waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly #closedWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      let frame: Frame;
      try {
        frame = JSON.parse(text) as Record<string, unknown>;
      } catch {
        frame = text;
      }
      this.frames.push(frame);
      const i = this.#waiters.findIndex((w) => w.test(frame));
      if (i >= 0) {
        const [w] = this.#waiters.splice(i, 1);
        w?.resolve(frame);
      }
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const r of this.#closedWaiters.splice(0)) r(this.closed);
    });
  }

  static connect(baseUrl: string, opts: WsClientOptions = {}): Promise<WsTestClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws/2${opts.query ? `?${opts.query}` : ''}`;
    const auth = opts.auth ?? 'ditto:ditto';
    const headers: Record<string, string> = {};
    if (typeof auth === 'string') headers.authorization = basic(auth);
    else if (auth !== false) headers.authorization = `Bearer ${auth.bearer}`;
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsTestClient(socket)));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body }),
          ),
        );
      });
      socket.once('error', reject);
    });
  }

  send(frame: Frame): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for the first frame (already received or future) that passes `test`. */
  next(test: (f: Frame) => boolean, timeoutMs = 5000, what = 'a frame'): Promise<any> {
    const seen = this.frames.find(test);
    if (seen !== undefined) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.findIndex((w) => w.resolve === done);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames).slice(0, 2000)}`));
      }, timeoutMs);
      const done = (f: Frame) => {
        clearTimeout(timer);
        this.frames.splice(this.frames.indexOf(f), 1);
        resolve(f);
      };
      this.#waiters.push({ test, resolve: done });
    });
  }

  /** Frames that arrive within `ms` and pass `test` (to check that something does NOT arrive). */
  async collect(test: (f: Frame) => boolean, ms: number): Promise<Frame[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.filter(test);
  }

  /** Sends an envelope with a fresh correlation-id and waits for the frame that carries it back. */
  async request(envelope: Record<string, any>, timeoutMs = 5000): Promise<Record<string, any>> {
    const cid = (envelope.headers?.['correlation-id'] as string | undefined) ?? randomUUID();
    this.send({ path: '/', ...envelope, headers: { ...envelope.headers, 'correlation-id': cid } });
    return (await this.next(
      (f) => typeof f === 'object' && f.headers?.['correlation-id'] === cid,
      timeoutMs,
      `the answer to ${cid}`,
    )) as Record<string, any>;
  }

  /** Sends a control message and waits for its `:ACK`. */
  async control(text: string): Promise<void> {
    const head = text.split('?')[0] as string;
    this.send(text);
    await this.next((f) => f === `${head}:ACK`, 5000, `${head}:ACK`);
  }

  events(): Record<string, any>[] {
    return this.frames.filter(
      (f): f is Record<string, any> => typeof f === 'object' && /\/events\//.test(String(f.topic)),
    );
  }

  waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.#closedWaiters.push((c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.socket.close();
    return this.waitClosed().then(() => undefined);
  }
}
