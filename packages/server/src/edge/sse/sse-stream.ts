/**
 * @module One Server-Sent Events response (text/event-stream) with the same bounded Outbox as a
 * WebSocket session: written while the socket keeps up, queued up to the limits, and on overflow
 * ended with an `event: error` carrying the Ditto error, counted in metrics. Heartbeat comments
 * keep proxies from closing an idle stream; Egiz ends every stream when it stops.
 */
import type { ServerResponse } from 'node:http';
import { DittoError } from '@egiz/core';
import { Outbox, type OutboxLimits, type OutboxStats } from '../../egress/outbox.js';
import type { CountCell, Metrics } from '../../ops/metrics.js';

const HEARTBEAT_MS = 10_000;

export interface SseEvent {
  readonly data: string;
  readonly event?: string;
  readonly id?: string;
}

/** The wire form of one event; data lines are split so that newlines in the data survive. */
export function formatSse(e: SseEvent): string {
  let out = '';
  if (e.event !== undefined) out += `event: ${e.event.replace(/[\r\n]/g, ' ')}\n`;
  if (e.id !== undefined) out += `id: ${e.id.replace(/[\r\n]/g, ' ')}\n`;
  for (const line of e.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

export class SseStream {
  readonly #res: ServerResponse;
  readonly #outbox: Outbox;
  readonly #metrics: Metrics;
  readonly #frames: CountCell;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #onClose: (() => void)[] = [];
  #closed = false;

  constructor(res: ServerResponse, limits: OutboxLimits, metrics: Metrics) {
    this.#res = res;
    this.#metrics = metrics;
    this.#frames = metrics.frameCell('sse', 'event');
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    this.#outbox = new Outbox(
      {
        write: (frame, done) => {
          if (this.#res.destroyed) {
            done();
            return;
          }
          this.#res.write(frame, done);
        },
      },
      limits,
      (stats) => this.#overflow(stats),
    );
    metrics.realtimeSessions.inc({ edge: 'sse' });
    res.on('close', () => this.#end());
    this.#heartbeat = setInterval(() => this.#outbox.push(':\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): OutboxStats {
    return this.#outbox.stats;
  }

  onClose(f: () => void): void {
    if (this.#closed) f();
    else this.#onClose.push(f);
  }

  send(e: SseEvent): boolean {
    if (this.#closed) return false;
    const ok = this.#outbox.push(formatSse(e));
    if (ok) this.#frames.n++;
    return ok;
  }

  /** Resolves once everything handed over so far has been flushed (replays wait on it). */
  async drained(): Promise<void> {
    while (!this.#closed && (this.#outbox.stats.queued > 0 || this.#outbox.stats.inFlightBytes > 0))
      await new Promise((r) => setTimeout(r, 5));
  }

  /** Ends the stream with a final error event (overflow, shutdown). */
  fail(error: DittoError): void {
    if (this.#closed) return;
    this.#outbox.pushFinal(formatSse({ event: 'error', data: JSON.stringify(error.toJSON()) }));
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#res.end();
    this.#end();
  }

  #overflow(stats: OutboxStats): void {
    this.#metrics.realtimeOverflows.inc({ edge: 'sse' });
    this.fail(
      new DittoError(
        'gateway:streaming.overflow',
        `The stream was read too slowly: ${stats.queued} events (${stats.queuedBytes} bytes) were waiting.`,
      ),
    );
    // A client that reads nothing keeps the socket full: cut it rather than hold its buffers.
    setTimeout(() => this.#res.destroy(), 5000).unref();
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#outbox.close();
    this.#metrics.realtimeSessions.dec({ edge: 'sse' });
    for (const f of this.#onClose.splice(0)) f();
  }
}
