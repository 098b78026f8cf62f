/**
 * @module Commit → delivery latency of the fan-out, per event: from the moment the store reported the
 * event's batch durable (`committedAt`, carried on the bus message) until the fan-out handed its
 * frame to the first and to the last subscriber, and until the frames were written to the sockets.
 * The last stage matters because WebSocket sockets are corked for the rest of the event-loop turn
 * and written on the next one (CorkedWrites): until then the bytes have not left the process. Two
 * clock reads per event in the fan-out and one per turn of writes; nothing per delivery.
 */
import type { SecondsObserver } from '../ops/stage-histogram.js';
import type { DeliveryTiming } from './event-fanout.js';

export interface CommitToDeliveryObservers {
  readonly first: SecondsObserver;
  readonly last: SecondsObserver;
  readonly written: SecondsObserver;
}

/** Calls back (with `performance.now()`) once every frame handed to a socket so far has been written. */
export type AfterWrites = (callback: (now: number) => void) => void;

export class CommitToDelivery {
  readonly #observers: CommitToDeliveryObservers;
  readonly #afterWrites: AfterWrites;

  constructor(observers: CommitToDeliveryObservers, afterWrites: AfterWrites) {
    this.#observers = observers;
    this.#afterWrites = afterWrites;
  }

  /** One event handed to its subscribers (once per event, never per delivery). */
  observe(timing: DeliveryTiming): void {
    const { committedAt } = timing;
    const observers = this.#observers;
    observers.first.observe(Math.max(0, timing.firstAt - committedAt) / 1000);
    observers.last.observe(Math.max(0, timing.lastAt - committedAt) / 1000);
    this.#afterWrites((now) => observers.written.observe(Math.max(0, now - committedAt) / 1000));
  }
}
