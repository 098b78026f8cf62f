/**
 * @module Test support: a Server-Sent Events client over fetch (as EventSource would read the
 * stream): records events (`event`, `id`, `data`) and lets a test wait for the one it expects.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- frames are arbitrary JSON that tests inspect freely */
import { basic } from './egiz-server.js';

export interface SseMessage {
  readonly event?: string;
  readonly id?: string;
  readonly data: string;
}

export class SseTestClient {
  readonly events: SseMessage[] = [];
  comments = 0;
  ended = false;
  readonly #waiters: { test: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }[] = [];
  readonly #endWaiters: (() => void)[] = [];

  private constructor(
    readonly response: Response,
    private readonly abort: AbortController,
  ) {}

  static async open(
    url: string,
    opts: { auth?: string | false; headers?: Record<string, string> } = {},
  ): Promise<SseTestClient> {
    const abort = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', ...opts.headers };
    const auth = opts.auth ?? 'ditto:ditto';
    if (auth !== false && !headers.authorization) headers.authorization = basic(auth);
    const response = await fetch(url, { headers, signal: abort.signal });
    const client = new SseTestClient(response, abort);
    if (response.ok && response.body) void client.#read(response.body);
    return client;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          this.#block(block);
        }
      }
    } catch {
      // aborted
    }
    this.ended = true;
    for (const r of this.#endWaiters.splice(0)) r();
  }

  #block(block: string): void {
    const data: string[] = [];
    let event: string | undefined;
    let id: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
    }
    if (data.length === 0) return;
    const m: SseMessage = {
      data: data.join('\n'),
      ...(event !== undefined ? { event } : {}),
      ...(id !== undefined ? { id } : {}),
    };
    this.events.push(m);
    const w = this.#waiters.findIndex((x) => x.test(m));
    if (w >= 0) this.#waiters.splice(w, 1)[0]?.resolve(m);
  }

  next(test: (m: SseMessage) => boolean = () => true, timeoutMs = 5000): Promise<SseMessage> {
    const seen = this.events.find(test);
    if (seen) {
      this.events.splice(this.events.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no SSE event in time; got ${JSON.stringify(this.events).slice(0, 1500)}`)),
        timeoutMs,
      );
      this.#waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          this.events.splice(this.events.indexOf(m), 1);
          resolve(m);
        },
      });
    });
  }

  /** Parsed JSON data of the next matching event. */
  async json(test: (v: any) => boolean = () => true, timeoutMs = 5000): Promise<any> {
    const m = await this.next((e) => {
      try {
        return test(JSON.parse(e.data));
      } catch {
        return false;
      }
    }, timeoutMs);
    return JSON.parse(m.data);
  }

  waitEnded(timeoutMs = 5000): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('stream did not end')), timeoutMs);
      this.#endWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  close(): void {
    this.abort.abort();
  }
}
