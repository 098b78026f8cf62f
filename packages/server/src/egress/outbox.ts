/**
 * @module The bounded outbound queue of one subscriber (a WebSocket session or an SSE stream).
 * Frames go to the transport while the bytes it has accepted but not yet flushed stay under a
 * high-water mark; the rest wait here, up to a count and a byte limit. When a frame would exceed
 * either limit the outbox overflows: it drops what it holds (so memory stays bounded), lets the
 * owner tell the consumer why (one final frame, outside the limits) and close, and counts it.
 * Nothing is ever dropped silently, and nothing grows without bound.
 */

/** A text frame: a string, or its UTF-8 bytes (shared by many subscribers without re-encoding). */
export type Frame = string | Uint8Array;

export interface Transport {
  /**
   * Hands a frame to the network; `done` is called once it has been flushed (or failed). Calls of
   * `done` come in write order (as a socket's write callbacks do); the outbox passes the same
   * function every time, so a write costs no closure.
   */
  write(frame: Frame, done: () => void): void;
}

function sizeOf(frame: Frame): number {
  return typeof frame === 'string' ? frame.length : frame.byteLength;
}

export interface OutboxLimits {
  /** Frames waiting in the queue. */
  readonly maxQueued: number;
  /** Bytes (UTF-16 length of strings, bytes of buffers) waiting in the queue. */
  readonly maxQueuedBytes: number;
  /** Bytes handed to the transport and not yet flushed before the outbox starts queueing. */
  readonly highWaterBytes: number;
}

export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = {
  maxQueued: 1000,
  maxQueuedBytes: 8 * 1024 * 1024,
  highWaterBytes: 1024 * 1024,
};

export interface OutboxStats {
  readonly queued: number;
  readonly queuedBytes: number;
  readonly inFlightBytes: number;
  readonly sent: number;
  readonly overflowed: boolean;
}

export class Outbox {
  readonly #transport: Transport;
  readonly #limits: OutboxLimits;
  readonly #onOverflow: (stats: OutboxStats) => void;
  #queue: Frame[] = [];
  #head = 0;
  #queuedBytes = 0;
  #inFlightBytes = 0;
  /** Sizes of the frames written and not yet flushed, in write order. */
  #flights: number[] = [];
  #flightHead = 0;
  readonly #flushed = (): void => {
    const bytes = this.#flights[this.#flightHead] ?? 0;
    this.#flights[this.#flightHead++] = 0;
    if (this.#flightHead === this.#flights.length) {
      this.#flights.length = 0;
      this.#flightHead = 0;
    } else if (this.#flightHead > 1024 && this.#flightHead * 2 > this.#flights.length) {
      this.#flights = this.#flights.slice(this.#flightHead);
      this.#flightHead = 0;
    }
    this.#inFlightBytes -= bytes;
    this.#pump();
  };
  #sent = 0;
  #overflowed = false;
  #closed = false;

  constructor(transport: Transport, limits: OutboxLimits, onOverflow: (stats: OutboxStats) => void) {
    this.#transport = transport;
    this.#limits = limits;
    this.#onOverflow = onOverflow;
  }

  get stats(): OutboxStats {
    return {
      queued: this.#queue.length - this.#head,
      queuedBytes: this.#queuedBytes,
      inFlightBytes: this.#inFlightBytes,
      sent: this.#sent,
      overflowed: this.#overflowed,
    };
  }

  get overflowed(): boolean {
    return this.#overflowed;
  }

  /** Queues or sends a frame; false when the outbox has overflowed or is closed (frame not taken). */
  push(frame: Frame): boolean {
    if (this.#overflowed || this.#closed) return false;
    const queued = this.#queue.length - this.#head;
    if (queued === 0 && this.#inFlightBytes < this.#limits.highWaterBytes) {
      this.#write(frame);
      return true;
    }
    if (
      queued + 1 > this.#limits.maxQueued ||
      this.#queuedBytes + sizeOf(frame) > this.#limits.maxQueuedBytes
    ) {
      const stats = this.stats;
      this.#overflowed = true;
      this.#queue = [];
      this.#head = 0;
      this.#queuedBytes = 0;
      this.#onOverflow(stats);
      return false;
    }
    this.#queue.push(frame);
    this.#queuedBytes += sizeOf(frame);
    return true;
  }

  /** Sends a frame past the limits (the final error frame of an overflow); ignored once closed. */
  pushFinal(frame: Frame): void {
    if (!this.#closed) this.#write(frame);
  }

  /** Stops sending and forgets what is queued (the transport is going away). */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
  }

  #write(frame: Frame): void {
    const bytes = sizeOf(frame);
    this.#inFlightBytes += bytes;
    this.#sent++;
    this.#flights.push(bytes);
    this.#transport.write(frame, this.#flushed);
  }

  #pump(): void {
    while (
      !this.#closed &&
      this.#head < this.#queue.length &&
      this.#inFlightBytes < this.#limits.highWaterBytes
    ) {
      const frame = this.#queue[this.#head] as Frame;
      this.#queue[this.#head++] = '';
      this.#queuedBytes -= sizeOf(frame);
      this.#write(frame);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
